package io.jipc.cli.demo;

import static io.jipc.cli.demo.GateDescriptor.CACHE_LINE_LENGTH;

/**
 * The data of demo bounded-buffer, at the gate's
 * {@link GateDescriptor#DATA_OFFSET DATA_OFFSET}; offsets here are relative to it. The
 * two semaphores that count free and filled slots are named objects of their own
 * ({@code /dev/shm/sem.NAME}), not part of this segment.
 *
 * <pre>
 *   0               8               16              24              32
 *  +---------------+---------------+---------------+---------------+
 *  |       MUTEX (16 bytes)        |            padding            |    0
 *  +-------------------------------+-------------------------------+
 *  |                            padding                            |   32
 *  +---------------+---------------+-------------------------------+
 *  |      IN       |      OUT      |            padding            |   64
 *  +---------------+---------------+-------------------------------+
 *  |                            padding                            |   96
 *  +---------------+---------------+---------------+---------------+
 *  |  ITEM slot 0  | CHECK slot 0  |  ITEM slot 1  | CHECK slot 1  |  128 (SLOTS_OFFSET)
 *  +---------------+---------------+---------------+---------------+
 *  |                 ... up to CHECK of slot N - 1                 |
 *  +---------------+---------------+---------------+---------------+
 *  |     COUNT     |      SUM      | ORDER_ERRORS  |    DAMAGED    |  statsOffset(N, 0):
 *  +---------------+---------------+---------------+---------------+  the next cache line
 *  |     WAITS     |                    padding                    |  + 32
 *  +---------------+-----------------------------------------------+
 *  |          the same 64 bytes for worker 1, 2, ...               |  statsOffset(N, 1)
 * </pre>
 *
 * <ul>
 *   <li><b>MUTEX</b>: an {@code io.jipc.sync.Mutex} (16 bytes, 8-aligned; layout in
 *       {@code io.jipc.sync.LockWordDescriptor}). It guards IN, OUT and the slots: every
 *       access to them below is plain and happens while holding it, so its acquire and
 *       release order them between processes.</li>
 *   <li><b>IN</b> (long): how many items producers have put in so far; the next goes
 *       into slot {@code IN % N}. Written by producers.</li>
 *   <li><b>OUT</b> (long): how many items consumers have taken so far; the next comes
 *       from slot {@code OUT % N}. Written by consumers. When it reaches the total, the
 *       buffer is closed.</li>
 *   <li><b>ITEM</b> (long): {@code producer << 40 | sequence}, the sequence counting
 *       1, 2, ... per producer. <b>CHECK</b> (long): {@link #check(long) check(ITEM)},
 *       so a consumer can tell a whole item from a torn or stale one.</li>
 *   <li>Per worker, one cache line, written by that worker only (plain) before it counts
 *       itself DONE at the gate, read by the parent after: <b>COUNT</b> items put or
 *       taken; <b>SUM</b> of {@code check(ITEM)} over them, wrapping, so the parent can
 *       compare the multiset taken with the one put; <b>ORDER_ERRORS</b> items taken
 *       out of their producer's order; <b>DAMAGED</b> items whose CHECK was wrong;
 *       <b>WAITS</b> how often the worker found no free slot (producer) or no filled
 *       slot (consumer) and had to sleep on the semaphore.</li>
 * </ul>
 *
 * The slots' count N is not stored: every process gets it on its command line.
 */
final class BoundedBufferDescriptor {
    private BoundedBufferDescriptor() {
    }

    static final long MUTEX_OFFSET = 0;
    static final long IN_OFFSET = MUTEX_OFFSET + CACHE_LINE_LENGTH;
    static final long OUT_OFFSET = IN_OFFSET + Long.BYTES;
    static final long SLOTS_OFFSET = IN_OFFSET + CACHE_LINE_LENGTH;

    static final long ITEM_OFFSET = 0;
    static final long CHECK_OFFSET = ITEM_OFFSET + Long.BYTES;
    static final long SLOT_LENGTH = CHECK_OFFSET + Long.BYTES;

    static final long COUNT_OFFSET = 0;
    static final long SUM_OFFSET = COUNT_OFFSET + Long.BYTES;
    static final long ORDER_ERRORS_OFFSET = SUM_OFFSET + Long.BYTES;
    static final long DAMAGED_OFFSET = ORDER_ERRORS_OFFSET + Long.BYTES;
    static final long WAITS_OFFSET = DAMAGED_OFFSET + Long.BYTES;

    /** Bits of ITEM that hold the sequence; the producer's number is above them. */
    static final int SEQUENCE_BITS = 40;
    static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;

    /** {@return the offset of slot {@code index}, 0 to N - 1} */
    static long slotOffset(long index) {
        return SLOTS_OFFSET + index * SLOT_LENGTH;
    }

    /** {@return the offset of worker {@code worker}'s statistics, in a buffer of {@code slots} slots} */
    static long statsOffset(int slots, int worker) {
        long end = slotOffset(slots);
        long firstLine = (end + CACHE_LINE_LENGTH - 1) / CACHE_LINE_LENGTH * CACHE_LINE_LENGTH;
        return firstLine + (long) worker * CACHE_LINE_LENGTH;
    }

    /** {@return the bytes of data needed for {@code slots} slots and {@code workers} workers} */
    static long length(int slots, int workers) {
        return statsOffset(slots, workers);
    }

    /** {@return the ITEM of producer {@code producer}'s item number {@code sequence}} */
    static long item(int producer, long sequence) {
        return (long) producer << SEQUENCE_BITS | sequence;
    }

    /** {@return the CHECK of {@code item}: a 64-bit mix (the SplitMix64 finaliser) of every bit of it} */
    static long check(long item) {
        long z = item + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
