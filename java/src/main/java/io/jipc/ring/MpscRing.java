package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.WaitStrategy;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;


/**
 * A {@link Ring} with any number of producers, in any number of threads and processes,
 * and one consumer.
 *
 * <p>Producers reserve space under the ring's reservation lock (see {@link RingDescriptor}):
 * a compare-and-set takes it, the producer writes the claimed header (with its pid) and
 * the new producer position, and a plain release store frees it; no system call. The
 * consumer sees messages in the order they were claimed, so each producer thread's
 * messages arrive in its own order, and those of different producers interleave.
 *
 * <p>A producer that finds the lock held spins briefly (a holder keeps it for a few
 * stores). If it is still held, the producer checks whether the holder's process has
 * ended, and if so takes the lock over and repairs what the holder left. Otherwise the
 * non-blocking forms ({@code tryClaim}, {@code offer} without a timeout) answer as if the
 * ring had no room (the holder is descheduled or stopped), and the blocking and timed
 * forms wait, checking the holder again about every millisecond.
 *
 * <p>So a producer killed at any moment of a claim blocks nobody for long: killed holding
 * the lock, it is found by the next producer that needs the lock, or by the consumer if
 * it had written its claimed header; killed holding a claimed record, the consumer skips
 * the record within about 100 ms (see {@link Ring#poll}). The other producers go on.
 */
public final class MpscRing extends RingBase {
    private MpscRing(MemorySegment region, WaitStrategy strategy) {
        super(region, new ReservationLock(region, RingHeader.capacityOf(region)), strategy);
    }

    /**
     * Creates a ring in {@code region}: writes its header and zeroes its data area. The
     * region must be at least {@link RingDescriptor#regionLength(int)} bytes; nobody may use
     * an older ring in it meanwhile.
     *
     * @param region   8-byte-aligned native memory, usually a slice of a {@code SharedMemory} segment
     * @param capacity data bytes: a power of two from {@link RingDescriptor#MIN_CAPACITY}
     *                 to {@link RingDescriptor#MAX_CAPACITY}
     * @return a handle on the new ring, for any number of producers and one consumer
     * @throws IllegalArgumentException for a bad capacity or a region too small, misaligned,
     *                                  read-only or on the heap
     */
    public static MpscRing create(MemorySegment region, int capacity) {
        return create(region, capacity, WaitStrategy.spinThenSleep());
    }

    /**
     * Like {@link #create(MemorySegment, int)}, with blocking and timed calls that wait as {@code
     * strategy} says.
     *
     * @param region the ring's memory, usually a slice of a {@code SharedMemory} segment: 8-byte
     *     aligned, native and writable
     * @param capacity data bytes: a power of two from {@link RingDescriptor#MIN_CAPACITY} to
     *     {@link RingDescriptor#MAX_CAPACITY}
     * @param strategy how this handle's blocking and timed calls wait: spin, yield, then sleep; not
     *     null
     * @return a handle on the new ring, for any number of producers and one consumer
     */
    public static MpscRing create(MemorySegment region, int capacity, WaitStrategy strategy) {
        return new MpscRing(RingHeader.initialise(region, capacity, RingDescriptor.KIND_MPSC), strategy);
    }

    /**
     * Attaches to the MPSC ring another process created in {@code region}, waiting up to
     * 2 seconds for a creator that is still initialising it.
     *
     * @param region the ring's memory, usually a slice of a {@code SharedMemory} segment: 8-byte
     *     aligned, native and writable
     * @return a handle on the ring, with the default wait strategy
     * @throws IpcException             with {@code INCOMPATIBLE_LAYOUT} for a bad magic, layout
     *                                  version, kind or capacity; {@code CREATOR_DIED} if the creator
     *                                  died mid-initialisation; {@code DOES_NOT_EXIST} if the header
     *                                  stays zero; {@code OTHER} if a live creator does not finish in time
     * @throws IllegalArgumentException if the region is misaligned, read-only, on the heap or
     *                                  smaller than the header
     */
    public static MpscRing attach(MemorySegment region) throws IpcException {
        return attach(region, RingHeader.DEFAULT_ATTACH_TIMEOUT);
    }

    /**
     * Like {@link #attach(MemorySegment)}, waiting up to {@code timeout} for the creator to finish.
     *
     * @param region the ring's memory, usually a slice of a {@code SharedMemory} segment: 8-byte
     *     aligned, native and writable
     * @param timeout how long to wait for a creator that is still initialising the ring; not null
     * @return a handle on the ring, with the default wait strategy
     * @throws IpcException as {@link #attach(MemorySegment)}, the wait lasting {@code timeout}
     *     instead of 2 seconds
     */
    public static MpscRing attach(MemorySegment region, Duration timeout) throws IpcException {
        return attach(region, timeout, WaitStrategy.spinThenSleep());
    }

    /**
     * Like {@link #attach(MemorySegment, Duration)}, with blocking and timed calls that wait
     * as {@code strategy} says.
     *
     * @param region the ring's memory, usually a slice of a {@code SharedMemory} segment: 8-byte
     *     aligned, native and writable
     * @param timeout how long to wait for a creator that is still initialising the ring; not null
     * @param strategy how this handle's blocking and timed calls wait: spin, yield, then sleep; not
     *     null
     * @return a handle on the ring
     * @throws IpcException as {@link #attach(MemorySegment)}, the wait lasting {@code timeout}
     *     instead of 2 seconds
     */
    public static MpscRing attach(MemorySegment region, Duration timeout, WaitStrategy strategy) throws IpcException {
        Objects.requireNonNull(strategy, "strategy");
        return new MpscRing(RingHeader.verify(region, RingDescriptor.KIND_MPSC, timeout, "MpscRing.attach"), strategy);
    }
}
