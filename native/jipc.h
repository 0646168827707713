/*
 * jipc.h - the C API that the JVM calls through the Foreign Function & Memory API.
 *
 * This header is also jextract input (see bindings/jextract.args), so it uses
 * only plain C types: no macros with arguments, no inline functions.
 *
 * The JVM never forks: children are made here, by jipc_spawn, which does only
 * async-signal-safe work between clone and exec (see spawn.c for the contract).
 */
#ifndef JIPC_H
#define JIPC_H

#include <stdint.h>
#include <sys/types.h>

/* Bumped whenever a struct or signature below changes; Java checks it at load. */
#define JIPC_ABI_VERSION 1

/* Where a failed spawn stopped: reported with the errno of the failing call. */
#define JIPC_STAGE_NONE      0 /* no failure */
#define JIPC_STAGE_PREPARE   1 /* in the parent: bad request, pipe2, mmap, clone */
#define JIPC_STAGE_SIGNALS   2 /* child: resetting dispositions or the mask */
#define JIPC_STAGE_FDS       3 /* child: moving or duplicating descriptors */
#define JIPC_STAGE_CHDIR     4 /* child: chdir to the requested directory */
#define JIPC_STAGE_SETSID    5 /* child: setsid */
#define JIPC_STAGE_SETGID    6 /* child: setgroups / setgid */
#define JIPC_STAGE_SETUID    7 /* child: setuid */
#define JIPC_STAGE_EXEC      8 /* child: execve */

/* jipc_spawn_request.flags */
#define JIPC_SPAWN_SETSID    1 /* start a new session (and process group) */
#define JIPC_SPAWN_SETUID    2 /* switch to uid (and drop supplementary groups) */
#define JIPC_SPAWN_SETGID    4 /* switch to gid */

/* One entry of the descriptor map: the child sees parent_fd as child_fd. */
struct jipc_fd_mapping {
    int32_t child_fd;
    int32_t parent_fd;
};

/*
 * Everything the child needs, prepared by the caller before the call so the
 * child only reads memory: path is absolute (PATH search is the caller's job),
 * argv and envp are NULL-terminated, fd_map has fd_map_length entries and
 * scratch has room for fd_map_length ints (the child's temporary descriptors).
 */
struct jipc_spawn_request {
    const char *path;
    char *const *argv;
    char *const *envp;
    const struct jipc_fd_mapping *fd_map;
    int32_t fd_map_length;
    int32_t flags;
    const char *cwd;   /* NULL: inherit */
    uint32_t uid;      /* with JIPC_SPAWN_SETUID */
    uint32_t gid;      /* with JIPC_SPAWN_SETGID */
    int32_t *scratch;
};

/* What happened: pid on success; on failure the stage and its errno. */
struct jipc_spawn_result {
    int32_t pid;
    int32_t stage;
    int32_t error;
};

/*
 * Spawns a child as described by request. Returns 0 and fills result->pid when
 * the child has reached execve successfully; returns -1 and fills result->stage
 * and result->error (an errno value) when anything failed, in which case the
 * child, if one was created, has already been reaped. Never sets errno for the
 * caller to read: the result carries it.
 *
 * Every descriptor of the parent except 0, 1, 2 and the mapped ones is closed in
 * the child (marked close-on-exec); mapped descriptors lose close-on-exec.
 * The signal mask of the child is empty; a signal the caller ignores stays ignored
 * and every other disposition is the default (what execve and ProcessBuilder do).
 * Thread-safe: concurrent calls from several threads are allowed.
 */
int jipc_spawn(const struct jipc_spawn_request *request, struct jipc_spawn_result *result);

/* JIPC_ABI_VERSION of the loaded library, to refuse a stale libjipc.so. */
int jipc_abi_version(void);

#endif
