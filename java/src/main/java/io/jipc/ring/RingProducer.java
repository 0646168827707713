package io.jipc.ring;

import io.jipc.posix.Clocks;
import io.jipc.posix.Futex;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.jipc.ring.RecordDescriptor.PADDING_TYPE;
import static io.jipc.ring.RecordDescriptor.alignedLength;
import static io.jipc.ring.RecordDescriptor.headerWord;
import static io.jipc.ring.RecordDescriptor.messageOffset;
import static io.jipc.ring.RingHeader.CONSUMER_POSITION_AT;
import static io.jipc.ring.RingHeader.CONSUMER_SLEEPERS_AT;
import static io.jipc.ring.RingHeader.DATA_SEQUENCE_AT;
import static io.jipc.ring.RingHeader.INT;
import static io.jipc.ring.RingHeader.LONG;
import static io.jipc.ring.RingHeader.PID;
import static io.jipc.ring.RingHeader.PRODUCER_POSITION_AT;
import static io.jipc.ring.RingHeader.PRODUCER_SLEEPERS_AT;
import static io.jipc.ring.RingHeader.SPACE_SEQUENCE_AT;
import static io.jipc.ring.RingHeader.at;

/**
 * The producer side of a ring: reserving space (alone for SPSC, under the
 * {@link ReservationLock} for MPSC), committing and aborting, and waiting for space.
 * One instance per ring handle; SPSC: one producer thread at a time, MPSC: any number.
 */
final class RingProducer {
    /** What a reservation returns when the ring has no room. */
    static final int INSUFFICIENT_CAPACITY = -1;
    /** What an MPSC reservation returns when another process has held the reservation lock past a spin. */
    static final int RESERVATION_BUSY = -2;
    /**
     * Longest sleep of a producer waiting for the reservation lock after spinning: the
     * release sends no wake-up (a holder keeps the lock for a few stores), and each wake
     * checks whether the holder has died.
     */
    static final long BUSY_NAP_NANOS = 1_000_000L;

    private final MemorySegment region;
    private final MemorySegment dataSequenceWord;
    private final MemorySegment spaceSequenceWord;
    private final int capacity;
    private final int mask;
    private final int maxMessageLength;
    /** MPSC: the reservation lock; SPSC: null. */
    private final ReservationLock lock;

    /**
     * The producer's lower bound of the consumer position: it only grows, so a stale copy
     * is safe. Producer-side only: SPSC has one producer thread, and MPSC producers touch
     * it only while they hold the reservation lock, whose CAS and release order them.
     */
    private long headCache;

    RingProducer(MemorySegment region, int capacity, ReservationLock lock) {
        this.region = region;
        this.dataSequenceWord = region.asSlice(DATA_SEQUENCE_AT, Integer.BYTES);
        this.spaceSequenceWord = region.asSlice(SPACE_SEQUENCE_AT, Integer.BYTES);
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.maxMessageLength = RingDescriptor.maxMessageLength(capacity);
        this.lock = lock;
        this.headCache = (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
    }

    int maxMessageLength() {
        return maxMessageLength;
    }

    /** {@code timeoutNanos}: {@link RingBase#NOW}, {@link RingBase#FOREVER} or a positive budget. */
    Claim claim(int length, long timeoutNanos) {
        int recordLength = recordLength(length);
        int index = reserveWithin(recordLength, timeoutNanos);
        if (index < 0) {
            return null;
        }
        return new Claim(this, index, region.asSlice(at(messageOffset(index)), length));
    }

    /** {@code timeoutNanos}: {@link RingBase#NOW}, {@link RingBase#FOREVER} or a positive budget. */
    boolean offer(int type, MemorySegment message, long timeoutNanos) {
        RecordDescriptor.checkType(type);
        int recordLength = recordLength(message.byteSize());
        int length = recordLength - RecordDescriptor.HEADER_LENGTH;
        int index = reserveWithin(recordLength, timeoutNanos);
        if (index < 0) {
            return false;
        }
        try {
            MemorySegment.copy(message, 0, region, at(messageOffset(index)), length);
        } catch (Throwable t) {
            abort(index, length);
            throw t;
        }
        commit(index, length, type);
        return true;
    }

    private int recordLength(long length) {
        if (length < 0 || length > maxMessageLength) {
            throw new IllegalArgumentException("message of " + length + " bytes does not fit: this ring of "
                    + capacity + " bytes carries messages of 0 to " + maxMessageLength + " bytes (capacity / "
                    + RingDescriptor.MAX_MESSAGE_DIVISOR + ")");
        }
        return RecordDescriptor.HEADER_LENGTH + (int) length;
    }

    /** Publishes, then wakes the consumer only if it sleeps. */
    void commit(int index, int length, int type) {
        int recordLength = RecordDescriptor.HEADER_LENGTH + length;
        // A volatile CAS: the message bytes before it are visible to an acquire read of the
        // header, and it is ordered before the volatile read of the sleepers (no lost wake-up).
        if (!LONG.compareAndSet(region, at(index), headerWord(-recordLength, PID), headerWord(recordLength, type))) {
            throw reclaimed(index);
        }
        if ((int) INT.getVolatile(region, CONSUMER_SLEEPERS_AT) != 0) {
            INT.getAndAdd(region, DATA_SEQUENCE_AT, 1);
            Futex.wake(dataSequenceWord, Integer.MAX_VALUE);
        }
    }

    /** The record becomes padding; nobody needs waking for it. */
    void abort(int index, int length) {
        int recordLength = RecordDescriptor.HEADER_LENGTH + length;
        if (!LONG.compareAndSet(region, at(index), headerWord(-recordLength, PID), headerWord(recordLength, PADDING_TYPE))) {
            throw reclaimed(index);
        }
    }

    private IllegalStateException reclaimed(int index) {
        return new IllegalStateException("the record claimed at index " + index + " is no longer this process's"
                + " claim: the consumer reclaimed it (it took pid " + PID + " for dead), or the ring was re-created");
    }

    /** MPSC: takes a reservation lock over from a dead holder. {@return whether it did} */
    boolean recoverReservation() {
        return lock != null && lock.recover();
    }

    /**
     * Reserves {@code alignedLength(recordLength)} bytes, writes padding first if the record
     * would straddle the end, and writes the claimed header (negative length, our pid).
     *
     * @return the record's data index, {@link #INSUFFICIENT_CAPACITY}, or (MPSC)
     *         {@link #RESERVATION_BUSY}
     */
    private int reserve(int recordLength) {
        if (lock == null) {
            return reserveAt((long) LONG.getAcquire(region, PRODUCER_POSITION_AT), recordLength);
        }
        if (!lock.take()) {
            return RESERVATION_BUSY;
        }
        try {
            return reserveAt((long) LONG.getOpaque(region, PRODUCER_POSITION_AT), recordLength);
        } finally {
            lock.release();
        }
    }

    /**
     * Reserves room at {@code tail}, which the caller alone may move (the SPSC producer, or
     * the holder of the MPSC reservation lock): writes the headers, then the new position,
     * so no byte below the producer position is ever without a header naming its owner.
     *
     * @return the record's data index, or {@link #INSUFFICIENT_CAPACITY}
     */
    private int reserveAt(long tail, int recordLength) {
        int required = alignedLength(recordLength);
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

    /**
     * {@return whether {@code required} bytes fit between {@code tail} and {@code head}} In
     * 64 bits: a stale head may trail the tail by far more than 2 GiB, and an MPSC tail read
     * before a newer head may even be behind it (then the caller's CAS fails).
     */
    private boolean fits(int required, long tail, long head) {
        return required <= (long) capacity - (tail - head);
    }

    /** Spin, then sleep on the space sequence until {@link #reserve} succeeds or time is up. */
    private int reserveWithin(int recordLength, long timeoutNanos) {
        int index = reserve(recordLength);
        if (index >= 0) {
            return index;
        }
        if (timeoutNanos == RingBase.NOW) {
            // Held past a spin: the holder may be dead, and then nobody else may come to recover.
            return index == RESERVATION_BUSY && recoverReservation() ? reserve(recordLength) : index;
        }
        long start = System.nanoTime();
        for (int i = 0; i < RingBase.SPIN_LIMIT + RingBase.YIELD_LIMIT; i++) {
            if (i < RingBase.SPIN_LIMIT) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            index = reserve(recordLength);
            if (index >= 0) {
                return index;
            }
            if (timeoutNanos > 0 && System.nanoTime() - start >= timeoutNanos) {
                return INSUFFICIENT_CAPACITY;
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timespec = Clocks.timespec(arena);
            while (true) {
                long left = timeoutNanos < 0 ? RingBase.IDLE_SLICE_NANOS : timeoutNanos - (System.nanoTime() - start);
                if (left <= 0) {
                    return INSUFFICIENT_CAPACITY;
                }
                INT.getAndAdd(region, PRODUCER_SLEEPERS_AT, 1);
                try {
                    int sequence = (int) INT.getVolatile(region, SPACE_SEQUENCE_AT);
                    index = reserve(recordLength);
                    if (index >= 0) {
                        return index;
                    }
                    long slice = RingBase.IDLE_SLICE_NANOS;
                    if (index == RESERVATION_BUSY) {
                        if (recoverReservation()) {
                            continue;
                        }
                        slice = BUSY_NAP_NANOS;
                    }
                    Clocks.setTimespec(timespec, Math.min(left, slice));
                    RingBase.checkFutex(Futex.await(spaceSequenceWord, sequence, timespec));
                } finally {
                    INT.getAndAdd(region, PRODUCER_SLEEPERS_AT, -1);
                }
            }
        }
    }
}
