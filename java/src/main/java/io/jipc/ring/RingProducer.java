package io.jipc.ring;

import io.jipc.WaitStrategy;
import io.jipc.internal.Blocker;
import io.jipc.internal.Deadline;
import io.jipc.internal.Futex;
import io.jipc.internal.Wait;

import java.io.IOException;
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
    /** Rounds a consumer position down to its space block ({@link RingDescriptor#releasedPosition}). */
    private final long blockMask;
    /** MPSC: the reservation lock; SPSC: null. */
    private final ReservationLock lock;
    private final WaitStrategy strategy;

    /**
     * The producer's lower bound of the released position (the consumer position rounded
     * down to its space block): it only grows, so a stale copy is safe. Producer-side only:
     * SPSC has one producer thread, and MPSC producers touch it only while they hold the
     * reservation lock, whose CAS and release order them.
     */
    private long headCache;
    /** Looks of the consumer position, for the occasional shrink check (a stale count is harmless). */
    private int refreshes;
    private final RingMapping mapping;

    /**
     * Looks of the consumer position between two checks that a peer has not shrunk the
     * ring's object: a producer looks when its cached copy says the ring is full, so this
     * check is off the per-message path.
     */
    static final int SHRINK_CHECK_EVERY = 1024;

    RingProducer(MemorySegment region, int capacity, ReservationLock lock, WaitStrategy strategy,
                 RingMapping mapping) {
        this.region = region;
        this.mapping = mapping;
        this.dataSequenceWord = region.asSlice(DATA_SEQUENCE_AT, Integer.BYTES);
        this.spaceSequenceWord = region.asSlice(SPACE_SEQUENCE_AT, Integer.BYTES);
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.maxMessageLength = RingDescriptor.maxMessageLength(capacity);
        this.blockMask = -(long) RingDescriptor.spaceBlock(capacity);
        this.lock = lock;
        this.strategy = strategy;
        this.headCache = (long) LONG.getVolatile(region, CONSUMER_POSITION_AT) & blockMask;
    }

    int maxMessageLength() {
        return maxMessageLength;
    }

    /**
     * {@return a claim of {@code length} bytes, or null} Two small steps so that the one
     * that allocates stays small wherever it is compiled: the reservation ({@link #claimIndex},
     * never inlined for its size) returns an int, and {@link #claimAt} then makes the
     * {@link Claim} and its slice, which the caller's compilation scalar-replaces.
     */
    Claim claim(int length, Deadline deadline) {
        int index = claimIndex(length, deadline);
        return index < 0 ? null : claimAt(index, length);
    }

    /** {@return the data index of a record reserved for {@code length} bytes, or negative} */
    int claimIndex(int length, Deadline deadline) {
        return reserveWithin(recordLength(length), deadline);
    }

    Claim claimAt(int index, int length) {
        return new Claim(this, index, region.asSlice(at(messageOffset(index)), length));
    }

    boolean offer(int type, MemorySegment message, Deadline deadline) {
        RecordDescriptor.checkType(type);
        int recordLength = recordLength(message.byteSize());
        int length = recordLength - RecordDescriptor.HEADER_LENGTH;
        int index = reserveWithin(recordLength, deadline);
        if (index < 0) {
            return false;
        }
        try {
            MemorySegment.copy(message, 0, region, at(messageOffset(index)), length);
        } catch (Throwable t) {
            abort(index, length);
            throw t;
        }
        // Unchecked: between this call's claim and its commit only the copy above ran, in a live
        // process, so no consumer can have taken the claim for a dead one (see commit).
        publish(index, RecordDescriptor.HEADER_LENGTH + length, type);
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

    /**
     * Publishes, then wakes the consumer only if it sleeps. The commit is a release store,
     * not a compare-and-set: the record is provably this process's, because a consumer pads
     * over a claim only once it has found the claimer dead by pid and start-time stamp
     * (see {@link RingConsumer#claimerAlive}), and a live process is never found dead (all
     * processes of a ring share one pid namespace). The plain read before it still catches,
     * for a {@link Claim} the caller held across its own code, a ring re-created under the
     * claim or a header overwritten by a buggy or hostile peer.
     */
    void commit(int index, int length, int type) {
        int recordLength = RecordDescriptor.HEADER_LENGTH + length;
        if ((long) LONG.get(region, at(index)) != claimWord(recordLength)) {
            throw reclaimed(index);
        }
        publish(index, recordLength, type);
    }

    /**
     * The release store of a committed header and the wake-up, with no look at the header
     * first. {@link #offer} commits this way: the look costs a cache-line transfer whenever
     * the consumer, spinning on that header, read the line during the copy (measured: 0.01 to
     * 0.05 µs of a 64-byte round trip's 0.5 µs), and what it catches cannot happen inside one
     * offer call (see {@link #commit}).
     */
    private void publish(int index, int recordLength, int type) {
        // Release: the message bytes before it are visible to an acquire read of the header.
        LONG.setRelease(region, at(index), headerWord(recordLength, type));
        wakeConsumer();
    }

    /**
     * After a commit: wakes the consumer if it sleeps. No full fence between the release
     * store of the header and the read of the sleepers: a consumer about to sleep issues a
     * membarrier after joining the sleepers (see {@link SleeperFence}; the proof that no
     * wake-up is lost is in {@code RingConsumer.DataWait.block}). The read is volatile,
     * which costs a plain load on x86 and AArch64 and keeps the compiler from hoisting it
     * above the store.
     */
    private void wakeConsumer() {
        SleeperFence.afterPublish();
        if ((int) INT.getVolatile(region, CONSUMER_SLEEPERS_AT) != 0) {
            INT.getAndAdd(region, DATA_SEQUENCE_AT, 1);
            Futex.wakeAll(dataSequenceWord);
        }
    }

    /** The record becomes padding; nobody needs waking for it. */
    void abort(int index, int length) {
        int recordLength = RecordDescriptor.HEADER_LENGTH + length;
        long header = at(index);
        if ((long) LONG.get(region, header) != claimWord(recordLength)) {
            throw reclaimed(index);
        }
        LONG.setRelease(region, header, headerWord(recordLength, PADDING_TYPE));
    }

    /** {@return this process's claim of a record of {@code recordLength} bytes} */
    private static long claimWord(int recordLength) {
        return RecordDescriptor.claimWord(recordLength, PID, RingHeader.START_TIME);
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
     * Reserves {@code alignedLength(recordLength)} bytes at the producer position, which the
     * caller alone may move (the SPSC producer, or the holder of the MPSC reservation lock):
     * writes padding first if the record would straddle the end, then the claimed header
     * naming this process, then the new position, so no byte below the producer position
     * is ever without a header naming its owner.
     *
     * <p>All the space arithmetic in one method, on purpose long: HotSpot never inlines a
     * method of this size, so the small {@link #claim} that calls it stays small when
     * compiled, is inlined into its caller, and there its {@link Claim} and slice are
     * scalar-replaced (split into smaller methods, {@code claim} was compiled with all of
     * it inlined and allocated 72 bytes per message).
     *
     * @return the record's data index, {@link #INSUFFICIENT_CAPACITY}, or (MPSC)
     *         {@link #RESERVATION_BUSY}
     */
    private int reserve(int recordLength) {
        if (lock != null && !lock.take()) {
            return RESERVATION_BUSY;
        }
        try {
            // MPSC: the lock's CAS read the last holder's release of the lock and its position store.
            long tail = (long) LONG.getAcquire(region, PRODUCER_POSITION_AT);
            int required = alignedLength(recordLength);
            if ((tail & (RecordDescriptor.ALIGNMENT - 1)) != 0) {
                throw corruptPositions(tail, headCache);
            }
            long head = headCache;
            if (!fits(required, tail, head) || tail - head < -capacity) {
                head = refreshHead(tail);
                if (!fits(required, tail, head)) {
                    return INSUFFICIENT_CAPACITY;
                }
            }
            int index = (int) tail & mask;
            int toEnd = capacity - index;
            int padding = 0;
            if (required > toEnd) {
                // The record goes at index 0 behind padding; room there ends at the released index.
                if (required > ((int) head & mask)) {
                    head = refreshHead(tail);
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
            LONG.setRelease(region, at(index), claimWord(recordLength));
            LONG.setRelease(region, PRODUCER_POSITION_AT, tail + padding + required);
            return index;
        } finally {
            if (lock != null) {
                lock.release();
            }
        }
    }

    /**
     * {@return the released position, read now: the consumer position rounded down to its
     * space block, so that a full ring's producer never writes into the block the consumer
     * reads (see "space block" in {@link RingDescriptor})} The exact position is checked
     * against {@code tail}: the consumer may be ahead of it by a padding it took (MPSC:
     * before the lock holder stored the position; both: after a dead producer's claim),
     * never by a capacity, and behind it never by more than one.
     */
    private long refreshHead(long tail) {
        if ((++refreshes & (SHRINK_CHECK_EVERY - 1)) == 0) {
            mapping.check();
        }
        long head = (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
        long used = tail - head;
        if (used > capacity || used < -capacity || (head & (RecordDescriptor.ALIGNMENT - 1)) != 0) {
            throw corruptPositions(tail, head);
        }
        headCache = head & blockMask;
        return headCache;
    }

    private RingCorruptedException corruptPositions(long tail, long head) {
        return new RingCorruptedException(RingHeader.describe(region, capacity), tail, tail,
                "the producer position " + tail + " and the consumer position " + head
                        + " are misaligned or further apart than the capacity");
    }

    /**
     * {@return whether {@code required} bytes fit between {@code tail} and {@code head}} In
     * 64 bits: a stale head may trail the tail by far more than 2 GiB, and an MPSC tail read
     * before a newer head may even be behind it (then the caller's CAS fails).
     */
    private boolean fits(int required, long tail, long head) {
        return required <= (long) capacity - (tail - head);
    }

    /**
     * Reserves, waiting as {@code strategy} says until {@code deadline} for room. {@return the
     * record's index, or a negative "nothing" when the deadline passed}
     */
    private int reserveWithin(int recordLength, Deadline deadline) {
        int index = reserve(recordLength);
        if (index >= 0) {
            return index;
        }
        if (deadline.isNow()) {
            // Held past a spin: the holder may be dead, and then nobody else may come to recover.
            return index == RESERVATION_BUSY && recoverReservation() ? reserve(recordLength) : index;
        }
        try {
            SpaceWait wait = new SpaceWait(recordLength);
            Integer got = Wait.until(wait, wait, strategy, deadline, null, Wait.Interrupts.IGNORE);
            return got == null ? INSUFFICIENT_CAPACITY : got;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("a ring wait has no lifetime, no interrupts and no I/O", e);
        }
    }

    /**
     * One wait for room (slow path only: allocated once a reservation has failed). Its
     * attempts reserve; its sleep joins the producer sleepers and sleeps on the space
     * sequence only if the released position is still the one the last attempt failed
     * against, so that a release between that attempt and the sleep is never slept through.
     */
    private final class SpaceWait extends Blocker implements Wait.Attempt<Integer> {
        private final int recordLength;
        private volatile long failedHead = Long.MIN_VALUE;
        private volatile boolean busy;
        private long tries;

        SpaceWait(int recordLength) {
            super(null);
            this.recordLength = recordLength;
        }

        @Override
        public Integer attempt() {
            // Read before the reservation does: a release after this read makes block return at once.
            long head = (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
            int index = reserve(recordLength);
            if (index == RESERVATION_BUSY && ++tries > strategy.spins() && recoverReservation()) {
                index = reserve(recordLength);
            }
            if (index >= 0) {
                return index;
            }
            busy = index == RESERVATION_BUSY;
            failedHead = head;
            return null;
        }

        @Override
        protected void block(long maxNanos) {
            mapping.check();
            INT.getAndAdd(region, PRODUCER_SLEEPERS_AT, 1);
            boolean intact = false;
            try {
                // The consumer releases space with a release store and then reads the
                // sleepers unfenced: this barrier makes one of the two see the other (the
                // argument of RingConsumer.DataWait.block, with the roles swapped).
                boolean fenced = SleeperFence.beforeSleep();
                int sequence = (int) INT.getVolatile(region, SPACE_SEQUENCE_AT);
                // Released positions: the consumer wakes us only when its position enters a new block.
                if (((long) LONG.getVolatile(region, CONSUMER_POSITION_AT) & blockMask) == (failedHead & blockMask)) {
                    long nap = busy ? BUSY_NAP_NANOS : fenced ? maxNanos : SleeperFence.UNFENCED_NAP_NANOS;
                    // A lock release sends no wake-up: a busy lock is looked at again soon.
                    Futex.await(spaceSequenceWord, sequence, Math.min(maxNanos, nap));
                }
                // Before the ring is touched again: the object may have shrunk while we slept.
                mapping.check();
                intact = true;
            } finally {
                if (intact) {
                    // Not after a shrink or a closed region: a count left too high costs only wake calls.
                    INT.getAndAdd(region, PRODUCER_SLEEPERS_AT, -1);
                }
            }
        }

        @Override
        protected void wakeKernel() {
            INT.getAndAdd(region, SPACE_SEQUENCE_AT, 1);
            Futex.wakeAll(spaceSequenceWord);
        }
    }
}
