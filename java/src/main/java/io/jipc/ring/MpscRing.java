package io.jipc.ring;

import io.jipc.IpcException;

import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static io.jipc.ring.RecordDescriptor.PADDING_TYPE;
import static io.jipc.ring.RecordDescriptor.alignedLength;
import static io.jipc.ring.RecordDescriptor.headerWord;

/**
 * A {@link Ring} with any number of producers, in any number of threads and processes,
 * and one consumer.
 *
 * <p>Producers reserve space with a compare-and-set on the producer position, then write
 * the claimed header (with their pid) into it. The consumer sees messages in the order
 * they were claimed, so each producer thread's messages arrive in its own order, and
 * those of different producers interleave.
 *
 * <p>A producer killed between its claim and its commit is detected by the consumer and
 * skipped (see {@link Ring#poll}); one killed in the few instructions between the
 * compare-and-set and the header store needs {@link #unblock()}.
 */
public final class MpscRing extends RingBase {
    /** This process's lower bound of the consumer position, shared by its producer threads. */
    private volatile long headCache;

    private MpscRing(MemorySegment region) {
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
    public static MpscRing create(MemorySegment region, int capacity) {
        return new MpscRing(initialise(region, capacity, RingDescriptor.KIND_MPSC));
    }

    /**
     * Attaches to the MPSC ring another process created in {@code region}, waiting up to
     * 2 seconds for a creator that is still initialising it.
     *
     * @throws IpcException             with {@code INCOMPATIBLE_LAYOUT} for a bad magic, layout
     *                                  version, kind or capacity; {@code CREATOR_DIED} if the creator
     *                                  died mid-initialisation; {@code DOES_NOT_EXIST} if the header
     *                                  stays zero; {@code OTHER} if a live creator does not finish in time
     * @throws IllegalArgumentException if the region is misaligned, read-only, on the heap or
     *                                  smaller than the header
     */
    public static MpscRing attach(MemorySegment region) throws IpcException {
        return attach(region, DEFAULT_ATTACH_TIMEOUT);
    }

    /** Like {@link #attach(MemorySegment)}, waiting up to {@code timeout} for the creator to finish. */
    public static MpscRing attach(MemorySegment region, Duration timeout) throws IpcException {
        return new MpscRing(verify(region, RingDescriptor.KIND_MPSC, timeout, "MpscRing.attach"));
    }

    @Override
    int reserve(int recordLength) {
        int required = alignedLength(recordLength);
        long head = headCache;
        long tail;
        int index;
        int padding;
        do {
            tail = (long) LONG.getVolatile(region, PRODUCER_POSITION_AT);
            if (!fits(required, tail, head)) {
                head = refreshHead();
                if (!fits(required, tail, head)) {
                    return INSUFFICIENT_CAPACITY;
                }
            }
            padding = 0;
            index = (int) tail & mask;
            int toEnd = capacity - index;
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
            // A tail read before a newer head can make the sums above look roomy; then the
            // tail has moved on and this compare-and-set fails.
        } while (!LONG.compareAndSet(region, PRODUCER_POSITION_AT, tail, tail + padding + required));
        // From here to the claimed header below, a killed producer leaves an ownerless zero
        // header: see unblock().
        if (padding != 0) {
            LONG.setRelease(region, at(index), headerWord(padding, PADDING_TYPE));
            index = 0;
        }
        LONG.setRelease(region, at(index), headerWord(-recordLength, PID));
        return index;
    }

    private long refreshHead() {
        long head = (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
        headCache = head;
        return head;
    }
}
