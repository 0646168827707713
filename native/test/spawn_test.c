/*
 * spawn_test.c - exercises jipc_spawn directly; built and run by `make test`.
 * Prints "N passed, M failed" and exits non-zero if anything failed.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jipc.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

extern char **environ;

static int passed, failed, current_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            current_failed = 1;                                                  \
            fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define RUN(test) run(#test, test)

static void run(const char *name, void (*test)(void))
{
    current_failed = 0;
    test();
    if (current_failed)
        failed++;
    else
        passed++;
    printf("%s %s\n", current_failed ? "FAIL" : "ok  ", name);
    fflush(stdout);
}

/*
 * libjipc.so calls syscall() through its PLT, so this definition in the
 * executable takes its place: it lets one test pretend close_range is missing,
 * to exercise the fallback. It runs in the spawned child, so it only touches
 * globals; the count is in a MAP_SHARED page so the parent sees it even where
 * the clone is emulated as a fork (valgrind).
 */
static long (*real_syscall)(long, ...);
static volatile int hide_close_range;
static volatile int *close_range_hidden;

long syscall(long number, ...)
{
    va_list ap;
    long a[6];
    int i;

    va_start(ap, number);
    for (i = 0; i < 6; i++) /* like glibc's own syscall: always pass six */
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (number == SYS_close_range && hide_close_range) {
        ++*close_range_hidden;
        errno = ENOSYS;
        return -1;
    }
    return real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* --- helpers --- */

static struct jipc_spawn_request request(const char *path, char *const *argv)
{
    struct jipc_spawn_request r;

    memset(&r, 0, sizeof r);
    r.path = path;
    r.argv = argv;
    r.envp = environ;
    return r;
}

/* Exit status of pid, 128 + signal if killed, -1 if it cannot be waited for. */
static int wait_exit(pid_t pid)
{
    int st;

    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Reads fd to EOF into buf (NUL-terminated), returns the length. */
static size_t read_all(int fd, char *buf, size_t size)
{
    size_t len = 0;
    ssize_t n;

    while (len + 1 < size && ((n = read(fd, buf + len, size - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0)
            len += n;
    buf[len] = '\0';
    return len;
}

static int no_children(void)
{
    return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* Spawns req with the child's stdout on a pipe read into out; returns the exit
 * status, or -1 if the spawn failed (res says why). */
static int capture(const struct jipc_spawn_request *req, char *out, size_t size,
                   struct jipc_spawn_result *res)
{
    struct jipc_spawn_request r = *req;
    struct jipc_fd_mapping map[8];
    int32_t scratch[8];
    int p[2], rc;

    out[0] = '\0';
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    if (req->fd_map_length > 0)
        memcpy(map, req->fd_map, req->fd_map_length * sizeof map[0]);
    map[r.fd_map_length].child_fd = 1;
    map[r.fd_map_length].parent_fd = p[1];
    r.fd_map = map;
    r.fd_map_length++;
    r.scratch = scratch;
    rc = jipc_spawn(&r, res);
    close(p[1]);
    read_all(p[0], out, size);
    close(p[0]);
    return rc == 0 ? wait_exit(res->pid) : -1;
}

/* Value of a "Name:\t..." line of /proc/<pid>/status text, whitespace-trimmed. */
static const char *status_field(const char *status, const char *name, char *buf, size_t size)
{
    const char *p = strstr(status, name);
    size_t n = 0;

    buf[0] = '\0';
    if (p == NULL)
        return buf;
    p += strlen(name);
    while (*p == '\t' || *p == ' ')
        p++;
    while (p[n] != '\n' && p[n] != '\0' && n + 1 < size)
        n++;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

/* --- tests --- */

static void test_abi_version(void)
{
    CHECK(jipc_abi_version() == JIPC_ABI_VERSION);
}

static void test_true_and_false(void)
{
    char *true_argv[] = {"true", NULL}, *false_argv[] = {"false", NULL};
    struct jipc_spawn_request req = request("/bin/true", true_argv);
    struct jipc_spawn_result res;

    errno = EDOM;
    CHECK(jipc_spawn(&req, &res) == 0);
    CHECK(errno == EDOM);
    CHECK(res.pid > 0 && res.stage == JIPC_STAGE_NONE && res.error == 0);
    CHECK(wait_exit(res.pid) == 0);

    req = request("/bin/false", false_argv);
    CHECK(jipc_spawn(&req, &res) == 0);
    CHECK(wait_exit(res.pid) == 1);
    CHECK(no_children());
}

static void test_missing_path(void)
{
    char *argv[] = {"nonexistent", NULL};
    struct jipc_spawn_request req = request("/nonexistent", argv);
    struct jipc_spawn_result res;

    errno = EDOM;
    CHECK(jipc_spawn(&req, &res) == -1);
    CHECK(errno == EDOM);
    CHECK(res.pid == 0 && res.stage == JIPC_STAGE_EXEC && res.error == ENOENT);
    CHECK(no_children()); /* the failed child was reaped */
}

static void test_not_executable(void)
{
    char path[] = "/tmp/jipc_spawn_test.XXXXXX";
    char *argv[] = {path, NULL};
    struct jipc_spawn_request req = request(path, argv);
    struct jipc_spawn_result res;
    int fd = mkstemp(path);

    CHECK(fd >= 0);
    CHECK(write(fd, "#!/bin/sh\n", 10) == 10);
    close(fd);
    CHECK(chmod(path, 0644) == 0);
    CHECK(jipc_spawn(&req, &res) == -1);
    CHECK(res.stage == JIPC_STAGE_EXEC && res.error == EACCES);
    unlink(path);

    req.path = "/tmp"; /* a directory */
    CHECK(jipc_spawn(&req, &res) == -1);
    CHECK(res.stage == JIPC_STAGE_EXEC && res.error == EACCES);
    CHECK(no_children());
}

static void test_map_to_fd_7(void)
{
    char *argv[] = {"sh", "-c", "echo hi >&7", NULL};
    struct jipc_spawn_request req = request("/bin/sh", argv);
    struct jipc_spawn_result res;
    struct jipc_fd_mapping map[1];
    int32_t scratch[1];
    char out[64];
    int p[2];

    CHECK(pipe2(p, O_CLOEXEC) == 0);
    map[0].child_fd = 7;
    map[0].parent_fd = p[1];
    req.fd_map = map;
    req.fd_map_length = 1;
    req.scratch = scratch;
    CHECK(jipc_spawn(&req, &res) == 0);
    close(p[1]);
    read_all(p[0], out, sizeof out);
    close(p[0]);
    CHECK(strcmp(out, "hi\n") == 0);
    CHECK(wait_exit(res.pid) == 0);
}

/* child_fd == parent_fd on a close-on-exec descriptor: it must survive exec. */
static void test_map_identity(void)
{
    char script[64], *argv[] = {"sh", "-c", script, NULL};
    struct jipc_spawn_request req = request("/bin/sh", argv);
    struct jipc_spawn_result res;
    struct jipc_fd_mapping map[1];
    int32_t scratch[1];
    char out[64];
    int p[2];

    CHECK(pipe2(p, O_CLOEXEC) == 0);
    CHECK(p[1] < 10); /* dash redirects single-digit descriptors only */
    snprintf(script, sizeof script, "echo same >&%d", p[1]);
    map[0].child_fd = p[1];
    map[0].parent_fd = p[1];
    req.fd_map = map;
    req.fd_map_length = 1;
    req.scratch = scratch;
    CHECK(jipc_spawn(&req, &res) == 0);
    close(p[1]);
    read_all(p[0], out, sizeof out);
    close(p[0]);
    CHECK(strcmp(out, "same\n") == 0);
    CHECK(wait_exit(res.pid) == 0);
}

/* child 1 <- A, child A <- B, child B <- A: every order of plain dup2 breaks. */
static void test_map_swap(void)
{
    char script[128], *argv[] = {"sh", "-c", script, NULL};
    struct jipc_spawn_request req = request("/bin/sh", argv);
    struct jipc_spawn_result res;
    struct jipc_fd_mapping map[3];
    int32_t scratch[3];
    char out_a[64], out_b[64];
    int a[2], b[2];

    CHECK(pipe2(a, O_CLOEXEC) == 0 && pipe2(b, O_CLOEXEC) == 0);
    CHECK(a[1] < 10 && b[1] < 10);
    snprintf(script, sizeof script, "echo one; echo two >&%d; echo three >&%d", a[1], b[1]);
    map[0] = (struct jipc_fd_mapping){1, a[1]};
    map[1] = (struct jipc_fd_mapping){a[1], b[1]};
    map[2] = (struct jipc_fd_mapping){b[1], a[1]};
    req.fd_map = map;
    req.fd_map_length = 3;
    req.scratch = scratch;
    CHECK(jipc_spawn(&req, &res) == 0);
    close(a[1]);
    close(b[1]);
    read_all(a[0], out_a, sizeof out_a);
    read_all(b[0], out_b, sizeof out_b);
    close(a[0]);
    close(b[0]);
    CHECK(strcmp(out_a, "one\nthree\n") == 0);
    CHECK(strcmp(out_b, "two\n") == 0);
    CHECK(wait_exit(res.pid) == 0);
}

static void test_stdin_and_stdout(void)
{
    char *argv[] = {"cat", NULL};
    struct jipc_spawn_request req = request("/bin/cat", argv);
    struct jipc_spawn_result res;
    struct jipc_fd_mapping map[1];
    char out[64];
    int in[2];

    CHECK(pipe2(in, O_CLOEXEC) == 0);
    CHECK(write(in[1], "ping\n", 5) == 5);
    close(in[1]);
    map[0] = (struct jipc_fd_mapping){0, in[0]};
    req.fd_map = map;
    req.fd_map_length = 1;
    CHECK(capture(&req, out, sizeof out, &res) == 0);
    close(in[0]);
    CHECK(strcmp(out, "ping\n") == 0);
}

static void test_map_high_fd(void)
{
    char *argv[] = {"sh", "-c", "echo big > /proc/self/fd/100", NULL};
    struct jipc_spawn_request req = request("/bin/sh", argv);
    struct jipc_spawn_result res;
    struct jipc_fd_mapping map[1];
    int32_t scratch[1];
    char out[64];
    int p[2];

    CHECK(pipe2(p, O_CLOEXEC) == 0);
    map[0] = (struct jipc_fd_mapping){100, p[1]};
    req.fd_map = map;
    req.fd_map_length = 1;
    req.scratch = scratch;
    CHECK(jipc_spawn(&req, &res) == 0);
    close(p[1]);
    read_all(p[0], out, sizeof out);
    close(p[0]);
    CHECK(strcmp(out, "big\n") == 0);
    CHECK(wait_exit(res.pid) == 0);

    map[0] = (struct jipc_fd_mapping){INT32_MAX, 0}; /* beyond RLIMIT_NOFILE */
    CHECK(jipc_spawn(&req, &res) == -1);
    CHECK(res.stage == JIPC_STAGE_FDS && res.error == EINVAL);
    CHECK(no_children());
}

/* Every low descriptor is a dup target, the error pipe's included: the
 * failure must still come back instead of a false success. */
static void test_error_pipe_survives_mapping(void)
{
    char *argv[] = {"x", NULL};
    struct jipc_spawn_request req = request("/nonexistent", argv);
    struct jipc_spawn_result res;
    struct jipc_fd_mapping map[16];
    int32_t scratch[16];
    int p[2], i;

    CHECK(pipe2(p, O_CLOEXEC) == 0);
    for (i = 0; i < 16; i++)
        map[i] = (struct jipc_fd_mapping){3 + i, p[1]};
    req.fd_map = map;
    req.fd_map_length = 16;
    req.scratch = scratch;
    CHECK(jipc_spawn(&req, &res) == -1);
    CHECK(res.stage == JIPC_STAGE_EXEC && res.error == ENOENT);
    close(p[0]);
    close(p[1]);
    CHECK(no_children());
}

static void test_bad_parent_fd(void)
{
    char *argv[] = {"true", NULL};
    struct jipc_spawn_request req = request("/bin/true", argv);
    struct jipc_spawn_result res;
    struct jipc_fd_mapping map[1] = {{5, 999}};
    int32_t scratch[1];

    close(999);
    req.fd_map = map;
    req.fd_map_length = 1;
    req.scratch = scratch;
    CHECK(jipc_spawn(&req, &res) == -1);
    CHECK(res.stage == JIPC_STAGE_FDS && res.error == EBADF);
    CHECK(no_children());
}

/* Descriptors the child may see: 0, 1, 2 and ls's own directory descriptor. */
static void check_no_leaks(void)
{
    char *ls_argv[] = {"ls", "/proc/self/fd", NULL};
    char *sh_argv[] = {"sh", "-c", "test -e /proc/self/fd/60", NULL};
    struct jipc_spawn_request req = request("/bin/ls", ls_argv);
    struct jipc_spawn_result res;
    char out[256], *line, *save;
    int fd = open("/dev/null", O_RDONLY); /* deliberately not O_CLOEXEC */

    CHECK(fd >= 0 && dup2(fd, 60) == 60);
    CHECK(capture(&req, out, sizeof out, &res) == 0);
    for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
        if (atoi(line) > 3) {
            fprintf(stderr, "  child sees descriptor %s\n", line);
            CHECK(!"leaked descriptor");
        }
    req = request("/bin/sh", sh_argv);
    CHECK(jipc_spawn(&req, &res) == 0);
    CHECK(wait_exit(res.pid) == 1); /* test -e failed: 60 is not there */
    close(fd);
    close(60);
}

static void test_leaked_fd_invisible(void)
{
    check_no_leaks();
}

static void test_leaked_fd_invisible_without_close_range(void)
{
    hide_close_range = 1;
    *close_range_hidden = 0;
    check_no_leaks();
    hide_close_range = 0;
    CHECK(*close_range_hidden > 0); /* the fallback really ran */
}

static void test_cwd(void)
{
    char *argv[] = {"pwd", NULL};
    struct jipc_spawn_request req = request("/bin/pwd", argv);
    struct jipc_spawn_result res;
    char out[256];

    req.cwd = "/tmp";
    CHECK(capture(&req, out, sizeof out, &res) == 0);
    CHECK(strcmp(out, "/tmp\n") == 0);

    req.cwd = "/nonexistent-dir";
    CHECK(capture(&req, out, sizeof out, &res) == -1);
    CHECK(res.stage == JIPC_STAGE_CHDIR && res.error == ENOENT);
    CHECK(no_children());
}

static void check_bad(const struct jipc_spawn_request *req)
{
    struct jipc_spawn_result res = {1, 1, 1};

    errno = EDOM;
    CHECK(jipc_spawn(req, &res) == -1);
    CHECK(errno == EDOM);
    CHECK(res.pid == 0 && res.stage == JIPC_STAGE_PREPARE && res.error == EINVAL);
}

static void test_bad_requests(void)
{
    char *argv[] = {"true", NULL};
    struct jipc_spawn_request good = request("/bin/true", argv), req;
    struct jipc_fd_mapping map[1] = {{1, 1}};
    int32_t scratch[1];

    check_bad(NULL);
    req = good, req.path = NULL, check_bad(&req);
    req = good, req.argv = NULL, check_bad(&req);
    req = good, req.envp = NULL, check_bad(&req);
    req = good, req.fd_map_length = -1, check_bad(&req);
    req = good, req.flags = 8, check_bad(&req);
    req = good, req.fd_map_length = 1, req.scratch = scratch, check_bad(&req); /* fd_map NULL */
    req = good, req.fd_map_length = 1, req.fd_map = map, check_bad(&req);     /* scratch NULL */
    req.scratch = scratch;
    map[0] = (struct jipc_fd_mapping){-1, 1}, check_bad(&req);
    map[0] = (struct jipc_fd_mapping){1, -1}, check_bad(&req);
    CHECK(jipc_spawn(&good, NULL) == -1);
    CHECK(no_children());
}

static void on_term(int sig)
{
    (void)sig;
}

/*
 * What exec does to dispositions, and what ProcessBuilder's children get: a signal the
 * parent ignores stays ignored (nohup relies on it), a handled one is back to default,
 * and the mask is empty.
 */
static void test_signals_reset(void)
{
    char *argv[] = {"cat", "/proc/self/status", NULL};
    struct jipc_spawn_request req = request("/bin/cat", argv);
    struct jipc_spawn_result res;
    struct sigaction ign = {.sa_handler = SIG_IGN}, handler = {.sa_handler = on_term};
    struct sigaction old_usr1, old_hup, old_term;
    sigset_t block, old_mask, now;
    char out[4096], field[64], mine[4096], my_ign[64];
    unsigned long long ignored;
    int fd;

    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGINT);
    sigaction(SIGUSR1, &ign, &old_usr1);
    sigaction(SIGHUP, &ign, &old_hup);
    sigaction(SIGTERM, &handler, &old_term);
    pthread_sigmask(SIG_BLOCK, &block, &old_mask);

    fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    read_all(fd, mine, sizeof mine);
    close(fd);
    status_field(mine, "SigIgn:", my_ign, sizeof my_ign);

    CHECK(capture(&req, out, sizeof out, &res) == 0);
    CHECK(strcmp(status_field(out, "SigBlk:", field, sizeof field), "0000000000000000") == 0);
    status_field(out, "SigIgn:", field, sizeof field);
    CHECK(strcmp(field, my_ign) == 0);
    ignored = strtoull(field, NULL, 16);
    CHECK((ignored & (1ULL << (SIGUSR1 - 1))) != 0);
    CHECK((ignored & (1ULL << (SIGHUP - 1))) != 0);
    CHECK((ignored & (1ULL << (SIGTERM - 1))) == 0);
    CHECK(strcmp(status_field(out, "SigCgt:", field, sizeof field), "0000000000000000") == 0);

    pthread_sigmask(SIG_SETMASK, NULL, &now); /* the parent's mask came back */
    CHECK(sigismember(&now, SIGUSR2) && sigismember(&now, SIGINT) && !sigismember(&now, SIGHUP));
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGUSR1, &old_usr1, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGTERM, &old_term, NULL);
}

/* Session id (field 6 of /proc/<pid>/stat) from its text. */
static long stat_session(const char *stat)
{
    const char *p = strrchr(stat, ')');
    char state;
    long ppid, pgrp, session;

    if (p == NULL || sscanf(p + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &session) != 4)
        return -1;
    return session;
}

static void test_setsid(void)
{
    char *argv[] = {"cat", "/proc/self/stat", NULL};
    struct jipc_spawn_request req = request("/bin/cat", argv);
    struct jipc_spawn_result res;
    char out[1024];

    req.flags = JIPC_SPAWN_SETSID;
    CHECK(capture(&req, out, sizeof out, &res) == 0);
    CHECK(stat_session(out) == res.pid);

    req.flags = 0;
    CHECK(capture(&req, out, sizeof out, &res) == 0);
    CHECK(stat_session(out) == getsid(0));
}

static void check_ids(int flags, const char *uid, const char *gid, const char *groups)
{
    char *argv[] = {"cat", "/proc/self/status", NULL};
    struct jipc_spawn_request req = request("/bin/cat", argv);
    struct jipc_spawn_result res;
    char out[4096], field[128];

    req.flags = flags;
    req.uid = 65534;
    req.gid = 65534;
    CHECK(capture(&req, out, sizeof out, &res) == 0);
    CHECK(strcmp(status_field(out, "Uid:", field, sizeof field), uid) == 0);
    CHECK(strcmp(status_field(out, "Gid:", field, sizeof field), gid) == 0);
    CHECK(strcmp(status_field(out, "Groups:", field, sizeof field), groups) == 0);
}

/* As an unprivileged user, id changes fail at the right stage. */
static void check_unprivileged_id_failures(void)
{
    char *argv[] = {"true", NULL};
    struct jipc_spawn_request req = request("/bin/true", argv);
    struct jipc_spawn_result res;

    req.flags = JIPC_SPAWN_SETUID;
    req.uid = 0;
    CHECK(jipc_spawn(&req, &res) == -1);
    CHECK(res.stage == JIPC_STAGE_SETUID && res.error == EPERM);
    req.flags = JIPC_SPAWN_SETGID | JIPC_SPAWN_SETUID;
    req.gid = 0;
    CHECK(jipc_spawn(&req, &res) == -1);
    CHECK(res.stage == JIPC_STAGE_SETGID && res.error == EPERM);
    req.flags = 0;
    CHECK(jipc_spawn(&req, &res) == 0 && wait_exit(res.pid) == 0);
}

/* As root, in a forked copy of this test (its ids are changed): a supplementary
 * group must be dropped by either flag, then the unprivileged failures. */
static void test_ids(void)
{
    const char *root = "0\t0\t0\t0", *nobody = "65534\t65534\t65534\t65534";
    gid_t extra = 4242;
    pid_t pid;

    if (geteuid() != 0) {
        check_unprivileged_id_failures();
        return;
    }
    pid = fork();
    if (pid == 0) {
        CHECK(setgroups(1, &extra) == 0);
        check_ids(0, root, root, "4242");
        check_ids(JIPC_SPAWN_SETUID | JIPC_SPAWN_SETGID, nobody, nobody, "");
        check_ids(JIPC_SPAWN_SETGID, root, nobody, "");
        check_ids(JIPC_SPAWN_SETUID, nobody, root, "");
        CHECK(setgroups(0, NULL) == 0 && setgid(65534) == 0 && setuid(65534) == 0);
        check_unprivileged_id_failures();
        _exit(current_failed);
    }
    CHECK(pid > 0 && wait_exit(pid) == 0);
    CHECK(no_children());
}

static void test_no_fd_or_child_leaks(void)
{
    char *true_argv[] = {"true", NULL}, *missing_argv[] = {"x", NULL};
    struct jipc_spawn_request ok = request("/bin/true", true_argv);
    struct jipc_spawn_request bad = request("/nonexistent", missing_argv);
    struct jipc_spawn_result res;
    int before = count_fds(), i, errors = 0;

    for (i = 0; i < 1000; i++)
        if (jipc_spawn(&ok, &res) != 0 || wait_exit(res.pid) != 0)
            errors++;
    for (i = 0; i < 100; i++)
        if (jipc_spawn(&bad, &res) != -1 || res.error != ENOENT)
            errors++;
    CHECK(errors == 0);
    CHECK(count_fds() == before);
    CHECK(no_children());
}

/* Each thread spawns echo with its own pipe and checks it got its own text. */
static void *spawn_echoes(void *arg)
{
    long id = (long)arg, errors = 0;
    char word[32], out[64], *argv[] = {"echo", word, NULL};
    struct jipc_spawn_request req = request("/bin/echo", argv);
    struct jipc_spawn_result res;
    int i;

    for (i = 0; i < 100; i++) {
        snprintf(word, sizeof word, "t%ld-%d", id, i);
        if (capture(&req, out, sizeof out, &res) != 0 || strncmp(out, word, strlen(word)) != 0)
            errors++;
    }
    return (void *)errors;
}

static void test_concurrent_spawns(void)
{
    pthread_t threads[8];
    void *errors;
    long i, total = 0;
    int before = count_fds();

    for (i = 0; i < 8; i++)
        CHECK(pthread_create(&threads[i], NULL, spawn_echoes, (void *)i) == 0);
    for (i = 0; i < 8; i++) {
        pthread_join(threads[i], &errors);
        total += (long)errors;
    }
    CHECK(total == 0);
    CHECK(count_fds() == before);
    CHECK(no_children());
}

int main(void)
{
    real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
    if (real_syscall == NULL) {
        fprintf(stderr, "dlsym(syscall): %s\n", dlerror());
        return 2;
    }
    close_range_hidden = mmap(NULL, sizeof *close_range_hidden, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (close_range_hidden == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    RUN(test_abi_version);
    RUN(test_true_and_false);
    RUN(test_missing_path);
    RUN(test_not_executable);
    RUN(test_map_to_fd_7);
    RUN(test_map_identity);
    RUN(test_map_swap);
    RUN(test_stdin_and_stdout);
    RUN(test_map_high_fd);
    RUN(test_error_pipe_survives_mapping);
    RUN(test_bad_parent_fd);
    RUN(test_leaked_fd_invisible);
    RUN(test_leaked_fd_invisible_without_close_range);
    RUN(test_cwd);
    RUN(test_bad_requests);
    RUN(test_signals_reset);
    RUN(test_setsid);
    RUN(test_ids);
    RUN(test_no_fd_or_child_leaks);
    RUN(test_concurrent_spawns);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
