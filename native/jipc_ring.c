/*
 * jipc_ring.c - the ring protocol of io.jipc.ring in C (see jipc_ring.h).
 *
 * Each function follows the Java method named in its comment, step for step and with
 * the same memory orders, because the two run against each other on the same bytes.
 * The layout, the init protocol, the claim states and the wake-up protocol are explained
 * once, in io.jipc.ring.RingDescriptor and RecordDescriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "jipc_ring.h"

#define SPIN_LIMIT 1000                  /* WaitStrategy.DEFAULT_SPINS */
#define YIELD_LIMIT 100                  /* WaitStrategy.DEFAULT_YIELDS */
#define IDLE_SLICE_NS 100000000LL        /* Wait.MAX_SLEEP_NANOS */
#define STALL_NS 100000000LL             /* RingConsumer.STALL_NANOS */
#define BUSY_NAP_NS 1000000LL            /* RingProducer.BUSY_NAP_NANOS */
#define LOCK_SPIN_LIMIT 128              /* ReservationLock.LOCK_SPIN_LIMIT */
#define RESERVATION_BUSY (-EBUSY)        /* RingProducer.RESERVATION_BUSY */

#define ORDER_RELAXED memory_order_relaxed
#define ORDER_ACQUIRE memory_order_acquire
#define ORDER_RELEASE memory_order_release
#define ORDER_VOLATILE memory_order_seq_cst

static _Atomic uint64_t *u64_at(const struct jipc_ring *ring, uint32_t offset)
{
    return (_Atomic uint64_t *)(ring->base + offset);
}

static _Atomic int32_t *i32_at(const struct jipc_ring *ring, uint32_t offset)
{
    return (_Atomic int32_t *)(ring->base + offset);
}

static _Atomic uint32_t *u32_at(const struct jipc_ring *ring, uint32_t offset)
{
    return (_Atomic uint32_t *)(ring->base + offset);
}

/* The header word of the record at data index. */
static _Atomic uint64_t *record_at(const struct jipc_ring *ring, uint32_t index)
{
    return u64_at(ring, JIPC_RING_HEADER_LENGTH + index);
}

static uint64_t header_word(int32_t length, int32_t type)
{
    return ((uint64_t)(uint32_t)type << 32) | (uint32_t)length;
}

/* RingDescriptor.reserverWord */
static uint64_t reserver_word(int32_t pid, int64_t start_time)
{
    return ((uint64_t)start_time << 32) | (uint32_t)pid;
}

static int32_t length_of(uint64_t word)
{
    return (int32_t)(uint32_t)word;
}

static int32_t type_of(uint64_t word)
{
    return (int32_t)(uint32_t)(word >> 32);
}

static uint32_t aligned_length(uint32_t length)
{
    return (length + JIPC_RECORD_ALIGNMENT - 1) & ~(uint32_t)(JIPC_RECORD_ALIGNMENT - 1);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* One poll's pause: spin first, then give the core away. */
static void back_off(const struct jipc_ring *ring, int64_t i)
{
    if (i >= ring->spins)
        sched_yield();
    else
        cpu_pause();
}

/* A shared (not FUTEX_PRIVATE_FLAG) futex: the other side is another process. */
static void futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t ns)
{
    struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };
    /* EAGAIN, EINTR and ETIMEDOUT all mean "look again", which every caller does. */
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, &ts, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/*
 * The C twin's one wait loop (io.jipc.internal.Wait in Java, with the handle's spins and
 * yields, WaitStrategy.spinThenSleep()'s limits unless the caller changed them): attempt until
 * it returns something other than WAIT_AGAIN, spinning, yielding, then sleeping in slices of
 * at most IDLE_SLICE_NS.
 * timeout_ns < 0 waits for ever. Returns the attempt's result, or WAIT_AGAIN when time is up.
 */
#define WAIT_AGAIN INT64_MIN

static int64_t wait_until(struct jipc_ring *ring, int64_t (*attempt)(struct jipc_ring *, void *),
                          void (*sleep)(struct jipc_ring *, void *, int64_t), void *context, int64_t timeout_ns)
{
    int64_t start = now_ns();
    for (int64_t i = 0;; i++) {
        int64_t r = attempt(ring, context);
        if (r != WAIT_AGAIN)
            return r;
        int64_t left = timeout_ns < 0 ? IDLE_SLICE_NS : timeout_ns - (now_ns() - start);
        if (left <= 0)
            return WAIT_AGAIN;
        if (i < (int64_t)ring->spins + ring->yields)
            back_off(ring, i);
        else
            sleep(ring, context, left < IDLE_SLICE_NS ? left : IDLE_SLICE_NS);
    }
}

/* ---- the asymmetric fence (SleeperFence) ---- */

/* 1 once this process receives the barriers of sleepers (membarrier registration), -1 if it
 * cannot, 0 before the first create or attach. */
static _Atomic int fence_registered;

static void fence_register(void)
{
    if (atomic_load_explicit(&fence_registered, ORDER_RELAXED) == 0) {
        long r = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0);
        atomic_store_explicit(&fence_registered, r == 0 ? 1 : -1, ORDER_RELAXED);
    }
}

/* SleeperFence.afterPublish: between a release store that publishes and the read of the
 * other side's sleepers. A registered process needs only the compiler kept from swapping
 * the two (a sleeper's membarrier drains the store buffer); otherwise a full fence. */
static inline void fence_after_publish(void)
{
    if (atomic_load_explicit(&fence_registered, ORDER_RELAXED) > 0)
        atomic_signal_fence(memory_order_seq_cst);
    else
        atomic_thread_fence(memory_order_seq_cst);
}

/* SleeperFence.beforeSleep: 1 if every registered thread has run a full barrier. */
static int fence_before_sleep(void)
{
    return syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0;
}

#define UNFENCED_NAP_NS 1000000LL        /* SleeperFence.UNFENCED_NAP_NANOS */

/* ---- processes (ProcessIdentity) ---- */

/* Field 3 (state) and field 22 (start time) of /proc/PID/stat; 0 or -1. */
static int read_stat(int32_t pid, char *state, int64_t *start_time)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* The command name (field 2) is in parentheses and may hold spaces and ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ' || p[2] == '\0')
        return -1;
    p += 2;
    *state = *p;
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return -1;
        p++;
    }
    *start_time = strtoll(p, NULL, 10);
    return 0;
}

int64_t jipc_process_start_time(int32_t pid)
{
    char state;
    int64_t start_time;
    return read_stat(pid, &state, &start_time) == 0 ? start_time : 0;
}

int jipc_process_alive(int32_t pid, int64_t start_time)
{
    char state;
    int64_t actual;
    if (pid <= 0)
        return 0;
    if (kill(pid, 0) == -1 && errno == ESRCH)
        return 0;
    if (read_stat(pid, &state, &actual) != 0)
        return 1; /* hidden from us, or gone this instant: kill said it exists */
    if (state == 'Z' || state == 'X')
        return 0;
    return start_time == 0 || actual == 0 || actual == start_time;
}

/* ---- creation (RingHeader.initialise / verify) ---- */

static void init_handle(struct jipc_ring *ring, unsigned char *base, uint32_t capacity, int32_t kind)
{
    ring->base = base;
    ring->capacity = capacity;
    ring->max_message_length = capacity / JIPC_RING_MAX_MESSAGE_DIVISOR;
    ring->kind = kind;
    ring->pid = (int32_t)getpid();
    ring->start_time = jipc_process_start_time(ring->pid);
    ring->reserver = 0;
    ring->head_cache = 0;
    ring->stall_position = UINT64_MAX;
    ring->stall_word = 0;
    ring->stall_since_ns = 0;
    ring->spins = SPIN_LIMIT;
    ring->yields = YIELD_LIMIT;
}

static int capacity_ok(uint32_t capacity)
{
    return capacity >= JIPC_RING_MIN_CAPACITY && capacity <= JIPC_RING_MAX_CAPACITY
           && (capacity & (capacity - 1)) == 0;
}

int jipc_ring_create(struct jipc_ring *ring, void *region, uint64_t region_length, uint32_t capacity,
                     int32_t kind)
{
    if (ring == NULL || region == NULL || (uintptr_t)region % JIPC_RECORD_ALIGNMENT != 0
        || (kind != JIPC_RING_KIND_SPSC && kind != JIPC_RING_KIND_MPSC) || !capacity_ok(capacity)
        || region_length < (uint64_t)JIPC_RING_HEADER_LENGTH + capacity)
        return -EINVAL;
    unsigned char *b = region;
    fence_register();
    init_handle(ring, b, capacity, kind);
    _Atomic int32_t *state = i32_at(ring, JIPC_RING_INIT_STATE_OFFSET);

    atomic_store_explicit(state, JIPC_RING_STATE_UNINITIALISED, ORDER_VOLATILE);
    memset(b, 0, JIPC_RING_INIT_STATE_OFFSET);
    memset(b + JIPC_RING_INIT_STATE_OFFSET + 4, 0, JIPC_RING_REGION_LENGTH - JIPC_RING_INIT_STATE_OFFSET - 4);
    atomic_store_explicit(i32_at(ring, JIPC_RING_CREATOR_PID_OFFSET), ring->pid, ORDER_RELAXED);
    atomic_store_explicit(u64_at(ring, JIPC_RING_CREATOR_START_TIME_OFFSET),
                          (uint64_t)jipc_process_start_time(ring->pid), ORDER_RELAXED);
    atomic_store_explicit(u64_at(ring, JIPC_RING_MAGIC_OFFSET), JIPC_RING_MAGIC, ORDER_RELAXED);
    atomic_store_explicit(i32_at(ring, JIPC_RING_LAYOUT_VERSION_OFFSET), JIPC_RING_LAYOUT_VERSION, ORDER_RELAXED);
    atomic_store_explicit(state, JIPC_RING_STATE_INITIALISING, ORDER_RELEASE);

    memset(b + JIPC_RING_REGION_LENGTH, 0, JIPC_RING_HEADER_LENGTH - JIPC_RING_REGION_LENGTH + (size_t)capacity);
    atomic_store_explicit(i32_at(ring, JIPC_RING_RING_KIND_OFFSET), kind, ORDER_RELAXED);
    atomic_store_explicit(i32_at(ring, JIPC_RING_CAPACITY_OFFSET), (int32_t)capacity, ORDER_RELAXED);
    atomic_store_explicit(state, JIPC_RING_STATE_READY, ORDER_RELEASE);
    if (kind == JIPC_RING_KIND_MPSC)
        ring->reserver = reserver_word(ring->pid, jipc_process_start_time(ring->pid));
    return 0;
}

int jipc_ring_attach(struct jipc_ring *ring, void *region, uint64_t region_length, int32_t kind,
                     int64_t timeout_ns)
{
    if (ring == NULL || region == NULL || (uintptr_t)region % JIPC_RECORD_ALIGNMENT != 0
        || region_length < JIPC_RING_HEADER_LENGTH)
        return -EINVAL;
    struct jipc_ring probe;
    fence_register();
    init_handle(&probe, region, 0, kind);
    int64_t deadline = now_ns() + (timeout_ns < 0 ? INT64_MAX / 2 : timeout_ns);
    for (;;) {
        int32_t state = atomic_load_explicit(i32_at(&probe, JIPC_RING_INIT_STATE_OFFSET), ORDER_ACQUIRE);
        if (state != JIPC_RING_STATE_UNINITIALISED) {
            if (atomic_load_explicit(u64_at(&probe, JIPC_RING_MAGIC_OFFSET), ORDER_RELAXED) != JIPC_RING_MAGIC
                || atomic_load_explicit(i32_at(&probe, JIPC_RING_LAYOUT_VERSION_OFFSET), ORDER_RELAXED)
                       != JIPC_RING_LAYOUT_VERSION)
                return -EPROTO;
        }
        if (state == JIPC_RING_STATE_READY) {
            int32_t actual_kind = atomic_load_explicit(i32_at(&probe, JIPC_RING_RING_KIND_OFFSET), ORDER_RELAXED);
            uint32_t capacity =
                (uint32_t)atomic_load_explicit(i32_at(&probe, JIPC_RING_CAPACITY_OFFSET), ORDER_RELAXED);
            if (actual_kind != kind || !capacity_ok(capacity)
                || region_length < (uint64_t)JIPC_RING_HEADER_LENGTH + capacity)
                return -EPROTO;
            init_handle(ring, region, capacity, kind);
            if (kind == JIPC_RING_KIND_MPSC)
                ring->reserver = reserver_word(ring->pid, jipc_process_start_time(ring->pid));
            ring->head_cache = jipc_ring_released_position(jipc_ring_consumer_position(ring), capacity);
            return 0;
        }
        if (state == JIPC_RING_STATE_INITIALISING) {
            int32_t pid = atomic_load_explicit(i32_at(&probe, JIPC_RING_CREATOR_PID_OFFSET), ORDER_RELAXED);
            int64_t start =
                (int64_t)atomic_load_explicit(u64_at(&probe, JIPC_RING_CREATOR_START_TIME_OFFSET), ORDER_RELAXED);
            /* Dead now, but it may have finished first (a creator may well exit once done). */
            if (!jipc_process_alive(pid, start)
                && atomic_load_explicit(i32_at(&probe, JIPC_RING_INIT_STATE_OFFSET), ORDER_ACQUIRE)
                       != JIPC_RING_STATE_READY)
                return -EOWNERDEAD;
        } else if (state != JIPC_RING_STATE_UNINITIALISED) {
            return -EPROTO;
        }
        if (now_ns() >= deadline)
            return state == JIPC_RING_STATE_UNINITIALISED ? -ENOENT : -ETIMEDOUT;
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
}

/* ---- producing (SpscRing.reserve, MpscRing.reserve, RingProducer.commit/abort) ---- */

#define MISALIGNED(position) (((position) & (JIPC_RECORD_ALIGNMENT - 1)) != 0)

/* RingProducer.refreshHead: the consumer position, or -EUCLEAN in *error if it cannot be one. */
static uint64_t refresh_head(struct jipc_ring *ring, uint64_t tail, int *error)
{
    uint64_t head = atomic_load_explicit(u64_at(ring, JIPC_RING_CONSUMER_POSITION_OFFSET), ORDER_VOLATILE);
    int64_t used = (int64_t)(tail - head);
    if (used > (int64_t)ring->capacity || used < -(int64_t)ring->capacity || MISALIGNED(head))
        *error = -EUCLEAN;
    ring->head_cache = jipc_ring_released_position(head, ring->capacity);
    return ring->head_cache;
}

/* Whether required bytes fit between tail and head (signed: a stale tail may trail head). */
static int fits(uint32_t required, uint32_t capacity, uint64_t tail, uint64_t head)
{
    return (int64_t)required <= (int64_t)capacity - (int64_t)(tail - head);
}

/* RingProducer.reserveAt: the caller alone may move the tail. The record's data index, or -EAGAIN. */
static int64_t reserve_at(struct jipc_ring *ring, uint64_t tail, uint32_t record_length)
{
    const uint32_t required = aligned_length(record_length);
    const uint32_t capacity = ring->capacity, mask = capacity - 1;
    uint64_t head = ring->head_cache;
    int error = 0;
    if (MISALIGNED(tail))
        return -EUCLEAN;
    if (!fits(required, capacity, tail, head) || (int64_t)(tail - head) < -(int64_t)capacity) {
        head = refresh_head(ring, tail, &error);
        if (error != 0)
            return error;
        if (!fits(required, capacity, tail, head))
            return -EAGAIN;
    }
    uint32_t index = (uint32_t)tail & mask, to_end = capacity - index, padding = 0;
    if (required > to_end) {
        /* The record goes at index 0 behind padding; room there ends at the released index. */
        if (required > ((uint32_t)head & mask)) {
            head = refresh_head(ring, tail, &error);
            if (error != 0)
                return error;
            if (required > ((uint32_t)head & mask))
                return -EAGAIN;
        }
        padding = to_end;
    }
    if (padding != 0) {
        atomic_store_explicit(record_at(ring, index), header_word((int32_t)padding, JIPC_RECORD_PADDING_TYPE),
                              ORDER_RELEASE);
        index = 0;
    }
    atomic_store_explicit(record_at(ring, index), jipc_record_claim_word(record_length, ring->pid, ring->start_time),
                          ORDER_RELEASE);
    atomic_store_explicit(u64_at(ring, JIPC_RING_PRODUCER_POSITION_OFFSET), tail + padding + required,
                          ORDER_RELEASE);
    return index;
}

/* ReservationLock.reserverAlive: the pid and the low 32 bits of the start time must both match. */
static int reserver_alive(uint64_t word)
{
    int32_t pid = (int32_t)(uint32_t)word;
    uint32_t start_time = (uint32_t)(word >> 32);
    char state;
    int64_t actual;
    if (pid <= 0)
        return 0;
    if (kill(pid, 0) == -1 && errno == ESRCH)
        return 0;
    if (read_stat(pid, &state, &actual) != 0)
        return 1; /* hidden from us, or gone this instant: kill said it exists */
    if (state == 'Z' || state == 'X')
        return 0;
    return start_time == 0 || actual == 0 || (uint32_t)actual == start_time;
}

/* ReservationLock.repairProducerPosition: under a lock taken over from a dead holder. */
static void repair_producer_position(struct jipc_ring *ring)
{
    const uint32_t capacity = ring->capacity, mask = capacity - 1;
    _Atomic uint64_t *tail_word = u64_at(ring, JIPC_RING_PRODUCER_POSITION_OFFSET);
    uint64_t head = atomic_load_explicit(u64_at(ring, JIPC_RING_CONSUMER_POSITION_OFFSET), ORDER_VOLATILE);
    uint64_t tail = atomic_load_explicit(tail_word, ORDER_VOLATILE);
    if ((int64_t)(head - tail) > 0)
        tail = head; /* the consumer took the padding the holder wrote beyond the position */
    while (!MISALIGNED(tail) && tail - head < capacity) {
        uint32_t index = (uint32_t)tail & mask;
        uint64_t word = atomic_load_explicit(record_at(ring, index), ORDER_VOLATILE);
        int32_t length = length_of(word);
        uint32_t size = length < 0 ? jipc_record_claim_length(word) : (uint32_t)length;
        if (word == 0 || size < JIPC_RECORD_HEADER_LENGTH || size > capacity - index)
            break; /* free space, or garbage the next claim writes over */
        tail += aligned_length(size);
    }
    atomic_store_explicit(tail_word, tail, ORDER_RELEASE);
}

/* ReservationLock.recover: 1 if the lock was taken over from a dead holder and freed. */
static int recover_reservation(struct jipc_ring *ring)
{
    _Atomic uint64_t *lock = u64_at(ring, JIPC_RING_RESERVATION_LOCK_OFFSET);
    uint64_t holder = atomic_load_explicit(lock, ORDER_VOLATILE);
    if (ring->kind != JIPC_RING_KIND_MPSC || holder == 0 || holder == ring->reserver || reserver_alive(holder)
        || !atomic_compare_exchange_strong_explicit(lock, &holder, ring->reserver, ORDER_VOLATILE, ORDER_VOLATILE))
        return 0;
    repair_producer_position(ring);
    atomic_store_explicit(lock, 0, ORDER_RELEASE);
    return 1;
}

/* RingProducer.reserve: under the reservation lock (MPSC), or RESERVATION_BUSY. */
static int64_t reserve(struct jipc_ring *ring, uint32_t record_length)
{
    _Atomic uint64_t *tail_word = u64_at(ring, JIPC_RING_PRODUCER_POSITION_OFFSET);
    if (ring->kind != JIPC_RING_KIND_MPSC)
        return reserve_at(ring, atomic_load_explicit(tail_word, ORDER_ACQUIRE), record_length);
    _Atomic uint64_t *lock = u64_at(ring, JIPC_RING_RESERVATION_LOCK_OFFSET);
    uint64_t free_word = 0;
    if (!atomic_compare_exchange_strong_explicit(lock, &free_word, ring->reserver, ORDER_VOLATILE,
                                                 ORDER_VOLATILE)) {
        /* Test and test-and-set, briefly: a holder keeps the lock for a few stores. */
        int i;
        for (i = 0; i < LOCK_SPIN_LIMIT; i++) {
            cpu_pause();
            free_word = 0;
            if (atomic_load_explicit(lock, ORDER_RELAXED) == 0
                && atomic_compare_exchange_strong_explicit(lock, &free_word, ring->reserver, ORDER_VOLATILE,
                                                           ORDER_VOLATILE))
                break;
        }
        if (i == LOCK_SPIN_LIMIT)
            return RESERVATION_BUSY;
    }
    /* The CAS read the last holder's release of the lock: its tail store is visible. */
    int64_t index = reserve_at(ring, atomic_load_explicit(tail_word, ORDER_RELAXED), record_length);
    atomic_store_explicit(lock, 0, ORDER_RELEASE);
    return index;
}

/* RingConsumer.publishDeadClaim: whether the tail is (now) past the dead claim at position. */
static int publish_dead_claim(struct jipc_ring *ring, uint64_t position, uint32_t aligned)
{
    _Atomic uint64_t *tail_word = u64_at(ring, JIPC_RING_PRODUCER_POSITION_OFFSET);
    uint64_t tail = atomic_load_explicit(tail_word, ORDER_VOLATILE);
    if (ring->kind == JIPC_RING_KIND_MPSC) {
        if ((int64_t)(tail - position) > 0)
            return 1;
        recover_reservation(ring);
        return (int64_t)(atomic_load_explicit(tail_word, ORDER_VOLATILE) - position) > 0;
    }
    while ((int64_t)(tail - position) <= 0)
        if (atomic_compare_exchange_strong_explicit(tail_word, &tail, position + aligned, ORDER_VOLATILE,
                                                    ORDER_VOLATILE))
            break;
    return 1;
}

/* One wait for room (RingProducer.SpaceWait). */
struct space_wait {
    uint32_t record_length;
    int busy;                 /* the last attempt found the reservation lock held */
    int64_t tries;
    uint64_t failed_head;     /* the consumer position read before the last failed attempt */
};

static int64_t space_attempt(struct jipc_ring *ring, void *context)
{
    struct space_wait *w = context;
    uint64_t head = atomic_load_explicit(u64_at(ring, JIPC_RING_CONSUMER_POSITION_OFFSET), ORDER_VOLATILE);
    int64_t index = reserve(ring, w->record_length);
    if (index == RESERVATION_BUSY && ++w->tries > SPIN_LIMIT && recover_reservation(ring))
        index = reserve(ring, w->record_length);
    if (index >= 0 || index == -EUCLEAN)
        return index;
    w->busy = index == RESERVATION_BUSY;
    w->failed_head = head;
    return WAIT_AGAIN;
}

static void space_sleep(struct jipc_ring *ring, void *context, int64_t max_ns)
{
    struct space_wait *w = context;
    _Atomic int32_t *sleepers = i32_at(ring, JIPC_RING_PRODUCER_SLEEPERS_OFFSET);
    _Atomic uint32_t *sequence = u32_at(ring, JIPC_RING_SPACE_SEQUENCE_OFFSET);
    atomic_fetch_add_explicit(sleepers, 1, ORDER_VOLATILE);
    int fenced = fence_before_sleep();
    uint32_t seen = atomic_load_explicit(sequence, ORDER_VOLATILE);
    /* Released positions: the consumer wakes producers only when its position enters a new block. */
    if (jipc_ring_released_position(atomic_load_explicit(u64_at(ring, JIPC_RING_CONSUMER_POSITION_OFFSET),
                                                         ORDER_VOLATILE), ring->capacity)
        == jipc_ring_released_position(w->failed_head, ring->capacity)) {
        int64_t nap = w->busy ? BUSY_NAP_NS : fenced ? max_ns : UNFENCED_NAP_NS;
        futex_wait(sequence, seen, nap < max_ns ? nap : max_ns);
    }
    atomic_fetch_sub_explicit(sleepers, 1, ORDER_VOLATILE);
}

static int64_t reserve_within(struct jipc_ring *ring, uint32_t record_length, int64_t timeout_ns)
{
    int64_t index = reserve(ring, record_length);
    if (index >= 0)
        return index;
    if (timeout_ns == 0) {
        /* Held past a spin: the holder may be dead, and then nobody else may come to recover. */
        if (index == RESERVATION_BUSY && recover_reservation(ring))
            index = reserve(ring, record_length);
        return index == RESERVATION_BUSY ? -EAGAIN : index;
    }
    struct space_wait w = { .record_length = record_length };
    int64_t r = wait_until(ring, space_attempt, space_sleep, &w, timeout_ns);
    return r == WAIT_AGAIN ? -ETIMEDOUT : r;
}

int jipc_ring_claim(struct jipc_ring *ring, uint32_t length, struct jipc_ring_claim *claim, int64_t timeout_ns)
{
    if (length > ring->max_message_length)
        return -EMSGSIZE;
    int64_t index = reserve_within(ring, JIPC_RECORD_HEADER_LENGTH + length, timeout_ns);
    if (index < 0)
        return (int)index;
    claim->index = (uint32_t)index;
    claim->length = length;
    claim->message = ring->base + JIPC_RING_HEADER_LENGTH + (uint32_t)index + JIPC_RECORD_HEADER_LENGTH;
    claim->pending = 1;
    return 0;
}

/* RingProducer.commit/abort: a release store over this process's own claim word; checked
 * (a caller's code ran while it held the claim) unless it comes from jipc_ring_offer. */
static int finish(struct jipc_ring *ring, struct jipc_ring_claim *claim, int32_t type, int checked)
{
    if (!claim->pending)
        return -EALREADY;
    claim->pending = 0;
    int32_t record_length = JIPC_RECORD_HEADER_LENGTH + (int32_t)claim->length;
    _Atomic uint64_t *header = record_at(ring, claim->index);
    if (checked && atomic_load_explicit(header, ORDER_RELAXED)
                       != jipc_record_claim_word((uint32_t)record_length, ring->pid, ring->start_time))
        return -EOWNERDEAD;
    atomic_store_explicit(header, header_word(record_length, type), ORDER_RELEASE);
    return 0;
}

/* RingProducer.commit and publish. */
static int commit(struct jipc_ring *ring, struct jipc_ring_claim *claim, int32_t type, int checked)
{
    if (type < 0)
        return -EINVAL;
    int r = finish(ring, claim, type, checked);
    if (r != 0)
        return r;
    fence_after_publish();
    if (atomic_load_explicit(i32_at(ring, JIPC_RING_CONSUMER_SLEEPERS_OFFSET), ORDER_RELAXED) != 0) {
        _Atomic uint32_t *sequence = u32_at(ring, JIPC_RING_DATA_SEQUENCE_OFFSET);
        atomic_fetch_add_explicit(sequence, 1, ORDER_VOLATILE);
        futex_wake(sequence);
    }
    return 0;
}

int jipc_ring_commit(struct jipc_ring *ring, struct jipc_ring_claim *claim, int32_t type)
{
    return commit(ring, claim, type, 1);
}

int jipc_ring_abort(struct jipc_ring *ring, struct jipc_ring_claim *claim)
{
    return finish(ring, claim, JIPC_RECORD_PADDING_TYPE, 1);
}

int jipc_ring_offer(struct jipc_ring *ring, int32_t type, const void *message, uint32_t length,
                    int64_t timeout_ns)
{
    struct jipc_ring_claim claim = {0}; /* gcc cannot see that a 0 return fills it */
    if (type < 0)
        return -EINVAL;
    int r = jipc_ring_claim(ring, length, &claim, timeout_ns);
    if (r != 0)
        return r;
    memcpy(claim.message, message, length);
    /* Unchecked, as RingProducer.offer: only the copy ran since the claim, in a live process. */
    return commit(ring, &claim, type, 0);
}

/* ---- consuming (RingConsumer.poll, release, reclaimIfDead, read, unblock) ---- */

static int pad_over(struct jipc_ring *ring, uint32_t index, uint64_t expected, uint32_t length)
{
    if (!atomic_compare_exchange_strong_explicit(record_at(ring, index), &expected,
                                                 header_word((int32_t)length, JIPC_RECORD_PADDING_TYPE),
                                                 ORDER_VOLATILE, ORDER_VOLATILE))
        return 0;
    atomic_fetch_add_explicit(u64_at(ring, JIPC_RING_DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET), 1, ORDER_VOLATILE);
    return 1;
}

/* RingConsumer.claimerAlive: the pid runs, and its start time has the claim's stamp (or cannot be read). */
static int claimer_alive(uint64_t word)
{
    int32_t pid = jipc_record_claim_pid(word);
    char state;
    int64_t actual;
    if (pid <= 0 || (kill(pid, 0) == -1 && errno == ESRCH))
        return 0;
    if (read_stat(pid, &state, &actual) != 0)
        return 1; /* hidden from us, or gone this instant: kill said it exists */
    if (state == 'Z' || state == 'X')
        return 0;
    return actual == 0 || jipc_record_stamp_of(actual) == jipc_record_claim_stamp(word);
}

/* RingConsumer.skipIfDead: 1 if padded over, 0 if not, -EUCLEAN for a corrupt claim. */
static int skip_if_dead(struct jipc_ring *ring, uint64_t head, uint32_t index, uint64_t word)
{
    uint32_t size = jipc_record_claim_length(word);
    if (length_of(word) >= 0 || size < JIPC_RECORD_HEADER_LENGTH || size > ring->capacity - index)
        return -EUCLEAN;
    return !claimer_alive(word) && publish_dead_claim(ring, head, aligned_length(size))
           && pad_over(ring, index, word, size);
}

/* RingConsumer.reclaimIfDead: as skip_if_dead, once the claim has stalled STALL_NS. */
static int reclaim_if_dead(struct jipc_ring *ring, uint64_t head, uint32_t index, uint64_t word)
{
    int64_t now = now_ns();
    if (head != ring->stall_position || word != ring->stall_word) {
        ring->stall_position = head;
        ring->stall_word = word;
        ring->stall_since_ns = now;
        return 0;
    }
    if (now - ring->stall_since_ns < STALL_NS)
        return 0;
    ring->stall_since_ns = now;
    return skip_if_dead(ring, head, index, word);
}

/* RingConsumer.release: zero, release-store the head, then the unfenced sleeper check. */
static void release(struct jipc_ring *ring, uint64_t head, uint32_t head_index, uint32_t bytes)
{
    memset(ring->base + JIPC_RING_HEADER_LENGTH + head_index, 0, bytes);
    atomic_store_explicit(u64_at(ring, JIPC_RING_CONSUMER_POSITION_OFFSET), head + bytes, ORDER_RELEASE);
    fence_after_publish();
    if (jipc_ring_released_position(head, ring->capacity) != jipc_ring_released_position(head + bytes, ring->capacity)
        && atomic_load_explicit(i32_at(ring, JIPC_RING_PRODUCER_SLEEPERS_OFFSET), ORDER_RELAXED) != 0) {
        _Atomic uint32_t *sequence = u32_at(ring, JIPC_RING_SPACE_SEQUENCE_OFFSET);
        atomic_fetch_add_explicit(sequence, 1, ORDER_VOLATILE);
        futex_wake(sequence);
    }
}

int jipc_ring_poll(struct jipc_ring *ring, jipc_ring_handler handler, void *context, int limit)
{
    if (handler == NULL || limit <= 0)
        return -EINVAL;
    uint64_t head = atomic_load_explicit(u64_at(ring, JIPC_RING_CONSUMER_POSITION_OFFSET), ORDER_RELAXED);
    if (MISALIGNED(head))
        return -EUCLEAN;
    uint32_t head_index = (uint32_t)head & (ring->capacity - 1);
    uint32_t block_length = ring->capacity - head_index;
    uint32_t bytes_read = 0;
    int count = 0, corrupt = 0;
    while (bytes_read < block_length && count < limit) {
        uint32_t index = head_index + bytes_read;
        uint64_t word = atomic_load_explicit(record_at(ring, index), ORDER_ACQUIRE);
        int32_t length = length_of(word);
        if (length <= 0) {
            int skipped = length < 0 && bytes_read == 0 ? reclaim_if_dead(ring, head, index, word) : 0;
            if (skipped > 0)
                continue;
            corrupt = skipped < 0;
            break;
        }
        int32_t type = type_of(word);
        /* Bounded before rounding up, as Java must (its ints would overflow). */
        if (length < JIPC_RECORD_HEADER_LENGTH || (uint32_t)length > block_length - bytes_read
            || (type < 0 && type != JIPC_RECORD_PADDING_TYPE)) {
            corrupt = 1;
            break;
        }
        bytes_read += aligned_length((uint32_t)length);
        if (type == JIPC_RECORD_PADDING_TYPE)
            continue;
        count++;
        handler(context, type, ring->base + JIPC_RING_HEADER_LENGTH + index + JIPC_RECORD_HEADER_LENGTH,
                (uint32_t)length - JIPC_RECORD_HEADER_LENGTH);
    }
    if (bytes_read > 0)
        release(ring, head, head_index, bytes_read);
    return corrupt ? -EUCLEAN : count;
}

/* One wait for data (RingConsumer.DataWait). */
struct data_wait {
    jipc_ring_handler handler;
    void *context;
    int limit;
};

static int64_t data_attempt(struct jipc_ring *ring, void *context)
{
    struct data_wait *w = context;
    int n = jipc_ring_poll(ring, w->handler, w->context, w->limit);
    return n != 0 ? n : WAIT_AGAIN;
}

/* RingConsumer.DataWait.block: join the sleepers, membarrier, then re-check (the proof
 * that no wake-up is lost is at the Java method). */
static void data_sleep(struct jipc_ring *ring, void *context, int64_t max_ns)
{
    (void)context;
    _Atomic int32_t *sleepers = i32_at(ring, JIPC_RING_CONSUMER_SLEEPERS_OFFSET);
    _Atomic uint32_t *sequence = u32_at(ring, JIPC_RING_DATA_SEQUENCE_OFFSET);
    atomic_fetch_add_explicit(sleepers, 1, ORDER_VOLATILE);
    int fenced = fence_before_sleep();
    uint32_t seen = atomic_load_explicit(sequence, ORDER_VOLATILE);
    uint64_t head = atomic_load_explicit(u64_at(ring, JIPC_RING_CONSUMER_POSITION_OFFSET), ORDER_RELAXED);
    int32_t length =
        length_of(atomic_load_explicit(record_at(ring, (uint32_t)head & (ring->capacity - 1)), ORDER_VOLATILE));
    /* A claimed head may belong to a dead producer: look again soon. */
    if (length <= 0) {
        int64_t nap = length < 0 ? STALL_NS : fenced ? max_ns : UNFENCED_NAP_NS;
        futex_wait(sequence, seen, nap < max_ns ? nap : max_ns);
    }
    atomic_fetch_sub_explicit(sleepers, 1, ORDER_VOLATILE);
}

int jipc_ring_read(struct jipc_ring *ring, jipc_ring_handler handler, void *context, int limit,
                   int64_t timeout_ns)
{
    int n = jipc_ring_poll(ring, handler, context, limit);
    if (n != 0 || timeout_ns == 0)
        return n;
    struct data_wait w = { handler, context, limit };
    int64_t r = wait_until(ring, data_attempt, data_sleep, &w, timeout_ns);
    return r == WAIT_AGAIN ? 0 : (int)r;
}

int jipc_ring_unblock(struct jipc_ring *ring)
{
    int recovered = recover_reservation(ring);
    uint64_t head = atomic_load_explicit(u64_at(ring, JIPC_RING_CONSUMER_POSITION_OFFSET), ORDER_VOLATILE);
    if (MISALIGNED(head))
        return -EUCLEAN;
    uint32_t head_index = (uint32_t)head & (ring->capacity - 1);
    uint64_t word = atomic_load_explicit(record_at(ring, head_index), ORDER_VOLATILE);
    if (length_of(word) >= 0)
        return recovered;
    int skipped = skip_if_dead(ring, head, head_index, word);
    return skipped != 0 ? skipped : recovered;
}

uint64_t jipc_ring_producer_position(const struct jipc_ring *ring)
{
    return atomic_load_explicit(u64_at(ring, JIPC_RING_PRODUCER_POSITION_OFFSET), ORDER_VOLATILE);
}

uint64_t jipc_ring_consumer_position(const struct jipc_ring *ring)
{
    return atomic_load_explicit(u64_at(ring, JIPC_RING_CONSUMER_POSITION_OFFSET), ORDER_VOLATILE);
}

uint64_t jipc_ring_dead_producer_records_skipped(const struct jipc_ring *ring)
{
    return atomic_load_explicit(u64_at(ring, JIPC_RING_DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET), ORDER_VOLATILE);
}
