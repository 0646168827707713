package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.WaitStrategy;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@link Ring} with one producer and one consumer, each possibly in its own process.
 *
 * <p>Producer methods must be called by one thread at a time, in one process at a time
 * (a producer that ends may be replaced by another that attaches later: the producer
 * position lives in the header; a producer that was killed, only once the consumer has
 * skipped its claim, if it left one). Nothing detects two concurrent producers; use
 * {@link MpscRing} for that. In exchange a claim costs no atomic read-modify-write: the
 * producer writes the claimed header and then release-stores the producer position.
 */
public final class SpscRing extends RingBase {
    private SpscRing(MemorySegment region, WaitStrategy strategy) {
        super(region, null, strategy);
    }

    /**
     * Creates a ring in {@code region}: writes its header and zeroes its data area. The
     * region must be at least {@link RingDescriptor#regionLength(int)} bytes; nobody may use
     * an older ring in it meanwhile.
     *
     * @param region   8-byte-aligned native memory, usually a slice of a {@code SharedMemory} segment
     * @param capacity data bytes: a power of two from {@link RingDescriptor#MIN_CAPACITY}
     *                 to {@link RingDescriptor#MAX_CAPACITY}
     * @return a handle on the new ring, for one producer and one consumer
     * @throws IllegalArgumentException for a bad capacity or a region too small, misaligned,
     *                                  read-only or on the heap
     */
    public static SpscRing create(MemorySegment region, int capacity) {
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
     * @return a handle on the new ring, for one producer and one consumer
     */
    public static SpscRing create(MemorySegment region, int capacity, WaitStrategy strategy) {
        return new SpscRing(RingHeader.initialise(region, capacity, RingDescriptor.KIND_SPSC), strategy);
    }

    /**
     * Attaches to the SPSC ring another process created in {@code region}, waiting up to
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
    public static SpscRing attach(MemorySegment region) throws IpcException {
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
    public static SpscRing attach(MemorySegment region, Duration timeout) throws IpcException {
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
    public static SpscRing attach(MemorySegment region, Duration timeout, WaitStrategy strategy) throws IpcException {
        Objects.requireNonNull(strategy, "strategy");
        return new SpscRing(RingHeader.verify(region, RingDescriptor.KIND_SPSC, timeout, "SpscRing.attach"), strategy);
    }
}
