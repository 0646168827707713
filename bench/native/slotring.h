/*
 * The slot ring of the "shm-spin" and "futex" benchmark transports: one producer, one
 * consumer, fixed-size slots, in memory both processes map. The Java twin reads the same
 * numbers from io.jipc.bench.SlotRingDescriptor; `cbench --layout` prints these so the
 * harness's smoke test can check that both sides agree.
 *
 *   0         4                                                   128
 *   +---------+----------------------------------------------------+
 *   | tail    | padding (producer's line, and its neighbour)        |  TAIL_OFFSET = 0
 *   +---------+----------------------------------------------------+  128
 *   | head    | padding (consumer's line)                           |  HEAD_OFFSET = 128
 *   +---------+----------------------------------------------------+  256
 *   | c_wait  | padding: consumer sleeps on tail (futex twin only)  |  CONSUMER_WAITING_OFFSET = 256
 *   +---------+----------------------------------------------------+  384
 *   | p_wait  | padding: producer sleeps on head (futex twin only)  |  PRODUCER_WAITING_OFFSET = 384
 *   +---------+----------------------------------------------------+  512 = SLOTS_OFFSET
 *   | slot 0: length (u32) | reserved (u32) | payload (MAX_PAYLOAD) |  stride SLOT_STRIDE
 *   | slot 1 ...                                                     |
 *   +--------------------------------------------------------------+  RING_LENGTH
 *
 * tail: messages published so far (u32, wraps). Written by the producer only, with a
 *       release store after the slot's bytes; read by the consumer with an acquire load.
 *       The futex word the consumer sleeps on when the ring is empty.
 * head: messages consumed so far (u32, wraps). Written by the consumer only (release
 *       after it has copied the slot out); read by the producer (acquire). The futex word
 *       the producer sleeps on when the ring is full.
 * c_wait / p_wait: 1 while that side may sleep. Set (sequentially consistent) before the
 *       sleeper re-reads the counter; the other side reads it (sequentially consistent)
 *       after publishing its counter and wakes only if it is 1: no wake-up system call
 *       unless someone may be asleep.
 * Each counter has its own 128 bytes, so the producer's and the consumer's stores never
 * share a cache line (nor an adjacent-line prefetch pair).
 */
#ifndef JIPC_BENCH_SLOTRING_H
#define JIPC_BENCH_SLOTRING_H

#define SLOTRING_TAIL_OFFSET 0
#define SLOTRING_HEAD_OFFSET 128
#define SLOTRING_CONSUMER_WAITING_OFFSET 256
#define SLOTRING_PRODUCER_WAITING_OFFSET 384
#define SLOTRING_SLOTS_OFFSET 512
#define SLOTRING_SLOT_HEADER_LENGTH 8
#define SLOTRING_MAX_PAYLOAD 4096
/* Header plus the largest payload, rounded up to a 64-byte line. */
#define SLOTRING_SLOT_STRIDE 4160
#define SLOTRING_SLOT_COUNT 256
#define SLOTRING_RING_LENGTH (SLOTRING_SLOTS_OFFSET + SLOTRING_SLOT_COUNT * SLOTRING_SLOT_STRIDE)
/* Spins before a futex-twin waiter sleeps; the same as io.jipc.sync.Mutex's. */
#define SLOTRING_SPIN_LIMIT 200

#endif
