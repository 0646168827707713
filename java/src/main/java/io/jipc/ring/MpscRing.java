package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.process.ProcessIdentity;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Optional;

import static io.jipc.ring.RecordDescriptor.alignedLength;
import static io.jipc.ring.RecordDescriptor.lengthOf;

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
    private static final long LOCK_AT = RingDescriptor.RESERVATION_LOCK_OFFSET;
    /** This process in the reservation lock. */
    private static final long ME = RingDescriptor.reserverWord(PID, ProcessIdentity.current().startTime());
    /** Polls of a held reservation lock before the holder is taken for slow: it holds it for a few stores. */
    static final int LOCK_SPIN_LIMIT = 128;

    private MpscRing(MemorySegment region) {
        super(region, capacityOf(region));
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
        if (!LONG.compareAndSet(region, LOCK_AT, 0L, ME) && !lockAfterSpin()) {
            return RESERVATION_BUSY;
        }
        try {
            // The CAS read the last holder's release of the lock: its position store is visible.
            return reserveAt((long) LONG.getOpaque(region, PRODUCER_POSITION_AT), recordLength);
        } finally {
            LONG.setRelease(region, LOCK_AT, 0L);
        }
    }

    /** Test and test-and-set, briefly: a holder keeps the lock for a few stores. */
    private boolean lockAfterSpin() {
        for (int i = 0; i < LOCK_SPIN_LIMIT; i++) {
            Thread.onSpinWait();
            if ((long) LONG.getOpaque(region, LOCK_AT) == 0 && LONG.compareAndSet(region, LOCK_AT, 0L, ME)) {
                return true;
            }
        }
        return false;
    }

    @Override
    boolean recoverReservation() {
        long holder = (long) LONG.getVolatile(region, LOCK_AT);
        if (holder == 0 || holder == ME || reserverAlive(holder)
                || !LONG.compareAndSet(region, LOCK_AT, holder, ME)) {
            return false;
        }
        try {
            repairProducerPosition();
        } finally {
            LONG.setRelease(region, LOCK_AT, 0L);
        }
        return true;
    }

    /**
     * Under a lock taken over from a dead holder: moves the producer position past the
     * headers the holder wrote before it died (a padding header, a claimed header, or
     * both). Free space reads zero, so those are the only non-zero words from the
     * position on. The consumer may already have consumed the padding, and be past the
     * position.
     */
    private void repairProducerPosition() {
        long head = (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
        long tail = Math.max((long) LONG.getVolatile(region, PRODUCER_POSITION_AT), head);
        while (tail - head < capacity) {
            int index = (int) tail & mask;
            long word = (long) LONG.getVolatile(region, at(index));
            int length = Math.abs(lengthOf(word));
            if (word == 0 || length < RecordDescriptor.HEADER_LENGTH || alignedLength(length) > capacity - index) {
                break;
            }
            tail += alignedLength(length);
        }
        LONG.setRelease(region, PRODUCER_POSITION_AT, tail);
    }

    /** A dead claim beyond the position means its producer died holding the lock: recover it. */
    @Override
    boolean publishDeadClaim(long position, int alignedLength) {
        if ((long) LONG.getVolatile(region, PRODUCER_POSITION_AT) > position) {
            return true;
        }
        recoverReservation();
        return (long) LONG.getVolatile(region, PRODUCER_POSITION_AT) > position;
    }

    /** {@return whether the process a reservation lock word names is still running} */
    private static boolean reserverAlive(long word) {
        Optional<ProcessIdentity> now = ProcessIdentity.of(RingDescriptor.reserverPid(word));
        if (now.isEmpty()) {
            return false;
        }
        int startTime = RingDescriptor.reserverStartTime(word);
        return startTime == 0 || now.get().startTime() == 0 || (int) now.get().startTime() == startTime;
    }
}
