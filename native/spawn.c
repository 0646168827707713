/*
 * spawn.c - jipc_spawn: start a child without fork()ing the JVM.
 *
 * The parent checks the request, makes a close-on-exec error pipe and a small
 * stack, blocks every signal and clones with CLONE_VM|CLONE_VFORK: the calling
 * thread sleeps until the child has exec'd or exited. The child reports a
 * failure as one {stage, errno} record on the pipe; EOF means execve succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jipc.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* 32-bit ABIs keep 16-bit ids under the plain names; use the full-width calls. */
#ifdef SYS_setuid32
#define SYS_SETUID SYS_setuid32
#define SYS_SETGID SYS_setgid32
#define SYS_SETGROUPS SYS_setgroups32
#else
#define SYS_SETUID SYS_setuid
#define SYS_SETGID SYS_setgid
#define SYS_SETGROUPS SYS_setgroups
#endif

#define KERNEL_SIGSET_SIZE 8        /* the kernel's sigset: 64 signals */
#define CHILD_STACK_SIZE (64 * 1024)
#define KNOWN_FLAGS (JIPC_SPAWN_SETSID | JIPC_SPAWN_SETUID | JIPC_SPAWN_SETGID)

/*
 * struct sigaction as the rt_sigaction system call reads and writes it on x86-64
 * (the handler first; NativeLibrary refuses other platforms), not glibc's.
 */
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

/* What the child writes to the error pipe when a step fails. */
struct failure {
    int32_t stage;
    int32_t error;
};

/* Everything the child reads; it lives on the parent's stack. */
struct child_args {
    const struct jipc_spawn_request *req;
    int err_fd;             /* write end of the error pipe */
    unsigned long hi;       /* above every mapped child_fd, at least 3 */
};

/*
 * The child, between clone and execve. Safety contract:
 *  - It shares the parent's memory (CLONE_VM) and runs on its own stack while
 *    the calling thread sleeps (CLONE_VFORK). It writes only its stack,
 *    req->scratch and errno (the sleeping thread's, restored by jipc_spawn).
 *  - It makes only raw system calls through syscall(2): no malloc, stdio, locks,
 *    strerror or libc wrapper with process-wide effects. glibc's setuid, setgid
 *    and setgroups signal every thread of the process to change ids together;
 *    here that would be the JVM's threads, so the raw calls are used instead.
 *  - It starts with every signal blocked (the parent blocked them before clone),
 *    so no handler of the parent runs on this stack. Before the mask is emptied,
 *    every signal with a handler goes back to SIG_DFL; an ignored one stays
 *    ignored, as execve itself would leave it (nohup relies on that, and so do
 *    ProcessBuilder's children). The dispositions are read here, in the child:
 *    without CLONE_SIGHAND it holds a copy of the parent's table made by clone,
 *    so no other thread's sigaction can slip in between reading and cloning.
 *  - It never returns: it ends in execve, or writes {stage, errno} to the error
 *    pipe and exits with 127.
 */
static int child(void *arg)
{
    const struct child_args *a = arg;
    const struct jipc_spawn_request *r = a->req;
    unsigned long dfl[4] = {0}; /* SIG_DFL, no flags, empty mask in any field order */
    struct kernel_sigaction cur;
    uint64_t none = 0;
    struct { uint64_t cur, max; } lim;
    struct failure f;
    int err_fd = a->err_fd, stage, fd, i;

    stage = JIPC_STAGE_SIGNALS;
    for (i = 1; i <= 64; i++) {
        if (i == SIGKILL || i == SIGSTOP)
            continue;
        if (syscall(SYS_rt_sigaction, i, NULL, &cur, KERNEL_SIGSET_SIZE) < 0)
            goto fail;
        if (cur.handler != (void *)SIG_IGN && cur.handler != (void *)SIG_DFL &&
            syscall(SYS_rt_sigaction, i, dfl, NULL, KERNEL_SIGSET_SIZE) < 0)
            goto fail;
    }

    /* Lift the error pipe above every dup3 target so no mapping can replace it. */
    stage = JIPC_STAGE_FDS;
    if ((unsigned long)err_fd < a->hi) {
        if ((fd = syscall(SYS_fcntl, err_fd, F_DUPFD_CLOEXEC, a->hi)) < 0)
            goto fail;
        err_fd = fd;
    }

    /* Everything from 3 up closes on exec, the error pipe included. */
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        if ((errno != ENOSYS && errno != EINVAL) ||
            syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &lim) < 0)
            goto fail;
        for (fd = 3; (uint64_t)fd < lim.cur && fd < INT_MAX; fd++)
            if (syscall(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF)
                goto fail;
    }

    /* Copy every source above hi first, so one mapping's target cannot clobber
     * another's source (swaps work); dup3 then clears close-on-exec. */
    for (i = 0; i < r->fd_map_length; i++)
        if ((r->scratch[i] = syscall(SYS_fcntl, r->fd_map[i].parent_fd,
                                     F_DUPFD_CLOEXEC, a->hi)) < 0)
            goto fail;
    for (i = 0; i < r->fd_map_length; i++)
        if (syscall(SYS_dup3, r->scratch[i], r->fd_map[i].child_fd, 0) < 0)
            goto fail;

    stage = JIPC_STAGE_CHDIR;
    if (r->cwd != NULL && syscall(SYS_chdir, r->cwd) < 0)
        goto fail;

    stage = JIPC_STAGE_SETSID;
    if ((r->flags & JIPC_SPAWN_SETSID) && syscall(SYS_setsid) < 0)
        goto fail;

    stage = JIPC_STAGE_SETGID;
    if ((r->flags & JIPC_SPAWN_SETGID) &&
        (syscall(SYS_SETGROUPS, 0, NULL) < 0 ||
         syscall(SYS_SETGID, (unsigned long)r->gid) < 0))
        goto fail;

    stage = JIPC_STAGE_SETUID;
    if ((r->flags & JIPC_SPAWN_SETUID) &&
        ((!(r->flags & JIPC_SPAWN_SETGID) && syscall(SYS_SETGROUPS, 0, NULL) < 0) ||
         syscall(SYS_SETUID, (unsigned long)r->uid) < 0))
        goto fail;

    stage = JIPC_STAGE_SIGNALS;
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, KERNEL_SIGSET_SIZE) < 0)
        goto fail;

    stage = JIPC_STAGE_EXEC;
    syscall(SYS_execve, r->path, r->argv, r->envp);
fail:
    f.stage = stage;
    f.error = errno;
    while (syscall(SYS_write, err_fd, &f, sizeof f) < 0 && errno == EINTR)
        ;
    syscall(SYS_exit_group, 127);
    return 127;
}

/* 0 if the request is usable; sets *hi to max(3, every child_fd + 1). */
static int check(const struct jipc_spawn_request *r, unsigned long *hi)
{
    int i;

    if (r == NULL || r->path == NULL || r->argv == NULL || r->envp == NULL ||
        r->fd_map_length < 0 || (r->flags & ~KNOWN_FLAGS) != 0 ||
        (r->fd_map_length > 0 && (r->fd_map == NULL || r->scratch == NULL)))
        return -1;
    *hi = 3;
    for (i = 0; i < r->fd_map_length; i++) {
        if (r->fd_map[i].child_fd < 0 || r->fd_map[i].parent_fd < 0)
            return -1;
        if ((unsigned long)r->fd_map[i].child_fd + 1 > *hi)
            *hi = (unsigned long)r->fd_map[i].child_fd + 1;
    }
    return 0;
}

int jipc_spawn(const struct jipc_spawn_request *request, struct jipc_spawn_result *result)
{
    int saved_errno = errno, stage = JIPC_STAGE_PREPARE, error = 0, pid = -1, pipefd[2];
    uint64_t all = ~(uint64_t)0, old;
    struct child_args args;
    struct failure f;
    ssize_t n;
    void *stack;

    if (result == NULL)
        return -1;
    if (check(request, &args.hi) < 0) {
        error = EINVAL;
    } else if (pipe2(pipefd, O_CLOEXEC) < 0) {
        error = errno;
    } else {
        stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED) {
            error = errno;
        } else {
            args.req = request;
            args.err_fd = pipefd[1];
            /* Raw call: pthread_sigmask would leave glibc's two internal signals open. */
            syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, KERNEL_SIGSET_SIZE);
            pid = clone(child, (char *)stack + CHILD_STACK_SIZE,
                        CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
            error = pid < 0 ? errno : 0;
            syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, KERNEL_SIGSET_SIZE);
            munmap(stack, CHILD_STACK_SIZE);
        }
        close(pipefd[1]);
        if (pid > 0) {
            while ((n = read(pipefd[0], &f, sizeof f)) < 0 && errno == EINTR)
                ;
            if (n == 0) {
                stage = JIPC_STAGE_NONE;
            } else {
                if (n == sizeof f) {
                    stage = f.stage;
                    error = f.error;
                } else { /* cannot happen: the record is atomic; don't leave a stray child */
                    error = n < 0 ? errno : EIO;
                    kill(pid, SIGKILL);
                }
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                    ;
            }
        }
        close(pipefd[0]);
    }
    result->pid = stage == JIPC_STAGE_NONE ? pid : 0;
    result->stage = stage;
    result->error = error;
    errno = saved_errno;
    return stage == JIPC_STAGE_NONE ? 0 : -1;
}

int jipc_abi_version(void)
{
    return JIPC_ABI_VERSION;
}
