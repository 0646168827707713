/*
 * jipc_ring.h - the C twin of io.jipc.ring: the same bytes, the same protocol, so a C
 * process can be the producer or the consumer of a ring created by Java, and the other
 * way round.
 *
 * The layout is documented once, in Java: io.jipc.ring.RingDescriptor (the header, with
 * its byte diagram and, per field, writer, access mode and reader) and
 * io.jipc.ring.RecordDescriptor (the record header). The constants below repeat it; a
 * Java test compares every one of them with the Java descriptors (ring_peer layout).
 * JIPC_RING_<NAME> is RingDescriptor.<NAME>, JIPC_RECORD_<NAME> is RecordDescriptor.<NAME>.
 *
 * Memory orders match the Java access modes one for one: Java release/acquire is C11
 * memory_order_release/acquire, Java volatile and the Java read-modify-writes are
 * memory_order_seq_cst. Both languages map these to the same instructions on x86-64 and
 * AArch64, which is what makes the two sides agree. The one fence that is not a store or a
 * load, the waiter's membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) that lets publishers skip
 * theirs (since layout version 4), is issued by both in the same place; every process registers
 * for it at create and attach (jipc_ring_create, jipc_ring_attach).
 *
 * Not jextract input (Java has its own implementation); this header may use C11 freely.
 */
#ifndef JIPC_RING_H
#define JIPC_RING_H

#include <stdatomic.h>
#include <stdint.h>

/* ---- the header (RingDescriptor) ---- */
#define JIPC_RING_CACHE_LINE_LENGTH 64
#define JIPC_RING_REGION_LENGTH (2 * JIPC_RING_CACHE_LINE_LENGTH)
#define JIPC_RING_MAGIC 0x474E49524350494AULL /* "JIPCRING", little-endian */
#define JIPC_RING_LAYOUT_VERSION 5
#define JIPC_RING_KIND_SPSC 1
#define JIPC_RING_KIND_MPSC 2
#define JIPC_RING_STATE_UNINITIALISED 0
#define JIPC_RING_STATE_INITIALISING 1
#define JIPC_RING_STATE_READY 2
#define JIPC_RING_MIN_CAPACITY 64
#define JIPC_RING_MAX_CAPACITY (1 << 30)
#define JIPC_RING_MAX_MESSAGE_DIVISOR 8
/* Space returns to producers a space block at a time (RingDescriptor.spaceBlock):
 * capacity / 16, from 8 bytes to a page; producers write below the consumer position
 * rounded down to it, plus the capacity. */
#define JIPC_RING_MAX_SPACE_BLOCK 4096
#define JIPC_RING_SPACE_BLOCK_DIVISOR 16

/* Region 0: written once by the creator. */
#define JIPC_RING_MAGIC_OFFSET 0                 /* u64 */
#define JIPC_RING_LAYOUT_VERSION_OFFSET 8        /* i32 */
#define JIPC_RING_RING_KIND_OFFSET 12            /* i32 */
#define JIPC_RING_CAPACITY_OFFSET 16             /* i32 */
#define JIPC_RING_INIT_STATE_OFFSET 20           /* i32, release by the creator, acquire by attachers */
#define JIPC_RING_CREATOR_PID_OFFSET 24          /* i32 */
#define JIPC_RING_CREATOR_START_TIME_OFFSET 32   /* i64, /proc/PID/stat field 22 */
/* One region of its own each. */
#define JIPC_RING_PRODUCER_POSITION_OFFSET (1 * JIPC_RING_REGION_LENGTH)  /* u64 */
/* u64, MPSC: 0 or the holder's pid (low half) and start time's low 32 bits (high half) */
#define JIPC_RING_RESERVATION_LOCK_OFFSET (JIPC_RING_PRODUCER_POSITION_OFFSET + 8)
#define JIPC_RING_CONSUMER_POSITION_OFFSET (2 * JIPC_RING_REGION_LENGTH)  /* u64 */
#define JIPC_RING_CONSUMER_SLEEPERS_OFFSET (3 * JIPC_RING_REGION_LENGTH)  /* i32 */
#define JIPC_RING_DATA_SEQUENCE_OFFSET (JIPC_RING_CONSUMER_SLEEPERS_OFFSET + 4) /* u32 futex word */
#define JIPC_RING_PRODUCER_SLEEPERS_OFFSET (4 * JIPC_RING_REGION_LENGTH)  /* i32 */
#define JIPC_RING_SPACE_SEQUENCE_OFFSET (JIPC_RING_PRODUCER_SLEEPERS_OFFSET + 4) /* u32 futex word */
#define JIPC_RING_DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET (5 * JIPC_RING_REGION_LENGTH) /* u64 */
/* The data area follows the header. */
#define JIPC_RING_HEADER_LENGTH (6 * JIPC_RING_REGION_LENGTH)

/* ---- one record (RecordDescriptor) ----
 * The 8-byte header is one atomic 64-bit word: length in the low half (header included),
 * type in the high half. While claimed, the low half is negative and the word is a claim
 * word (jipc_record_claim_word): record length, claimer pid and a 13-bit stamp of the
 * claimer's start time. 0 = not written; the consumer zeroes what it consumes. Records
 * are 8-byte aligned. */
#define JIPC_RECORD_HEADER_LENGTH 8
#define JIPC_RECORD_ALIGNMENT 8
#define JIPC_RECORD_LENGTH_OFFSET 0
#define JIPC_RECORD_TYPE_OFFSET 4
#define JIPC_RECORD_PADDING_TYPE (-1)
#define JIPC_RECORD_CLAIM_STAMP_BITS 13
#define JIPC_RECORD_CLAIM_PID_BITS 22
#define JIPC_RECORD_CLAIM_LENGTH_BITS 28

/* RecordDescriptor.stampOf / claimWord / claimLength / claimPid / claimStamp */
static inline uint32_t jipc_record_stamp_of(int64_t start_time)
{
    return (uint32_t)start_time & ((1u << JIPC_RECORD_CLAIM_STAMP_BITS) - 1);
}

static inline uint64_t jipc_record_claim_word(uint32_t record_length, int32_t pid, int64_t start_time)
{
    uint32_t stamp = jipc_record_stamp_of(start_time);
    uint64_t low = 0x80000000u | (stamp & 7u) << JIPC_RECORD_CLAIM_LENGTH_BITS
                   | (record_length & ((1u << JIPC_RECORD_CLAIM_LENGTH_BITS) - 1));
    uint64_t high = ((uint32_t)pid & ((1u << JIPC_RECORD_CLAIM_PID_BITS) - 1))
                    | (uint64_t)(stamp >> 3) << JIPC_RECORD_CLAIM_PID_BITS;
    return high << 32 | low;
}

static inline uint32_t jipc_record_claim_length(uint64_t word)
{
    return (uint32_t)word & ((1u << JIPC_RECORD_CLAIM_LENGTH_BITS) - 1);
}

static inline int32_t jipc_record_claim_pid(uint64_t word)
{
    return (int32_t)((uint32_t)(word >> 32) & ((1u << JIPC_RECORD_CLAIM_PID_BITS) - 1));
}

static inline uint32_t jipc_record_claim_stamp(uint64_t word)
{
    return ((uint32_t)word >> JIPC_RECORD_CLAIM_LENGTH_BITS & 7u) | (uint32_t)(word >> (32 + JIPC_RECORD_CLAIM_PID_BITS)) << 3;
}

/* RingDescriptor.spaceBlock / releasedPosition */
static inline uint32_t jipc_ring_space_block(uint32_t capacity)
{
    uint32_t block = capacity / JIPC_RING_SPACE_BLOCK_DIVISOR;
    return block < JIPC_RECORD_ALIGNMENT ? JIPC_RECORD_ALIGNMENT
           : block > JIPC_RING_MAX_SPACE_BLOCK ? JIPC_RING_MAX_SPACE_BLOCK : block;
}

static inline uint64_t jipc_ring_released_position(uint64_t consumer_position, uint32_t capacity)
{
    return consumer_position & ~(uint64_t)(jipc_ring_space_block(capacity) - 1);
}

_Static_assert(JIPC_RING_HEADER_LENGTH % JIPC_RING_REGION_LENGTH == 0, "header is whole regions");
_Static_assert(JIPC_RING_CREATOR_START_TIME_OFFSET + 8 <= JIPC_RING_REGION_LENGTH, "region 0 overflows");
_Static_assert(JIPC_RING_CONSUMER_POSITION_OFFSET - JIPC_RING_PRODUCER_POSITION_OFFSET >= JIPC_RING_REGION_LENGTH,
               "producer and consumer positions must not share a region");

/*
 * A process's handle on a ring; the ring itself is the region. Create or attach one per
 * process (or per thread: handles are cheap). One MPSC handle may be shared by producer
 * threads; consumer calls need one thread at a time.
 */
struct jipc_ring {
    unsigned char *base;              /* the region: header, then data */
    uint32_t capacity;
    uint32_t max_message_length;      /* capacity / 8 */
    int32_t kind;
    int32_t pid;                      /* this process, the claimer identity... */
    int64_t start_time;               /* ...with its start time (/proc/PID/stat field 22) */
    uint64_t reserver;                /* this process in the reservation lock (MPSC) */
    uint64_t head_cache;              /* producers' lower bound of the released position;
                                         MPSC: touched only under the reservation lock */
    uint64_t stall_position;          /* consumer only: a claimed record stalls the head... */
    uint64_t stall_word;              /* ...with this header word... */
    int64_t stall_since_ns;           /* ...since then, CLOCK_MONOTONIC of this process */
    int32_t spins;                    /* how this handle's waits wait (WaitStrategy.spinThenSleep): */
    int32_t yields;                   /* create and attach set 1000 and 100; 0 and 0 sleep at once */
};

/* Room reserved for one message: write length bytes at message, then commit or abort. */
struct jipc_ring_claim {
    void *message;
    uint32_t index;                   /* the record's index in the data area */
    uint32_t length;                  /* message bytes */
    int32_t pending;                  /* 1 until committed or aborted */
};

/* Receives one message; message is valid only during the call. */
typedef void (*jipc_ring_handler)(void *context, int32_t type, const void *message, uint32_t length);

/* Timeouts: 0 = do not wait, negative = wait for ever, else nanoseconds. */

/* Writes a new header and zeroes the data area. 0, or -EINVAL (capacity, size, alignment). */
int jipc_ring_create(struct jipc_ring *ring, void *region, uint64_t region_length, uint32_t capacity,
                     int32_t kind);

/*
 * Checks the header, waiting up to timeout_ns for a creator still initialising it.
 * 0; -EPROTO: bad magic, version, kind or capacity, or a region too small;
 * -EOWNERDEAD: the creator died initialising; -ENOENT: the header stayed zero;
 * -ETIMEDOUT: a live creator did not finish; -EINVAL: bad arguments.
 */
int jipc_ring_attach(struct jipc_ring *ring, void *region, uint64_t region_length, int32_t kind,
                     int64_t timeout_ns);

/* Reserves room for length bytes. 0; -EAGAIN (full, or MPSC: the reservation lock held by a
 * live process past a spin; timeout 0), -ETIMEDOUT, -EMSGSIZE, -EUCLEAN (positions that cannot
 * be: misaligned or further apart than the capacity; RingCorruptedException in Java). */
int jipc_ring_claim(struct jipc_ring *ring, uint32_t length, struct jipc_ring_claim *claim, int64_t timeout_ns);

/* Publishes a claim as a message of type (>= 0), by a release store. 0; -EALREADY (not
 * pending); -EOWNERDEAD (the record no longer holds this claim: the consumer took this process
 * for dead, or the ring was re-created); -EINVAL (type < 0). */
int jipc_ring_commit(struct jipc_ring *ring, struct jipc_ring_claim *claim, int32_t type);

/* Turns a claim into padding. 0, -EALREADY, -EOWNERDEAD. */
int jipc_ring_abort(struct jipc_ring *ring, struct jipc_ring_claim *claim);

/* Copies a message in and commits it. 0, -EAGAIN, -ETIMEDOUT, -EMSGSIZE, -EINVAL, -EUCLEAN. */
int jipc_ring_offer(struct jipc_ring *ring, int32_t type, const void *message, uint32_t length,
                    int64_t timeout_ns);

/* Hands up to limit ready messages to handler. The count (0: nothing ready), or -EINVAL,
 * or -EUCLEAN for a corrupt record. Reclaims records of dead producers as Java does. */
int jipc_ring_poll(struct jipc_ring *ring, jipc_ring_handler handler, void *context, int limit);

/* Like jipc_ring_poll, waiting up to timeout_ns for at least one message (0: timed out). */
int jipc_ring_read(struct jipc_ring *ring, jipc_ring_handler handler, void *context, int limit,
                   int64_t timeout_ns);

/* Ring.unblock(): 1 if a dead producer's record was padded over or a reservation lock held
 * by a dead process was recovered, else 0; -EUCLEAN for a corrupt claim. */
int jipc_ring_unblock(struct jipc_ring *ring);

uint64_t jipc_ring_producer_position(const struct jipc_ring *ring);
uint64_t jipc_ring_consumer_position(const struct jipc_ring *ring);
uint64_t jipc_ring_dead_producer_records_skipped(const struct jipc_ring *ring);

/* Whether pid names a running process (zombies are not): kill(pid, 0), then /proc/PID/stat. */
int jipc_process_alive(int32_t pid, int64_t start_time);

/* /proc/PID/stat field 22 of pid, or 0 if unknown. */
int64_t jipc_process_start_time(int32_t pid);

#endif
