package io.jipc.cli.demo;

import static io.jipc.cli.demo.GateDescriptor.CACHE_LINE_LENGTH;

/**
 * The data of the counter demos (race, flag, mutex), at the gate's
 * {@link GateDescriptor#DATA_OFFSET DATA_OFFSET}; offsets here are relative to it.
 *
 * <pre>
 *   0                               8                               64
 *  +-------------------------------+-------------------------------+
 *  |            COUNTER            |           padding             |    0
 *  +---------------+---------------+-------------------------------+
 *  |     LOCK (a flag: 4 bytes; a Mutex: 16)   |      padding      |   64
 *  +-------------------------------------------+-------------------+
 *  |    INSIDE     |                  padding                      |  128
 *  +---------------+---------------+-------------------------------+
 *  |     OVERLAPS of worker 0      |           padding             |  192
 *  +-------------------------------+-------------------------------+
 *  |     OVERLAPS of worker 1      |           padding             |  256
 *  +-------------------------------+-------------------------------+
 *  |                             ...                               |
 * </pre>
 *
 * <ul>
 *   <li><b>COUNTER</b> (long): what every worker increments, with a separate read and
 *       write (opaque, or plain under a lock). The parent reads it after the gate's DONE.</li>
 *   <li><b>LOCK</b>: demo flag's home-made lock flag (an int, opaque reads and writes), or
 *       demo mutex's lock (a 4-byte SpinLock word or a 16-byte, 8-aligned Mutex; layout in
 *       {@code io.jipc.sync.LockWordDescriptor}).</li>
 *   <li><b>INSIDE</b> (int): demo flag only; each worker adds 1 on entering the critical
 *       section and subtracts 1 on leaving ({@code getAndAdd}, atomic).</li>
 *   <li><b>OVERLAPS</b> (long, one cache line per worker): demo flag only; how often that
 *       worker entered while another was inside. Written once, by its worker, before DONE.</li>
 * </ul>
 */
final class CounterDescriptor {
    private CounterDescriptor() {
    }

    static final long COUNTER_OFFSET = 0;
    static final long LOCK_OFFSET = COUNTER_OFFSET + CACHE_LINE_LENGTH;
    static final long INSIDE_OFFSET = LOCK_OFFSET + CACHE_LINE_LENGTH;
    static final long OVERLAPS_OFFSET = INSIDE_OFFSET + CACHE_LINE_LENGTH;

    /** {@return the offset of worker {@code index}'s overlap count} */
    static long overlapsOffset(int index) {
        return OVERLAPS_OFFSET + (long) index * CACHE_LINE_LENGTH;
    }

    /** {@return the bytes of data needed for {@code workers} workers} */
    static long length(int workers) {
        return overlapsOffset(workers);
    }
}
