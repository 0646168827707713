/*
 * The C surface jipc binds: the libc calls and constants of shared memory
 * (memfd and seals too), message queues, semaphores, pipes, readiness (poll,
 * epoll, eventfd), Unix sockets, processes, futexes and membarrier, plus
 * jipc's own helper (native/jipc.h). jextract reads this file; which of its
 * declarations are bound is decided by ../jextract.args.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "../../native/jipc.h"
