/*
 * cbench: the C twins of jipc's cross-process benchmarks.
 *
 * Two real processes (fork) talk over one transport and run, for each metric and size of
 * the plan, the same protocol as the Java harness (io.jipc.bench.Driver / Peer):
 *
 *   rtt   the driver sends a message, the peer echoes it, the driver times the round trip;
 *   tput  the driver streams messages one way; the peer reads every byte, checks the
 *         sequence numbers and sums the payload; its checksum comes back in the final
 *         acknowledgement and the driver verifies it;
 *   idle  one SYNC round trip, then nothing for IDLE_MS(ms) while the peer waits in a
 *         receive, then one END round trip: the CPU time a waiting side burns.
 *
 * Word 0 of every message is (phase << 56 | sequence); the other words are a fixed pattern.
 * Warm-up messages come first, then one SYNC round trip (the peer starts its CPU clock,
 * the driver starts the wall clock), the measured messages, and one END round trip.
 * Each phase stops at its count or its time limit, whichever comes first.
 *
 * Output: one JSON line per result, the same fields as the Java side's.
 * Transports: pipe, mq, uds, tcp; bench's slot ring (slotring.h) busy-spinning ("shm-spin")
 * or spinning then sleeping on a futex ("futex"); and jipc's own ring through
 * native/jipc_ring.h, the layout and protocol of io.jipc.ring, compiled in from
 * native/jipc_ring.c: "jipc-ring-spin" (SPSC, offer/poll in a busy loop), "jipc-ring-sleep"
 * (SPSC, the ring's own blocking offer/read: spin, yield, futex), "jipc-ring-futex" (the same
 * with no spin and no yield: every wait sleeps at once) and "jipc-mpsc-spin" (MPSC kind, one
 * producer per ring, busy loop).
 *
 * Usage: cbench --transport NAME [--metrics rtt,tput,idle] [--sizes 8,64,1024,4096]
 *               [--warmup-count N] [--warmup-ms T] [--count N] [--ms T]
 *               [--pin same|different|none] [--round R] [--out FILE]
 *        cbench --layout [FILE] (prints slotring.h's constants and the compiler as JSON)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jipc_ring.h"
#include "slotring.h"

enum { PHASE_WARMUP = 0, PHASE_MEASURE = 1, PHASE_SYNC = 2, PHASE_END = 3 };
#define WORD0(phase, seq) (((uint64_t)(phase) << 56) | (uint64_t)(seq))
#define PHASE_OF(w) ((int)((w) >> 56))
#define SEQ_OF(w) ((w) & ((UINT64_C(1) << 56) - 1))
/* Word i (i >= 1) of every payload; the Java side uses the same constant. */
#define PATTERN(i) (UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)((i) + 1))
#define MAX_SIZE SLOTRING_MAX_PAYLOAD
#define MAX_PLAN 16
/* The idle step's quiet time: the measured time, at most half a second (Plan.idleMillis). */
#define IDLE_MS(ms) ((ms) < 500 ? (ms) : 500)
/* Data bytes of each jipc ring: JipcRingTransport.CAPACITY. */
#define JRING_CAPACITY (1u << 20)
#define JRING_REGION ((size_t)JIPC_RING_HEADER_LENGTH + JRING_CAPACITY)

static void die(const char *what)
{
    fprintf(stderr, "cbench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void fail(const char *what)
{
    fprintf(stderr, "cbench: %s\n", what);
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void cpu_of(int who, uint64_t *user, uint64_t *sys)
{
    struct rusage ru;
    getrusage(who, &ru);
    *user = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec;
    *sys = (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}

static void cpu_us(uint64_t *user, uint64_t *sys)
{
    cpu_of(RUSAGE_SELF, user, sys);
}

static uint64_t thread_cpu_us(void)
{
    uint64_t user, sys;
    cpu_of(RUSAGE_THREAD, &user, &sys);
    return user + sys;
}

static inline void cpu_relax(void)
{
    __builtin_ia32_pause();
}

/* ---- links: one end of a two-way channel ---------------------------------------- */

struct ring_end {
    unsigned char *base; /* the ring this end writes (out) or reads (in) */
    uint32_t pos;        /* our own counter: tail for out, head for in */
    uint32_t seen;       /* last value read of the other side's counter */
};

struct link {
    int (*send)(struct link *, const void *, size_t);
    int (*recv)(struct link *, void *, size_t);
    int rfd, wfd;
    struct ring_end in, out;
    int futex;
    struct jipc_ring jin, jout; /* jipc rings: this process's handles */
    int jsleep;                 /* jipc-ring-sleep: the ring's own blocking calls */
};

static int stream_send(struct link *l, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(l->wfd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int stream_recv(struct link *l, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(l->rfd, p, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0) {
            errno = EPIPE;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int mq_send_msg(struct link *l, const void *buf, size_t n)
{
    while (mq_send(l->wfd, buf, n, 0) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static int mq_recv_msg(struct link *l, void *buf, size_t n)
{
    ssize_t r;
    while ((r = mq_receive(l->rfd, buf, MAX_SIZE, NULL)) < 0)
        if (errno != EINTR)
            return -1;
    if ((size_t)r != n) {
        errno = EMSGSIZE;
        return -1;
    }
    return 0;
}

static inline uint32_t *word_at(unsigned char *base, size_t offset)
{
    return (uint32_t *)(base + offset);
}

/*
 * Waits until the counter at counter_off differs from old; returns its new value. The
 * futex twin spins SLOTRING_SPIN_LIMIT times, then announces itself in the waiting word
 * and sleeps on the counter. Only the sleeper clears its waiting word: a waker that
 * cleared it could erase the announcement of a later sleep and leave it asleep for good.
 */
static uint32_t await_change(unsigned char *base, size_t counter_off, size_t waiting_off, uint32_t old,
                             int futex)
{
    uint32_t *counter = word_at(base, counter_off);
    for (int spins = 0;; spins++) {
        uint32_t now = __atomic_load_n(counter, __ATOMIC_ACQUIRE);
        if (now != old)
            return now;
        if (!futex || spins < SLOTRING_SPIN_LIMIT) {
            cpu_relax();
            continue;
        }
        uint32_t *waiting = word_at(base, waiting_off);
        __atomic_store_n(waiting, 1, __ATOMIC_SEQ_CST);
        now = __atomic_load_n(counter, __ATOMIC_SEQ_CST);
        if (now == old)
            syscall(SYS_futex, counter, FUTEX_WAIT, old, NULL, NULL, 0);
        __atomic_store_n(waiting, 0, __ATOMIC_RELAXED);
        spins = 0;
    }
}

static void publish(unsigned char *base, size_t counter_off, size_t waiting_off, uint32_t value, int futex)
{
    uint32_t *counter = word_at(base, counter_off);
    if (!futex) {
        __atomic_store_n(counter, value, __ATOMIC_RELEASE);
        return;
    }
    /* Store, then look for a sleeper: sequentially consistent, so one of the two sides
     * sees the other's write (the sleeper re-reads the counter after announcing). */
    __atomic_store_n(counter, value, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(word_at(base, waiting_off), __ATOMIC_SEQ_CST))
        syscall(SYS_futex, counter, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static int ring_send(struct link *l, const void *buf, size_t n)
{
    struct ring_end *r = &l->out;
    uint32_t t = r->pos;
    while (t - r->seen >= SLOTRING_SLOT_COUNT)
        r->seen = await_change(r->base, SLOTRING_HEAD_OFFSET, SLOTRING_PRODUCER_WAITING_OFFSET, r->seen, l->futex);
    unsigned char *slot = r->base + SLOTRING_SLOTS_OFFSET + (size_t)(t % SLOTRING_SLOT_COUNT) * SLOTRING_SLOT_STRIDE;
    *(uint32_t *)slot = (uint32_t)n;
    memcpy(slot + SLOTRING_SLOT_HEADER_LENGTH, buf, n);
    r->pos = t + 1;
    publish(r->base, SLOTRING_TAIL_OFFSET, SLOTRING_CONSUMER_WAITING_OFFSET, r->pos, l->futex);
    return 0;
}

static int ring_recv(struct link *l, void *buf, size_t n)
{
    struct ring_end *r = &l->in;
    uint32_t h = r->pos;
    if (r->seen == h)
        r->seen = await_change(r->base, SLOTRING_TAIL_OFFSET, SLOTRING_CONSUMER_WAITING_OFFSET, h, l->futex);
    unsigned char *slot = r->base + SLOTRING_SLOTS_OFFSET + (size_t)(h % SLOTRING_SLOT_COUNT) * SLOTRING_SLOT_STRIDE;
    if (*(uint32_t *)slot != n) {
        errno = EMSGSIZE;
        return -1;
    }
    memcpy(buf, slot + SLOTRING_SLOT_HEADER_LENGTH, n);
    r->pos = h + 1;
    publish(r->base, SLOTRING_HEAD_OFFSET, SLOTRING_PRODUCER_WAITING_OFFSET, r->pos, l->futex);
    return 0;
}

/*
 * jipc's ring, as JipcRingTransport uses it: a send is one offer (claim, copy in,
 * commit), a receive one poll whose handler copies the message out. Busy-spin variants
 * loop on the non-blocking calls; the sleeping one passes no timeout and lets the ring
 * spin, yield and sleep as it does in Java.
 */
struct copy_out {
    void *buf;
    int64_t length;
};

static void copy_handler(void *context, int32_t type, const void *message, uint32_t length)
{
    struct copy_out *c = context;
    (void)type;
    if (length <= MAX_SIZE)
        memcpy(c->buf, message, length);
    c->length = length;
}

static int jring_send(struct link *l, const void *buf, size_t n)
{
    int r;
    if (l->jsleep)
        r = jipc_ring_offer(&l->jout, 0, buf, (uint32_t)n, -1);
    else
        while ((r = jipc_ring_offer(&l->jout, 0, buf, (uint32_t)n, 0)) == -EAGAIN)
            cpu_relax();
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return 0;
}

static int jring_recv(struct link *l, void *buf, size_t n)
{
    struct copy_out c = {.buf = buf, .length = -1};
    int r;
    if (l->jsleep)
        r = jipc_ring_read(&l->jin, copy_handler, &c, 1, -1);
    else
        while ((r = jipc_ring_poll(&l->jin, copy_handler, &c, 1)) == 0)
            cpu_relax();
    if (r < 0) {
        errno = -r;
        return -1;
    }
    if (c.length != (int64_t)n) {
        errno = EMSGSIZE;
        return -1;
    }
    return 0;
}

/* ---- transports: set up before fork, then each side takes its end ---------------- */

struct channel {
    const char *transport;
    int a[2], b[2];     /* pipes: driver->peer, peer->driver; or mq descriptors */
    int listen_fd;
    char path[108];
    unsigned char *rings;
    int futex;
    int32_t jkind; /* jipc rings: JIPC_RING_KIND_SPSC or _MPSC, 0 for other transports */
    int jsleep;
    int jnap;      /* jipc-ring-futex: the handles' waits sleep at once (spins = yields = 0) */
};

static void setup(struct channel *c)
{
    const char *t = c->transport;
    c->listen_fd = -1;
    if (!strcmp(t, "pipe")) {
        if (pipe2(c->a, O_CLOEXEC) || pipe2(c->b, O_CLOEXEC))
            die("pipe2");
    } else if (!strcmp(t, "mq")) {
        struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = MAX_SIZE};
        char name[64];
        for (int i = 0; i < 2; i++) {
            snprintf(name, sizeof name, "/jipc-cbench-%d-%d", (int)getpid(), i);
            int q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
            if (q < 0)
                die("mq_open");
            /* The descriptors outlive the name: nothing is left behind, whatever happens. */
            mq_unlink(name);
            (i == 0 ? c->a : c->b)[0] = q;
        }
    } else if (!strcmp(t, "uds")) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(c->path, sizeof c->path, "/tmp/jipc-cbench-%d.sock", (int)getpid());
        strcpy(sa.sun_path, c->path);
        unlink(c->path);
        c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *)&sa, sizeof sa) || listen(c->listen_fd, 1))
            die("uds listen");
    } else if (!strcmp(t, "tcp")) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int one = 1;
        c->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->listen_fd < 0 || setsockopt(c->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
            || bind(c->listen_fd, (struct sockaddr *)&sa, sizeof sa) || listen(c->listen_fd, 1))
            die("tcp listen");
    } else if (!strcmp(t, "shm-spin") || !strcmp(t, "futex")) {
        c->futex = !strcmp(t, "futex");
        c->rings = mmap(NULL, 2 * (size_t)SLOTRING_RING_LENGTH, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                        -1, 0);
        if (c->rings == MAP_FAILED)
            die("mmap");
    } else if (!strcmp(t, "jipc-ring-spin") || !strcmp(t, "jipc-ring-sleep") || !strcmp(t, "jipc-ring-futex")
               || !strcmp(t, "jipc-mpsc-spin")) {
        c->jkind = !strcmp(t, "jipc-mpsc-spin") ? JIPC_RING_KIND_MPSC : JIPC_RING_KIND_SPSC;
        c->jsleep = !strcmp(t, "jipc-ring-sleep") || !strcmp(t, "jipc-ring-futex");
        c->jnap = !strcmp(t, "jipc-ring-futex");
        c->rings = mmap(NULL, 2 * JRING_REGION, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (c->rings == MAP_FAILED)
            die("mmap");
        /* Created before the fork; each side then attaches, so its handle carries its own pid. */
        for (int i = 0; i < 2; i++) {
            struct jipc_ring r;
            int e = jipc_ring_create(&r, c->rings + i * JRING_REGION, JRING_REGION, JRING_CAPACITY, c->jkind);
            if (e) {
                errno = -e;
                die("jipc_ring_create");
            }
        }
    } else {
        fail("unknown transport (pipe, mq, uds, tcp, futex, shm-spin, jipc-ring-spin, jipc-ring-sleep, "
             "jipc-ring-futex, jipc-mpsc-spin)");
    }
}

static void nodelay(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one))
        die("TCP_NODELAY");
}

/* Connects this side's end; driver = 1 in the parent, 0 in the child. */
static void attach(struct channel *c, struct link *l, int driver)
{
    const char *t = c->transport;
    memset(l, 0, sizeof *l);
    l->send = stream_send;
    l->recv = stream_recv;
    if (!strcmp(t, "pipe")) {
        l->wfd = driver ? c->a[1] : c->b[1];
        l->rfd = driver ? c->b[0] : c->a[0];
        close(driver ? c->a[0] : c->a[1]);
        close(driver ? c->b[1] : c->b[0]);
    } else if (!strcmp(t, "mq")) {
        l->send = mq_send_msg;
        l->recv = mq_recv_msg;
        l->wfd = driver ? c->a[0] : c->b[0];
        l->rfd = driver ? c->b[0] : c->a[0];
    } else if (!strcmp(t, "uds") || !strcmp(t, "tcp")) {
        int fd;
        if (driver) {
            fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0)
                die("accept");
            if (c->path[0])
                unlink(c->path);
        } else {
            struct sockaddr_storage sa;
            socklen_t len = sizeof sa;
            if (getsockname(c->listen_fd, (struct sockaddr *)&sa, &len))
                die("getsockname");
            fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len))
                die("connect");
        }
        close(c->listen_fd);
        if (!strcmp(t, "tcp"))
            nodelay(fd);
        l->rfd = l->wfd = fd;
    } else if (c->jkind) {
        unsigned char *mine = c->rings + (driver ? 0 : JRING_REGION), *theirs = c->rings + (driver ? JRING_REGION : 0);
        int e = jipc_ring_attach(&l->jout, mine, JRING_REGION, c->jkind, 1000000000LL);
        if (!e)
            e = jipc_ring_attach(&l->jin, theirs, JRING_REGION, c->jkind, 1000000000LL);
        if (e) {
            errno = -e;
            die("jipc_ring_attach");
        }
        l->send = jring_send;
        l->recv = jring_recv;
        l->jsleep = c->jsleep;
        if (c->jnap) {
            /* WaitStrategy.spinThenSleep(0, 0), as the Java side's rings. */
            l->jout.spins = l->jout.yields = l->jin.spins = l->jin.yields = 0;
        }
    } else {
        l->send = ring_send;
        l->recv = ring_recv;
        l->futex = c->futex;
        l->out.base = c->rings + (driver ? 0 : SLOTRING_RING_LENGTH);
        l->in.base = c->rings + (driver ? SLOTRING_RING_LENGTH : 0);
    }
}

/* ---- the plan and its results ----------------------------------------------------- */

enum { METRIC_RTT = 0, METRIC_TPUT = 1, METRIC_IDLE = 2 };

struct step {
    int metric; /* METRIC_RTT, METRIC_TPUT or METRIC_IDLE */
    size_t size;
};

struct options {
    const char *transport;
    struct step plan[MAX_PLAN + 1]; /* rtt and tput at up to MAX_PLAN / 2 sizes, one idle step */
    int steps;
    long warmup_count, count;
    long warmup_ms, ms;
    const char *pin;
    int round;
    FILE *out;
};

/* What the peer leaves for the driver after each step, in shared memory. */
struct peer_report {
    uint64_t user_us, sys_us;
    uint64_t thread_us; /* the serving thread alone: the process, here (one thread) */
    uint64_t count;
    uint64_t checksum;
    uint64_t sequence_errors;
};

static void fill(uint64_t *w, size_t size)
{
    for (size_t i = 1; i < size / 8; i++)
        w[i] = PATTERN(i);
}

static uint64_t pattern_sum(size_t size)
{
    uint64_t s = 0;
    for (size_t i = 1; i < size / 8; i++)
        s += PATTERN(i);
    return s;
}

static uint64_t sum_words(const uint64_t *w, size_t size)
{
    uint64_t s = 0;
    for (size_t i = 0; i < size / 8; i++)
        s += w[i];
    return s;
}

static void xsend(struct link *l, const void *buf, size_t n)
{
    if (l->send(l, buf, n))
        die("send");
}

static void xrecv(struct link *l, void *buf, size_t n)
{
    if (l->recv(l, buf, n))
        die("receive");
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p of the samples at or below it. */
static uint64_t percentile(const uint64_t *sorted, size_t n, double p)
{
    size_t rank = (size_t)(p * (double)n + 0.999999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static void print_head(const struct options *o, const char *metric, size_t size, uint64_t count, uint64_t wall_ns)
{
    fprintf(o->out, "{\"impl\":\"c\",\"transport\":\"%s\",\"metric\":\"%s\",\"size\":%zu,\"pin\":\"%s\","
                    "\"round\":%d,\"count\":%llu,\"wall_ms\":%.3f",
            o->transport, metric, size, o->pin, o->round, (unsigned long long)count, (double)wall_ns / 1e6);
}

static void print_cpu(const struct options *o, uint64_t u0, uint64_t s0, uint64_t u1, uint64_t s1,
                      const struct peer_report *peer)
{
    fprintf(o->out, ",\"cpu_user_ms\":%.3f,\"cpu_sys_ms\":%.3f,\"peer_cpu_user_ms\":%.3f,\"peer_cpu_sys_ms\":%.3f}\n",
            (double)(u1 - u0) / 1e3, (double)(s1 - s0) / 1e3, (double)peer->user_us / 1e3,
            (double)peer->sys_us / 1e3);
    fflush(o->out);
}

/* Warm-up and SYNC, shared by both metrics. rtt: each message is echoed. */
/* Plan.TPUT_COUNT_FACTOR: a tput step may send this many times the counts, so that a fast
 * one-way stream runs for its time limits instead of a few milliseconds. */
#define TPUT_COUNT_FACTOR 32

static long step_count(long count, int echoed)
{
    if (echoed)
        return count;
    return count > LONG_MAX / TPUT_COUNT_FACTOR ? LONG_MAX : count * TPUT_COUNT_FACTOR;
}

static void warm_up(struct link *l, uint64_t *msg, size_t size, const struct options *o, int echoed)
{
    uint64_t deadline = now_ns() + (uint64_t)o->warmup_ms * 1000000u;
    const long most = step_count(o->warmup_count, echoed);
    for (long i = 0; i < most; i++) {
        msg[0] = WORD0(PHASE_WARMUP, i);
        xsend(l, msg, size);
        if (echoed)
            xrecv(l, msg, size);
        if ((i & 63) == 63 && now_ns() > deadline)
            break;
    }
    msg[0] = WORD0(PHASE_SYNC, 0);
    xsend(l, msg, size);
    xrecv(l, msg, size);
    if (msg[0] != WORD0(PHASE_SYNC, 0))
        fail("warm-up: the peer's SYNC answer is wrong");
}

static void drive_rtt(struct link *l, size_t size, const struct options *o, volatile struct peer_report *peer,
                      uint64_t *lat)
{
    uint64_t msg[MAX_SIZE / 8] __attribute__((aligned(64)));
    fill(msg, size);
    warm_up(l, msg, size, o, 1);
    uint64_t u0, s0, u1, s1;
    cpu_us(&u0, &s0);
    uint64_t start = now_ns(), deadline = start + (uint64_t)o->ms * 1000000u, t1 = start;
    size_t n = 0;
    while (n < (size_t)o->count && t1 < deadline) {
        uint64_t w = WORD0(PHASE_MEASURE, n);
        msg[0] = w;
        uint64_t t0 = now_ns();
        xsend(l, msg, size);
        xrecv(l, msg, size);
        t1 = now_ns();
        if (msg[0] != w)
            fail("rtt: the echo carries the wrong sequence number");
        lat[n++] = t1 - t0;
    }
    uint64_t wall = t1 - start;
    cpu_us(&u1, &s1);
    msg[0] = WORD0(PHASE_END, n);
    xsend(l, msg, size);
    xrecv(l, msg, size);
    qsort(lat, n, sizeof *lat, cmp_u64);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += lat[i];
    struct peer_report p = *peer;
    print_head(o, "rtt", size, n, wall);
    fprintf(o->out, ",\"mean_ns\":%.1f,\"p50_ns\":%llu,\"p90_ns\":%llu,\"p99_ns\":%llu,\"p999_ns\":%llu,\"max_ns\":%llu",
            n ? (double)sum / (double)n : 0.0, (unsigned long long)percentile(lat, n, 0.50),
            (unsigned long long)percentile(lat, n, 0.90), (unsigned long long)percentile(lat, n, 0.99),
            (unsigned long long)percentile(lat, n, 0.999), (unsigned long long)(n ? lat[n - 1] : 0));
    print_cpu(o, u0, s0, u1, s1, &p);
}

static void drive_tput(struct link *l, size_t size, const struct options *o, volatile struct peer_report *peer)
{
    uint64_t msg[MAX_SIZE / 8] __attribute__((aligned(64)));
    fill(msg, size);
    warm_up(l, msg, size, o, 0);
    uint64_t rest = pattern_sum(size), expected = 0;
    uint64_t u0, s0, u1, s1;
    cpu_us(&u0, &s0);
    uint64_t start = now_ns(), deadline = start + (uint64_t)o->ms * 1000000u;
    const size_t most = (size_t)step_count(o->count, 0);
    size_t n = 0;
    while (n < most) {
        uint64_t w = WORD0(PHASE_MEASURE, n);
        msg[0] = w;
        xsend(l, msg, size);
        expected += w + rest;
        n++;
        if ((n & 63) == 0 && now_ns() > deadline)
            break;
    }
    msg[0] = WORD0(PHASE_END, n);
    xsend(l, msg, size);
    xrecv(l, msg, size);
    uint64_t wall = now_ns() - start;
    cpu_us(&u1, &s1);
    struct peer_report p = *peer;
    if (msg[0] != expected || p.count != n || p.sequence_errors)
        fail("tput: the peer's checksum, count or sequence does not match what was sent");
    double secs = (double)wall / 1e9;
    print_head(o, "tput", size, n, wall);
    fprintf(o->out, ",\"msgs_per_s\":%.1f,\"gb_per_s\":%.4f,\"checksum\":\"ok\"", (double)n / secs,
            (double)n * (double)size / secs / 1e9);
    print_cpu(o, u0, s0, u1, s1, &p);
}

/* SYNC, IDLE_MS of nothing while the peer waits in a receive, END: what waiting costs. */
static void drive_idle(struct link *l, size_t size, const struct options *o, volatile struct peer_report *peer)
{
    uint64_t msg[MAX_SIZE / 8] __attribute__((aligned(64)));
    fill(msg, size);
    msg[0] = WORD0(PHASE_SYNC, 0);
    xsend(l, msg, size);
    xrecv(l, msg, size);
    if (msg[0] != WORD0(PHASE_SYNC, 0))
        fail("idle: the peer's SYNC answer is wrong");
    uint64_t u0, s0, u1, s1;
    cpu_us(&u0, &s0);
    uint64_t start = now_ns(), end = start + (uint64_t)IDLE_MS(o->ms) * 1000000u;
    for (uint64_t t = start; t < end; t = now_ns()) {
        struct timespec ts = {.tv_sec = (time_t)((end - t) / 1000000000u), .tv_nsec = (long)((end - t) % 1000000000u)};
        nanosleep(&ts, NULL);
    }
    msg[0] = WORD0(PHASE_END, 0);
    xsend(l, msg, size);
    xrecv(l, msg, size);
    uint64_t wall = now_ns() - start;
    cpu_us(&u1, &s1);
    struct peer_report p = *peer;
    print_head(o, "idle", size, 0, wall);
    fprintf(o->out, ",\"peer_thread_cpu_ms\":%.3f", (double)p.thread_us / 1e3);
    print_cpu(o, u0, s0, u1, s1, &p);
}

/* The peer: follows the phases of each step; echoes (rtt) or checks and sums (tput). */
static void serve(struct link *l, const struct options *o, volatile struct peer_report *report)
{
    uint64_t msg[MAX_SIZE / 8] __attribute__((aligned(64)));
    for (int s = 0; s < o->steps; s++) {
        size_t size = o->plan[s].size;
        int tput = o->plan[s].metric == METRIC_TPUT;
        uint64_t u0 = 0, s0 = 0, t0 = 0, u1, s1, sum = 0, count = 0, errors = 0;
        for (;;) {
            xrecv(l, msg, size);
            uint64_t w = msg[0];
            int phase = PHASE_OF(w);
            /* Warm-up and measured messages get the same work (as in the Java peer, where
             * that lets the warm-up compile what the measurement runs); SYNC resets. */
            if (phase == PHASE_WARMUP || phase == PHASE_MEASURE) {
                if (tput) {
                    if (SEQ_OF(w) != count)
                        errors++;
                    sum += sum_words(msg, size);
                } else {
                    xsend(l, msg, size);
                }
                count++;
            } else if (phase == PHASE_SYNC) {
                cpu_us(&u0, &s0);
                t0 = thread_cpu_us();
                sum = count = errors = 0;
                xsend(l, msg, size);
            } else {
                report->thread_us = thread_cpu_us() - t0;
                cpu_us(&u1, &s1);
                report->user_us = u1 - u0;
                report->sys_us = s1 - s0;
                report->count = count;
                report->checksum = sum;
                report->sequence_errors = errors;
                __atomic_thread_fence(__ATOMIC_SEQ_CST);
                if (tput)
                    msg[0] = sum;
                xsend(l, msg, size);
                break;
            }
        }
    }
}

/* ---- pinning ------------------------------------------------------------------------ */

static void pick_cpus(const char *pin, int *driver_cpu, int *peer_cpu)
{
    cpu_set_t set;
    int cpus[2], n = 0;
    *driver_cpu = *peer_cpu = -1;
    if (!strcmp(pin, "none"))
        return;
    if (sched_getaffinity(0, sizeof set, &set))
        die("sched_getaffinity");
    for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
        if (CPU_ISSET(i, &set))
            cpus[n++] = i;
    if (!strcmp(pin, "same")) {
        *driver_cpu = *peer_cpu = cpus[0];
    } else if (!strcmp(pin, "different")) {
        if (n < 2)
            fail("--pin different needs two CPUs");
        *driver_cpu = cpus[0];
        *peer_cpu = cpus[1];
    } else {
        fail("--pin is same, different or none");
    }
}

static void pin_to(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set))
        die("sched_setaffinity");
}

/* ---- main ------------------------------------------------------------------------- */

static int parse_list(const char *s, long *values, int max)
{
    int n = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
        values[n++] = strtol(tok, NULL, 10);
    free(copy);
    return n;
}

static void print_layout(FILE *out)
{
    fprintf(out, "{\"TAIL_OFFSET\":%d,\"HEAD_OFFSET\":%d,\"CONSUMER_WAITING_OFFSET\":%d,\"PRODUCER_WAITING_OFFSET\":%d,"
           "\"SLOTS_OFFSET\":%d,\"SLOT_HEADER_LENGTH\":%d,\"MAX_PAYLOAD\":%d,\"SLOT_STRIDE\":%d,\"SLOT_COUNT\":%d,"
           "\"RING_LENGTH\":%d,\"SPIN_LIMIT\":%d,\"PATTERN_1\":\"%llx\",\"compiler\":\"gcc %s\"}\n",
           SLOTRING_TAIL_OFFSET, SLOTRING_HEAD_OFFSET, SLOTRING_CONSUMER_WAITING_OFFSET,
           SLOTRING_PRODUCER_WAITING_OFFSET, SLOTRING_SLOTS_OFFSET, SLOTRING_SLOT_HEADER_LENGTH,
           SLOTRING_MAX_PAYLOAD, SLOTRING_SLOT_STRIDE, SLOTRING_SLOT_COUNT, SLOTRING_RING_LENGTH,
           SLOTRING_SPIN_LIMIT, (unsigned long long)PATTERN(1), __VERSION__);
}

int main(int argc, char **argv)
{
    struct options o = {.warmup_count = 50000, .count = 200000, .warmup_ms = 500, .ms = 1000, .pin = "different",
                        .round = 1, .out = stdout};
    long sizes[MAX_PLAN] = {8, 64, 1024, 4096};
    int nsizes = 4, rtt = 1, tput = 1, idle = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--layout")) {
            FILE *out = v ? fopen(v, "w") : stdout;
            if (!out)
                die(v);
            print_layout(out);
            return fclose(out) ? 1 : 0;
        }
        if (!v)
            fail("every option takes a value (see the comment at the top of cbench.c)");
        i++;
        if (!strcmp(a, "--transport"))
            o.transport = v;
        else if (!strcmp(a, "--metrics")) {
            rtt = strstr(v, "rtt") != NULL;
            tput = strstr(v, "tput") != NULL;
            idle = strstr(v, "idle") != NULL;
        } else if (!strcmp(a, "--sizes"))
            nsizes = parse_list(v, sizes, MAX_PLAN / 2);
        else if (!strcmp(a, "--warmup-count"))
            o.warmup_count = atol(v);
        else if (!strcmp(a, "--warmup-ms"))
            o.warmup_ms = atol(v);
        else if (!strcmp(a, "--count"))
            o.count = atol(v);
        else if (!strcmp(a, "--ms"))
            o.ms = atol(v);
        else if (!strcmp(a, "--pin"))
            o.pin = v;
        else if (!strcmp(a, "--round"))
            o.round = atoi(v);
        else if (!strcmp(a, "--out")) {
            o.out = fopen(v, "a");
            if (!o.out)
                die(v);
        } else
            fail("unknown option");
    }
    if (!o.transport)
        fail("--transport is required");
    for (int s = 0; s < nsizes; s++)
        if (sizes[s] < 8 || sizes[s] > MAX_SIZE || sizes[s] % 8)
            fail("sizes are multiples of 8 from 8 to 4096");
    if (nsizes < 1)
        fail("--sizes needs at least one size");
    for (int m = METRIC_RTT; m <= METRIC_TPUT; m++) {
        if ((m == METRIC_RTT && !rtt) || (m == METRIC_TPUT && !tput))
            continue;
        for (int s = 0; s < nsizes; s++)
            o.plan[o.steps++] = (struct step){.metric = m, .size = (size_t)sizes[s]};
    }
    /* One idle step, at the first size, after the others (Plan.steps). */
    if (idle)
        o.plan[o.steps++] = (struct step){.metric = METRIC_IDLE, .size = (size_t)sizes[0]};
    if (o.count < 1 || o.warmup_count < 0)
        fail("--count must be positive");

    /* A runaway twin must not outlive its run: the harness spawns this with a budget. */
    alarm((unsigned)(o.steps * (o.warmup_ms + o.ms) / 1000 + 120));

    int driver_cpu, peer_cpu;
    pick_cpus(o.pin, &driver_cpu, &peer_cpu);
    struct channel c = {.transport = o.transport};
    setup(&c);
    volatile struct peer_report *report =
        mmap(NULL, sizeof(struct peer_report), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (report == MAP_FAILED)
        die("mmap");
    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)o.count);
    if (!lat)
        die("malloc");
    fflush(NULL);
    pid_t child = fork();
    if (child < 0)
        die("fork");
    struct link l;
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        pin_to(peer_cpu);
        attach(&c, &l, 0);
        serve(&l, &o, report);
        _exit(0);
    }
    pin_to(driver_cpu);
    attach(&c, &l, 1);
    for (int s = 0; s < o.steps; s++) {
        if (o.plan[s].metric == METRIC_TPUT)
            drive_tput(&l, o.plan[s].size, &o, report);
        else if (o.plan[s].metric == METRIC_IDLE)
            drive_idle(&l, o.plan[s].size, &o, report);
        else
            drive_rtt(&l, o.plan[s].size, &o, report, lat);
    }
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("the peer process failed");
    return 0;
}
