/*
 * ring_peer.c - a C process on the other side of a Java ring; built by `make ring_peer`.
 *
 *   ring_peer layout
 *       prints every layout constant of jipc_ring.h as NAME VALUE, for the Java test that
 *       compares them with io.jipc.ring.RingDescriptor and RecordDescriptor
 *   ring_peer produce <shm> <offset> <spsc|mpsc> <id> <count> <min> <max> [create <capacity>]
 *           [dawdle <ns>]
 *       sends count test messages of producer id (sizes min..max), blocking when full;
 *       count "forever" sends until killed (the kill tests' victim); dawdle spins ns
 *       nanoseconds half-way through writing each claimed message, so that a kill at a
 *       random moment lands mid-claim more often
 *   ring_peer consume <shm> <offset> <spsc|mpsc> <producers> <count> <min> <max> [create <capacity>]
 *       receives count messages from each of producers 0..producers-1 and checks each:
 *       exactly once, in order per producer, size and every byte as generated
 *   ring_peer pong <shm> <in-offset> <out-offset> <count> <spin|sleep>
 *       echoes count messages from the SPSC ring at in-offset to the one at out-offset
 *   ring_peer ping <shm> <out-offset> <in-offset> <count> <size> <spin|sleep>
 *       sends count messages through a pong and prints round-trip times
 *   ring_peer create <shm> <offset> <spsc|mpsc> <capacity>
 *       creates a ring and exits (the kill test of a creator killed mid-initialisation)
 *   ring_peer hold <shm> <offset> <lock|padding|header|claim> <length> <flag-offset>
 *       test only: stops for good (until killed) at one step of an MPSC reservation of a
 *       length-byte message, then stores its pid (32 bits) at flag-offset of the shared
 *       memory for the test to see. It does by hand the steps of jipc_ring.c's reserve:
 *       lock    - holding the reservation lock, nothing written
 *       padding - holding it, the padding header to the end of the data area written
 *                 (the ring must be arranged so that the record wraps)
 *       header  - holding it, the claimed header(s) written, the tail not yet moved
 *       claim   - after a whole jipc_ring_claim: tail moved, lock free, record claimed
 *   ring_peer source <shm> <offset> <count> <size> [spsc|mpsc]
 *   ring_peer sink <shm> <offset> <count>
 *       one-way throughput over an SPSC ring; the sink prints messages per second
 *   ring_peer poll <shm> <offset> <spsc|mpsc>
 *       one jipc_ring_poll and one jipc_ring_offer of 8 bytes (timeout 0); prints
 *       "poll=R offer=R" with each result as a number or an errno name (the corruption tests)
 *
 * produce and consume print "ok count=N checksum=X" (X: the sum over messages of FNV-1a
 * over type, length and bytes, order-independent across producers) and exit 0, or print
 * what went wrong on stderr and exit 1. The message generator is the same as the Java
 * test's (io.jipc.ring.TestMessages).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jipc_ring.h"

#define ATTACH_TIMEOUT_NS 20000000000LL
#define MAX_PRODUCERS 64

/* ---- the test messages (TestMessages.java) ---- */

static uint32_t message_size(uint64_t seq, uint32_t min, uint32_t max)
{
    if (seq % 16 == 0)
        return max;
    if (seq % 16 == 1)
        return min;
    uint64_t z = (seq + 1) * 0x9E3779B97F4A7C15ULL;
    z ^= z >> 29;
    return min + (uint32_t)(z % ((uint64_t)max - min + 1));
}

static uint8_t message_byte(int32_t id, uint64_t seq, uint32_t k)
{
    if (k < 8)
        return (uint8_t)(seq >> (8 * k));
    return (uint8_t)(seq * 31 + (uint64_t)k * 7 + (uint64_t)(int64_t)id * 13);
}

static uint64_t fnv_bytes(uint64_t h, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}

static uint64_t message_hash(int32_t type, const uint8_t *p, uint32_t length)
{
    uint8_t head[8];
    for (int i = 0; i < 4; i++) {
        head[i] = (uint8_t)((uint32_t)type >> (8 * i));
        head[4 + i] = (uint8_t)(length >> (8 * i));
    }
    return fnv_bytes(fnv_bytes(0xCBF29CE484222325ULL, head, 8), p, length);
}

/* ---- plumbing ---- */

static void *map_shm(const char *name, uint64_t *size)
{
    int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "shm_open(%s): %s\n", name, strerror(errno));
        exit(1);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "fstat(%s): %s\n", name, strerror(errno));
        exit(1);
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        fprintf(stderr, "mmap(%s): %s\n", name, strerror(errno));
        exit(1);
    }
    *size = (uint64_t)st.st_size;
    return p;
}

static int32_t parse_kind(const char *s)
{
    if (strcmp(s, "spsc") == 0)
        return JIPC_RING_KIND_SPSC;
    if (strcmp(s, "mpsc") == 0)
        return JIPC_RING_KIND_MPSC;
    fprintf(stderr, "kind must be spsc or mpsc, not %s\n", s);
    exit(2);
}

/* Opens the ring at offset: creates it if argv holds "create <capacity>", else attaches. */
static void open_ring(struct jipc_ring *ring, const char *shm, uint64_t offset, int32_t kind, int argc,
                      char **argv, int create_at)
{
    uint64_t size;
    unsigned char *base = map_shm(shm, &size);
    if (offset >= size) {
        fprintf(stderr, "offset %" PRIu64 " is beyond the %" PRIu64 " bytes of %s\n", offset, size, shm);
        exit(1);
    }
    int r;
    if (argc > create_at + 1 && strcmp(argv[create_at], "create") == 0)
        r = jipc_ring_create(ring, base + offset, size - offset, (uint32_t)strtoul(argv[create_at + 1], NULL, 10),
                             kind);
    else
        r = jipc_ring_attach(ring, base + offset, size - offset, kind, ATTACH_TIMEOUT_NS);
    if (r != 0) {
        fprintf(stderr, "opening the ring in %s at %" PRIu64 ": %s\n", shm, offset, strerror(-r));
        exit(1);
    }
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- layout ---- */

#define PRINT(name) printf("%s %lld\n", #name, (long long)(name))

static int layout(void)
{
    PRINT(JIPC_RING_CACHE_LINE_LENGTH);
    PRINT(JIPC_RING_REGION_LENGTH);
    PRINT(JIPC_RING_MAGIC);
    PRINT(JIPC_RING_LAYOUT_VERSION);
    PRINT(JIPC_RING_KIND_SPSC);
    PRINT(JIPC_RING_KIND_MPSC);
    PRINT(JIPC_RING_STATE_UNINITIALISED);
    PRINT(JIPC_RING_STATE_INITIALISING);
    PRINT(JIPC_RING_STATE_READY);
    PRINT(JIPC_RING_MIN_CAPACITY);
    PRINT(JIPC_RING_MAX_CAPACITY);
    PRINT(JIPC_RING_MAX_MESSAGE_DIVISOR);
    PRINT(JIPC_RING_MAX_SPACE_BLOCK);
    PRINT(JIPC_RING_SPACE_BLOCK_DIVISOR);
    PRINT(JIPC_RING_MAGIC_OFFSET);
    PRINT(JIPC_RING_LAYOUT_VERSION_OFFSET);
    PRINT(JIPC_RING_RING_KIND_OFFSET);
    PRINT(JIPC_RING_CAPACITY_OFFSET);
    PRINT(JIPC_RING_INIT_STATE_OFFSET);
    PRINT(JIPC_RING_CREATOR_PID_OFFSET);
    PRINT(JIPC_RING_CREATOR_START_TIME_OFFSET);
    PRINT(JIPC_RING_PRODUCER_POSITION_OFFSET);
    PRINT(JIPC_RING_RESERVATION_LOCK_OFFSET);
    PRINT(JIPC_RING_CONSUMER_POSITION_OFFSET);
    PRINT(JIPC_RING_CONSUMER_SLEEPERS_OFFSET);
    PRINT(JIPC_RING_DATA_SEQUENCE_OFFSET);
    PRINT(JIPC_RING_PRODUCER_SLEEPERS_OFFSET);
    PRINT(JIPC_RING_SPACE_SEQUENCE_OFFSET);
    PRINT(JIPC_RING_DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET);
    PRINT(JIPC_RING_HEADER_LENGTH);
    PRINT(JIPC_RECORD_HEADER_LENGTH);
    PRINT(JIPC_RECORD_ALIGNMENT);
    PRINT(JIPC_RECORD_LENGTH_OFFSET);
    PRINT(JIPC_RECORD_TYPE_OFFSET);
    PRINT(JIPC_RECORD_PADDING_TYPE);
    PRINT(JIPC_RECORD_CLAIM_STAMP_BITS);
    PRINT(JIPC_RECORD_CLAIM_PID_BITS);
    PRINT(JIPC_RECORD_CLAIM_LENGTH_BITS);
    return 0;
}

/* ---- produce / consume ---- */

static int produce(int argc, char **argv)
{
    struct jipc_ring ring;
    open_ring(&ring, argv[2], strtoull(argv[3], NULL, 10), parse_kind(argv[4]), argc, argv, 9);
    int32_t id = (int32_t)atoi(argv[5]);
    uint64_t count = strcmp(argv[6], "forever") == 0 ? UINT64_MAX : strtoull(argv[6], NULL, 10);
    uint32_t min = (uint32_t)strtoul(argv[7], NULL, 10), max = (uint32_t)strtoul(argv[8], NULL, 10);
    int64_t dawdle_ns = 0;
    for (int i = 9; i + 1 < argc; i++)
        if (strcmp(argv[i], "dawdle") == 0)
            dawdle_ns = strtoll(argv[i + 1], NULL, 10);
    uint64_t checksum = 0;
    for (uint64_t seq = 0; seq < count; seq++) {
        struct jipc_ring_claim claim;
        uint32_t size = message_size(seq, min, max);
        int r = jipc_ring_claim(&ring, size, &claim, -1);
        if (r != 0) {
            fprintf(stderr, "claim of %u bytes: %s\n", size, strerror(-r));
            return 1;
        }
        uint8_t *p = claim.message;
        for (uint32_t k = 0; k < size; k++) {
            if (k == size / 2 && dawdle_ns > 0)
                for (int64_t t0 = now_ns(); now_ns() - t0 < dawdle_ns;)
                    ;
            p[k] = message_byte(id, seq, k);
        }
        checksum += message_hash(id, p, size);
        r = jipc_ring_commit(&ring, &claim, id);
        if (r != 0) {
            fprintf(stderr, "commit: %s\n", strerror(-r));
            return 1;
        }
    }
    printf("ok count=%" PRIu64 " checksum=%016" PRIx64 "\n", count, checksum);
    return 0;
}

struct verifier {
    int32_t producers;
    uint32_t min, max;
    uint64_t next[MAX_PRODUCERS];
    uint64_t received;
    uint64_t checksum;
    int failed;
};

static void verify(void *context, int32_t type, const void *message, uint32_t length)
{
    struct verifier *v = context;
    const uint8_t *p = message;
    v->received++;
    if (v->failed)
        return;
    if (type < 0 || type >= v->producers) {
        fprintf(stderr, "message %" PRIu64 ": type %d is no producer\n", v->received, type);
        v->failed = 1;
        return;
    }
    uint64_t seq = v->next[type]++;
    uint32_t size = message_size(seq, v->min, v->max);
    if (length != size) {
        fprintf(stderr, "producer %d message %" PRIu64 ": %u bytes, expected %u\n", type, seq, length, size);
        v->failed = 1;
        return;
    }
    for (uint32_t k = 0; k < length; k++) {
        if (p[k] != message_byte(type, seq, k)) {
            fprintf(stderr, "producer %d message %" PRIu64 ": byte %u is %u, expected %u\n", type, seq, k, p[k],
                    message_byte(type, seq, k));
            v->failed = 1;
            return;
        }
    }
    v->checksum += message_hash(type, p, length);
}

static int consume(int argc, char **argv)
{
    struct jipc_ring ring;
    open_ring(&ring, argv[2], strtoull(argv[3], NULL, 10), parse_kind(argv[4]), argc, argv, 9);
    struct verifier v = { 0 };
    v.producers = (int32_t)atoi(argv[5]);
    uint64_t count = strtoull(argv[6], NULL, 10);
    v.min = (uint32_t)strtoul(argv[7], NULL, 10);
    v.max = (uint32_t)strtoul(argv[8], NULL, 10);
    if (v.producers <= 0 || v.producers > MAX_PRODUCERS) {
        fprintf(stderr, "producers must be 1..%d\n", MAX_PRODUCERS);
        return 2;
    }
    uint64_t total = count * (uint64_t)v.producers;
    while (v.received < total && !v.failed) {
        int n = jipc_ring_read(&ring, verify, &v, 256, -1);
        if (n < 0) {
            fprintf(stderr, "read: %s\n", strerror(-n));
            return 1;
        }
    }
    if (v.failed)
        return 1;
    printf("ok count=%" PRIu64 " checksum=%016" PRIx64 "\n", v.received, v.checksum);
    return 0;
}

/* ---- crash tests ---- */

static int create(int argc, char **argv)
{
    struct jipc_ring ring;
    (void)argc;
    uint64_t size;
    uint64_t offset = strtoull(argv[3], NULL, 10);
    unsigned char *base = map_shm(argv[2], &size);
    int r = offset < size ? jipc_ring_create(&ring, base + offset, size - offset,
                                             (uint32_t)strtoul(argv[5], NULL, 10), parse_kind(argv[4]))
                          : -EINVAL;
    if (r != 0) {
        fprintf(stderr, "jipc_ring_create: %s\n", strerror(-r));
        return 1;
    }
    return 0;
}

static _Atomic uint64_t *ring_u64(struct jipc_ring *ring, uint32_t offset)
{
    return (_Atomic uint64_t *)(ring->base + offset);
}

static uint64_t record_word(int32_t length, int32_t type)
{
    return ((uint64_t)(uint32_t)type << 32) | (uint32_t)length;
}

/* Takes the reservation lock and writes the headers of a reservation by hand, up to stage. */
static void reserve_by_hand(struct jipc_ring *ring, const char *stage, uint32_t length)
{
    _Atomic uint64_t *lock = ring_u64(ring, JIPC_RING_RESERVATION_LOCK_OFFSET);
    uint64_t me = ((uint64_t)jipc_process_start_time(ring->pid) << 32) | (uint32_t)ring->pid;
    uint32_t record = JIPC_RECORD_HEADER_LENGTH + length;
    uint32_t required = (record + JIPC_RECORD_ALIGNMENT - 1) & ~(uint32_t)(JIPC_RECORD_ALIGNMENT - 1);
    uint32_t mask = ring->capacity - 1;
    for (;;) {
        uint64_t free_word = 0;
        if (atomic_compare_exchange_strong(lock, &free_word, me)) {
            if (strcmp(stage, "lock") == 0)
                return;
            uint64_t tail = atomic_load(ring_u64(ring, JIPC_RING_PRODUCER_POSITION_OFFSET));
            uint64_t head = atomic_load(ring_u64(ring, JIPC_RING_CONSUMER_POSITION_OFFSET));
            uint32_t index = (uint32_t)tail & mask, to_end = ring->capacity - index;
            uint32_t padding = required > to_end ? to_end : 0;
            int fits = tail - head + padding + required <= ring->capacity
                       && (padding == 0 || required <= ((uint32_t)head & mask));
            if (fits && (padding != 0 || strcmp(stage, "padding") != 0)) {
                if (padding != 0) {
                    atomic_store(ring_u64(ring, JIPC_RING_HEADER_LENGTH + index),
                                 record_word((int32_t)padding, JIPC_RECORD_PADDING_TYPE));
                    index = 0;
                }
                if (strcmp(stage, "header") == 0)
                    atomic_store(ring_u64(ring, JIPC_RING_HEADER_LENGTH + index),
                                 jipc_record_claim_word(record, ring->pid, ring->start_time));
                return;
            }
            atomic_store(lock, 0);
        }
        struct timespec pause_ts = { 0, 100000 };
        nanosleep(&pause_ts, NULL);
    }
}

static int hold(int argc, char **argv)
{
    struct jipc_ring ring;
    (void)argc;
    uint64_t size;
    uint64_t flag_offset = strtoull(argv[6], NULL, 10);
    unsigned char *base = map_shm(argv[2], &size);
    if (flag_offset % 4 != 0 || flag_offset + 4 > size) {
        fprintf(stderr, "flag offset %" PRIu64 " is not an aligned int of %s\n", flag_offset, argv[2]);
        return 2;
    }
    open_ring(&ring, argv[2], strtoull(argv[3], NULL, 10), JIPC_RING_KIND_MPSC, 0, argv, 0);
    const char *stage = argv[4];
    uint32_t length = (uint32_t)strtoul(argv[5], NULL, 10);
    if (strcmp(stage, "claim") == 0) {
        struct jipc_ring_claim claim;
        int r = jipc_ring_claim(&ring, length, &claim, -1);
        if (r != 0) {
            fprintf(stderr, "claim: %s\n", strerror(-r));
            return 1;
        }
    } else if (strcmp(stage, "lock") == 0 || strcmp(stage, "padding") == 0 || strcmp(stage, "header") == 0) {
        reserve_by_hand(&ring, stage, length);
    } else {
        fprintf(stderr, "stage must be lock, padding, header or claim, not %s\n", stage);
        return 2;
    }
    atomic_store((_Atomic int32_t *)(base + flag_offset), ring.pid);
    for (;;)
        pause();
}

/* ---- ping-pong and throughput ---- */

struct echo {
    struct jipc_ring *out;
    int spin;
};

static void echo_one(void *context, int32_t type, const void *message, uint32_t length)
{
    struct echo *e = context;
    if (e->spin) {
        while (jipc_ring_offer(e->out, type, message, length, 0) == -EAGAIN)
            ;
    } else {
        jipc_ring_offer(e->out, type, message, length, -1);
    }
}

static int receive_one(struct jipc_ring *ring, jipc_ring_handler handler, void *context, int spin)
{
    if (!spin)
        return jipc_ring_read(ring, handler, context, 1, -1);
    int n;
    while ((n = jipc_ring_poll(ring, handler, context, 1)) == 0)
        ;
    return n;
}

static int pong(int argc, char **argv)
{
    struct jipc_ring in, out;
    (void)argc;
    open_ring(&in, argv[2], strtoull(argv[3], NULL, 10), JIPC_RING_KIND_SPSC, 0, argv, 0);
    open_ring(&out, argv[2], strtoull(argv[4], NULL, 10), JIPC_RING_KIND_SPSC, 0, argv, 0);
    uint64_t count = strtoull(argv[5], NULL, 10);
    struct echo e = { &out, strcmp(argv[6], "spin") == 0 };
    for (uint64_t i = 0; i < count; i++)
        if (receive_one(&in, echo_one, &e, e.spin) < 0)
            return 1;
    return 0;
}

static void ignore(void *context, int32_t type, const void *message, uint32_t length)
{
    (void)context, (void)type, (void)message, (void)length;
}

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int ping(int argc, char **argv)
{
    struct jipc_ring out, in;
    (void)argc;
    open_ring(&out, argv[2], strtoull(argv[3], NULL, 10), JIPC_RING_KIND_SPSC, 0, argv, 0);
    open_ring(&in, argv[2], strtoull(argv[4], NULL, 10), JIPC_RING_KIND_SPSC, 0, argv, 0);
    uint64_t count = strtoull(argv[5], NULL, 10);
    uint32_t size = (uint32_t)strtoul(argv[6], NULL, 10);
    int spin = strcmp(argv[7], "spin") == 0;
    uint8_t message[4096] = { 0 };
    int64_t *rtt = calloc(count, sizeof *rtt);
    for (uint64_t i = 0; i < count; i++) {
        int64_t t0 = now_ns();
        if (jipc_ring_offer(&out, 1, message, size, -1) != 0 || receive_one(&in, ignore, NULL, spin) < 0)
            return 1;
        rtt[i] = now_ns() - t0;
    }
    /* The second half only: the first warms caches and the other side. */
    uint64_t half = count / 2;
    qsort(rtt + half, count - half, sizeof *rtt, compare_int64);
    int64_t sum = 0;
    for (uint64_t i = half; i < count; i++)
        sum += rtt[i];
    uint64_t n = count - half;
    printf("rtt_ns mean=%" PRId64 " p50=%" PRId64 " p99=%" PRId64 " n=%" PRIu64 "\n", sum / (int64_t)n,
           rtt[half + n / 2], rtt[half + n * 99 / 100], n);
    free(rtt);
    return 0;
}

static int source(int argc, char **argv)
{
    struct jipc_ring ring;
    int32_t kind = argc > 6 ? parse_kind(argv[6]) : JIPC_RING_KIND_SPSC;
    open_ring(&ring, argv[2], strtoull(argv[3], NULL, 10), kind, 0, argv, 0);
    uint64_t count = strtoull(argv[4], NULL, 10);
    uint32_t size = (uint32_t)strtoul(argv[5], NULL, 10);
    uint8_t message[4096] = { 0 };
    for (uint64_t i = 0; i < count; i++) {
        memcpy(message, &i, sizeof i);
        if (jipc_ring_offer(&ring, 1, message, size, -1) != 0)
            return 1;
    }
    return 0;
}

static int sink(int argc, char **argv)
{
    struct jipc_ring ring;
    (void)argc;
    open_ring(&ring, argv[2], strtoull(argv[3], NULL, 10), JIPC_RING_KIND_SPSC, 0, argv, 0);
    uint64_t count = strtoull(argv[4], NULL, 10), received = 0;
    int64_t start = 0;
    while (received < count) {
        int n = jipc_ring_read(&ring, ignore, NULL, 1 << 20, -1);
        if (n < 0)
            return 1;
        if (received == 0)
            start = now_ns();
        received += (uint64_t)n;
    }
    double seconds = (double)(now_ns() - start) / 1e9;
    printf("msgs_per_s=%.0f count=%" PRIu64 "\n", (double)(count - 1) / seconds, count);
    return 0;
}

static const char *result_name(int r, char *buf, size_t size)
{
    if (r == -EUCLEAN)
        return "EUCLEAN";
    if (r == -EAGAIN)
        return "EAGAIN";
    snprintf(buf, size, "%d", r);
    return buf;
}

static int poll_once(int argc, char **argv)
{
    struct jipc_ring ring;
    (void)argc;
    open_ring(&ring, argv[2], strtoull(argv[3], NULL, 10), parse_kind(argv[4]), 0, argv, 0);
    char a[16], b[16];
    uint8_t message[8] = { 0 };
    int polled = jipc_ring_poll(&ring, ignore, NULL, 100);
    int offered = jipc_ring_offer(&ring, 1, message, sizeof message, 0);
    printf("poll=%s offer=%s\n", result_name(polled, a, sizeof a), result_name(offered, b, sizeof b));
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int args;
        int (*run)(int, char **);
    } commands[] = {
        { "produce", 9, produce }, { "consume", 9, consume }, { "pong", 7, pong },
        { "ping", 8, ping },       { "source", 6, source },   { "sink", 5, sink },
        { "create", 6, create },   { "hold", 7, hold },       { "poll", 5, poll_once },
    };
    if (argc == 2 && strcmp(argv[1], "layout") == 0)
        return layout();
    for (size_t i = 0; argc >= 2 && i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0 && argc >= commands[i].args)
            return commands[i].run(argc, argv);
    fprintf(stderr, "usage: see the comment at the top of ring_peer.c\n");
    return 2;
}
