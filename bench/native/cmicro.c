/*
 * cmicro: what the calls of the JMH CallCost benchmark cost when C makes them.
 * Each call runs 10,000,000 times between two clock_gettime(CLOCK_MONOTONIC) reads, three
 * times; the median of the three is printed as one JSON line per call:
 *   {"impl":"c","bench":"kill","iterations":10000000,"ns_per_call":...}
 * The calls go through a volatile function pointer so the compiler cannot drop or merge them.
 * It also runs the jipc sequences of the JMH RingCost benchmark through native/jipc_ring.c
 * (compiled in): claim + write 8 bytes + commit + poll, offer + poll, and offer + poll
 * copying the message out, one thread, one SPSC ring of 64 KiB in anonymous memory, as
 * "jipcClaimCommitPoll-SIZE", "jipcOfferPoll-SIZE" and "jipcOfferPollCopy-SIZE".
 * Usage: cmicro [FILE]   (appends to FILE instead of printing)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "jipc_ring.h"

#define ITERATIONS 10000000L
#define REPEATS 3

static pid_t self;
static int fd;
static FILE *out;

static long call_kill(void) { return kill(self, 0); }
static long call_getpid(void) { return syscall(SYS_getpid); }
static long call_fcntl(void) { return fcntl(fd, F_GETFD); }
static long call_labs(void) { return labs(-(long)self); }

/* ---- the ring sequences of RingCost ---- */
#define RING_CAPACITY (1u << 16) /* RingCost.CAPACITY */
static struct jipc_ring ring;
static uint32_t ring_size;
static uint64_t ring_message[4096 / 8] __attribute__((aligned(64)));
static uint64_t ring_sequence;
static long ring_sink;

static void read_first_word(void *context, int32_t type, const void *message, uint32_t length)
{
    (void)context;
    (void)type;
    (void)length;
    uint64_t w;
    memcpy(&w, message, sizeof w);
    ring_sink += (long)w;
}

static uint64_t ring_copy[4096 / 8] __attribute__((aligned(64)));

static void copy_out(void *context, int32_t type, const void *message, uint32_t length)
{
    (void)context;
    (void)type;
    memcpy(ring_copy, message, length);
    ring_sink += (long)length;
}

static void ring_failed(const char *what, int r)
{
    fprintf(stderr, "cmicro: %s: %s\n", what, strerror(-r));
    exit(1);
}

/* The poll loops past the padding before a wrapped message, as RingCost's does. */
static long ring_poll_one(jipc_ring_handler handler)
{
    int r;
    while ((r = jipc_ring_poll(&ring, handler, NULL, 1)) == 0)
        ;
    if (r < 0)
        ring_failed("jipc_ring_poll", r);
    return ring_sink;
}

static long ring_claim_commit_poll(void)
{
    struct jipc_ring_claim claim;
    int r = jipc_ring_claim(&ring, ring_size, &claim, 0);
    if (r)
        ring_failed("jipc_ring_claim", r);
    uint64_t w = ++ring_sequence;
    memcpy(claim.message, &w, sizeof w);
    r = jipc_ring_commit(&ring, &claim, 0);
    if (r)
        ring_failed("jipc_ring_commit", r);
    return ring_poll_one(read_first_word);
}

static long ring_offer_poll(void)
{
    int r = jipc_ring_offer(&ring, 0, ring_message, ring_size, 0);
    if (r)
        ring_failed("jipc_ring_offer", r);
    return ring_poll_one(read_first_word);
}

static long ring_offer_poll_copy(void)
{
    int r = jipc_ring_offer(&ring, 0, ring_message, ring_size, 0);
    if (r)
        ring_failed("jipc_ring_offer", r);
    return ring_poll_one(copy_out);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void measure(const char *name, long (*volatile fn)(void))
{
    double runs[REPEATS];
    long sink = 0;
    for (int r = 0; r < REPEATS; r++) {
        double t0 = now_ns();
        for (long i = 0; i < ITERATIONS; i++)
            sink += fn();
        runs[r] = (now_ns() - t0) / (double)ITERATIONS;
    }
    qsort(runs, REPEATS, sizeof runs[0], cmp);
    fprintf(out, "{\"impl\":\"c\",\"bench\":\"%s\",\"iterations\":%ld,\"ns_per_call\":%.2f,\"sink\":%ld}\n", name,
           ITERATIONS, runs[REPEATS / 2], sink & 1);
    fflush(out);
}

int main(int argc, char **argv)
{
    out = argc > 1 ? fopen(argv[1], "a") : stdout;
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    self = getpid();
    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror("cmicro: /dev/null");
        return 1;
    }
    measure("kill", call_kill);
    measure("getpid", call_getpid);
    measure("fcntl", call_fcntl);
    measure("labs", call_labs);
    close(fd);

    size_t region = JIPC_RING_HEADER_LENGTH + RING_CAPACITY;
    void *memory = mmap(NULL, region, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        perror("cmicro: mmap");
        return 1;
    }
    int r = jipc_ring_create(&ring, memory, region, RING_CAPACITY, JIPC_RING_KIND_SPSC);
    if (r)
        ring_failed("jipc_ring_create", r);
    for (size_t i = 0; i < sizeof ring_message / 8; i++)
        ring_message[i] = UINT64_C(0x9E3779B97F4A7C15) * (8 * i + 1);
    static const uint32_t sizes[] = {8, 64, 1024, 4096};
    char name[64];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        ring_size = sizes[i];
        snprintf(name, sizeof name, "jipcClaimCommitPoll-%u", ring_size);
        measure(name, ring_claim_commit_poll);
        snprintf(name, sizeof name, "jipcOfferPoll-%u", ring_size);
        measure(name, ring_offer_poll);
        snprintf(name, sizeof name, "jipcOfferPollCopy-%u", ring_size);
        measure(name, ring_offer_poll_copy);
    }
    munmap(memory, region);
    return 0;
}
