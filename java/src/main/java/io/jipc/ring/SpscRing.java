package io.jipc.ring;

import io.jipc.IpcException;

import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static io.jipc.ring.RecordDescriptor.PADDING_TYPE;
import static io.jipc.ring.RecordDescriptor.alignedLength;
import static io.jipc.ring.RecordDescriptor.headerWord;

/**
 * A {@link Ring} with one producer and one consumer, each possibly in its own process.
 *
 * <p>Producer methods must be called by one thread at a time, in one process at a time
 * (a producer that ends may be replaced by another that attaches later: the producer
 * position lives in the header). Nothing detects two concurrent producers; use
 * {@link MpscRing} for that. In exchange a claim costs no atomic read-modify-write: the
 * producer writes the claimed header and then release-stores the producer position.
 */
public final class SpscRing extends RingBase {
    /** The producer's lower bound of the consumer position: it only grows, so a stale copy is safe. */
    private long headCache;

    private SpscRing(MemorySegment region) {
        super(region, capacityOf(region));
        this.headCache = consumerPosition();
    }

    /**
     * Creates a ring in {@code region}: writes its header and zeroes its data area. The
     * region must be at least {@link RingDescriptor#regionLength(int)} bytes; nobody may use
     * an older ring in it meanwhile.
     *
     * @param region   8-byte-aligned native memory, usually a slice of a {@code SharedMemory} segment
     * @param capacity data bytes: a power of two from {@link RingDescriptor#MIN_CAPACITY}
     *                 to {@link RingDescriptor#MAX_CAPACITY}
     * @throws IllegalArgumentException for a bad capacity or a region too small, misaligned,
     *                                  read-only or on the heap
     */
    public static SpscRing create(MemorySegment region, int capacity) {
        return new SpscRing(initialise(region, capacity, RingDescriptor.KIND_SPSC));
    }

    /**
     * Attaches to the SPSC ring another process created in {@code region}, waiting up to
     * 2 seconds for a creator that is still initialising it.
     *
     * @throws IpcException             with {@code INCOMPATIBLE_LAYOUT} for a bad magic, layout
     *                                  version, kind or capacity; {@code CREATOR_DIED} if the creator
     *                                  died mid-initialisation; {@code DOES_NOT_EXIST} if the header
     *                                  stays zero; {@code OTHER} if a live creator does not finish in time
     * @throws IllegalArgumentException if the region is misaligned, read-only, on the heap or
     *                                  smaller than the header
     */
    public static SpscRing attach(MemorySegment region) throws IpcException {
        return attach(region, DEFAULT_ATTACH_TIMEOUT);
    }

    /** Like {@link #attach(MemorySegment)}, waiting up to {@code timeout} for the creator to finish. */
    public static SpscRing attach(MemorySegment region, Duration timeout) throws IpcException {
        return new SpscRing(verify(region, RingDescriptor.KIND_SPSC, timeout, "SpscRing.attach"));
    }

    @Override
    int reserve(int recordLength) {
        int required = alignedLength(recordLength);
        long tail = (long) LONG.getAcquire(region, PRODUCER_POSITION_AT);
        long head = headCache;
        if (!fits(required, tail, head)) {
            head = refreshHead();
            if (!fits(required, tail, head)) {
                return INSUFFICIENT_CAPACITY;
            }
        }
        int index = (int) tail & mask;
        int toEnd = capacity - index;
        int padding = 0;
        if (required > toEnd) {
            // The record goes at index 0 behind padding; room there ends at the head's index.
            if (required > ((int) head & mask)) {
                head = refreshHead();
                if (required > ((int) head & mask)) {
                    return INSUFFICIENT_CAPACITY;
                }
            }
            padding = toEnd;
        }
        if (padding != 0) {
            LONG.setRelease(region, at(index), headerWord(padding, PADDING_TYPE));
            index = 0;
        }
        LONG.setRelease(region, at(index), headerWord(-recordLength, PID));
        LONG.setRelease(region, PRODUCER_POSITION_AT, tail + padding + required);
        return index;
    }

    private long refreshHead() {
        long head = (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
        headCache = head;
        return head;
    }
}
