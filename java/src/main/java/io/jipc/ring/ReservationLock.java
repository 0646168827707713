package io.jipc.ring;

import io.jipc.process.ProcessIdentity;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import static io.jipc.ring.RecordDescriptor.alignedLength;
import static io.jipc.ring.RecordDescriptor.lengthOf;
import static io.jipc.ring.RingHeader.CONSUMER_POSITION_AT;
import static io.jipc.ring.RingHeader.LONG;
import static io.jipc.ring.RingHeader.PID;
import static io.jipc.ring.RingHeader.PRODUCER_POSITION_AT;
import static io.jipc.ring.RingHeader.RESERVATION_LOCK_AT;
import static io.jipc.ring.RingHeader.at;

/**
 * The MPSC ring's reservation lock ({@code RESERVATION_LOCK} in {@link RingDescriptor}):
 * taking and freeing it, and taking it over from a holder that died, repairing what the
 * holder left. SPSC rings have none.
 */
final class ReservationLock {
    /** This process in the reservation lock. */
    static final long ME = RingDescriptor.reserverWord(PID, ProcessIdentity.current().startTime());
    /** Polls of a held reservation lock before the holder is taken for slow: it holds it for a few stores. */
    static final int LOCK_SPIN_LIMIT = 128;

    private final MemorySegment region;
    private final int capacity;
    private final int mask;

    ReservationLock(MemorySegment region, int capacity) {
        this.region = region;
        this.capacity = capacity;
        this.mask = capacity - 1;
    }

    /**
     * Takes the lock, spinning briefly if it is held. {@return whether it did} The CAS
     * reads the last holder's release of the lock, so its position store is visible.
     */
    boolean take() {
        return LONG.compareAndSet(region, RESERVATION_LOCK_AT, 0L, ME) || lockAfterSpin();
    }

    void release() {
        LONG.setRelease(region, RESERVATION_LOCK_AT, 0L);
    }

    /** Test and test-and-set, briefly: a holder keeps the lock for a few stores. */
    private boolean lockAfterSpin() {
        for (int i = 0; i < LOCK_SPIN_LIMIT; i++) {
            Thread.onSpinWait();
            if ((long) LONG.getOpaque(region, RESERVATION_LOCK_AT) == 0
                    && LONG.compareAndSet(region, RESERVATION_LOCK_AT, 0L, ME)) {
                return true;
            }
        }
        return false;
    }

    /**
     * If the lock is held by a process that has ended, takes it over, moves the producer
     * position past what the dead holder wrote, and frees it. {@return whether it did}
     */
    boolean recover() {
        long holder = (long) LONG.getVolatile(region, RESERVATION_LOCK_AT);
        if (holder == 0 || holder == ME || reserverAlive(holder)
                || !LONG.compareAndSet(region, RESERVATION_LOCK_AT, holder, ME)) {
            return false;
        }
        try {
            repairProducerPosition();
        } finally {
            release();
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
        // Garbage positions: leave them for the producer's checks to report.
        while ((tail & (RecordDescriptor.ALIGNMENT - 1)) == 0 && tail - head >= 0 && tail - head < capacity) {
            int index = (int) tail & mask;
            long word = (long) LONG.getVolatile(region, at(index));
            int length = lengthOf(word) < 0 ? RecordDescriptor.claimLength(word) : lengthOf(word);
            if (word == 0 || length < RecordDescriptor.HEADER_LENGTH || length > capacity - index) {
                // Free space, or garbage the next claim writes over: the position stops here.
                break;
            }
            tail += alignedLength(length);
        }
        LONG.setRelease(region, PRODUCER_POSITION_AT, tail);
    }

    /**
     * A dead claim beyond the producer position means its producer died holding the lock:
     * recover it. {@return whether the producer position is (now) past {@code position}}
     */
    boolean publishDeadClaim(long position) {
        if ((long) LONG.getVolatile(region, PRODUCER_POSITION_AT) > position) {
            return true;
        }
        recover();
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
