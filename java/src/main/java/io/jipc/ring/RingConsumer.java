package io.jipc.ring;

import io.jipc.WaitStrategy;
import io.jipc.internal.Blocker;
import io.jipc.internal.Deadline;
import io.jipc.internal.Futex;
import io.jipc.internal.Wait;
import io.jipc.process.ProcessIdentity;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

import static io.jipc.ring.RecordDescriptor.PADDING_TYPE;
import static io.jipc.ring.RecordDescriptor.alignedLength;
import static io.jipc.ring.RecordDescriptor.headerWord;
import static io.jipc.ring.RecordDescriptor.lengthOf;
import static io.jipc.ring.RecordDescriptor.messageOffset;
import static io.jipc.ring.RecordDescriptor.typeOf;
import static io.jipc.ring.RingHeader.CONSUMER_POSITION_AT;
import static io.jipc.ring.RingHeader.CONSUMER_SLEEPERS_AT;
import static io.jipc.ring.RingHeader.DATA_SEQUENCE_AT;
import static io.jipc.ring.RingHeader.DEAD_PRODUCER_RECORDS_SKIPPED_AT;
import static io.jipc.ring.RingHeader.INT;
import static io.jipc.ring.RingHeader.LONG;
import static io.jipc.ring.RingHeader.PRODUCER_POSITION_AT;
import static io.jipc.ring.RingHeader.PRODUCER_SLEEPERS_AT;
import static io.jipc.ring.RingHeader.SPACE_SEQUENCE_AT;
import static io.jipc.ring.RingHeader.at;

/**
 * The consumer side of a ring: handing ready records to a handler, releasing and zeroing
 * their space, skipping the claims of dead producers, and waiting for data. One thread at
 * a time.
 */
final class RingConsumer {
    /** Longest sleep while the head record is claimed, and how long a claim must stall before its claimer is checked. */
    static final long STALL_NANOS = 100_000_000L;

    private final MemorySegment region;
    private final MemorySegment readOnlyRegion;
    private final MemorySegment dataSequenceWord;
    private final MemorySegment spaceSequenceWord;
    private final int capacity;
    private final int mask;
    /** Rounds a position down to its space block: producers wait for a new block, not a new position. */
    private final long blockMask;
    /** MPSC: the reservation lock, for recovering a dead claim beyond the position; SPSC: null. */
    private final ReservationLock lock;
    private final WaitStrategy strategy;

    /** Empty polls between two checks that a peer has not shrunk the ring's object. */
    static final int SHRINK_CHECK_EVERY = 1 << 16;
    /** Largest batch zeroed by a loop of stores rather than by {@code fill}. */
    private static final int ZERO_BY_STORES = 256;

    private final RingMapping mapping;
    /** Polls that found nothing, for the occasional shrink check. */
    private int emptyPolls;
    /** Whether the last poll handled nothing but took the padding up to the end of the data area. */
    private boolean wrapped;

    // A stalled claim at the head, as this consumer saw it.
    private long stallPosition = -1;
    private long stallWord;
    private long stallSince;

    RingConsumer(MemorySegment region, int capacity, ReservationLock lock, WaitStrategy strategy,
                 RingMapping mapping) {
        this.region = region;
        this.mapping = mapping;
        this.readOnlyRegion = region.asReadOnly();
        this.dataSequenceWord = region.asSlice(DATA_SEQUENCE_AT, Integer.BYTES);
        this.spaceSequenceWord = region.asSlice(SPACE_SEQUENCE_AT, Integer.BYTES);
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.blockMask = -(long) RingDescriptor.spaceBlock(capacity);
        this.lock = lock;
        this.strategy = strategy;
    }

    /**
     * Hands up to {@code limit} ready records to {@code handler} or, if it is null, to
     * {@code spans}; one loop for both forms, so neither pays for the other.
     */
    int poll(RecordHandler handler, RecordSpanHandler spans, int limit) {
        if (handler == null && spans == null) {
            throw new NullPointerException("handler");
        }
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, not " + limit);
        }
        long head = head();
        int headIndex = (int) head & mask;
        int blockLength = capacity - headIndex;
        int bytesRead = 0;
        int count = 0;
        try {
            while (bytesRead < blockLength && count < limit) {
                int index = headIndex + bytesRead;
                long word = (long) LONG.getAcquire(region, at(index));
                int length = lengthOf(word);
                if (length <= 0) {
                    if (length < 0 && bytesRead == 0 && reclaimIfDead(head, index, word)) {
                        continue;
                    }
                    break;
                }
                // Bounded before it is rounded up: a peer's length near 2^31 overflows the rounding.
                if (length < RecordDescriptor.HEADER_LENGTH || length > blockLength - bytesRead) {
                    throw corrupt(head + bytesRead, word, "has a length that does not fit before the end of the ring");
                }
                int type = typeOf(word);
                if (type < 0 && type != PADDING_TYPE) {
                    throw corrupt(head + bytesRead, word, "has a negative type");
                }
                bytesRead += alignedLength(length);
                if (type == PADDING_TYPE) {
                    continue;
                }
                count++;
                long message = at(messageOffset(index));
                int messageLength = length - RecordDescriptor.HEADER_LENGTH;
                if (handler != null) {
                    handler.onRecord(type, readOnlyRegion.asSlice(message, messageLength));
                } else {
                    spans.onRecord(type, readOnlyRegion, message, messageLength);
                }
            }
        } finally {
            if (bytesRead > 0) {
                release(head, headIndex, bytesRead);
            }
        }
        wrapped = count == 0 && bytesRead == blockLength;
        if (count == 0 && (++emptyPolls & (SHRINK_CHECK_EVERY - 1)) == 0) {
            mapping.check();
        }
        return count;
    }

    /** {@return the consumer position} Only this consumer writes it, always a multiple of 8. */
    private long head() {
        long head = (long) LONG.getOpaque(region, CONSUMER_POSITION_AT);
        if ((head & (RecordDescriptor.ALIGNMENT - 1)) != 0) {
            throw new RingCorruptedException(RingHeader.describe(region, capacity), head, head,
                    "the consumer position is not a multiple of " + RecordDescriptor.ALIGNMENT);
        }
        return head;
    }

    /**
     * Zeroes the consumed bytes, publishes the new head with a release store, wakes
     * producers only if they sleep and the head entered a new space block (before that
     * they have no more room: see {@link RingDescriptor#releasedPosition}). The read of the
     * sleepers needs no fence after the store: a producer about to sleep issues a
     * membarrier ({@link SleeperFence}).
     */
    private void release(long head, int headIndex, int bytes) {
        if (bytes <= ZERO_BY_STORES) {
            // Short batches (the usual one or two records): plain stores, no call.
            for (int i = 0; i < bytes; i += Long.BYTES) {
                LONG.set(region, at(headIndex + i), 0L);
            }
        } else {
            region.asSlice(at(headIndex), bytes).fill((byte) 0);
        }
        // Release: the zeroes (and the handlers' reads) before it, for a producer that reads the new head.
        LONG.setRelease(region, CONSUMER_POSITION_AT, head + bytes);
        SleeperFence.afterPublish();
        if (((head ^ (head + bytes)) & blockMask) != 0 && (int) INT.getVolatile(region, PRODUCER_SLEEPERS_AT) != 0) {
            INT.getAndAdd(region, SPACE_SEQUENCE_AT, 1);
            Futex.wakeAll(spaceSequenceWord);
        }
    }

    /**
     * A claimed record blocks the head. Time it on this process's clock (no clock is shared
     * between processes); once it has stalled {@link #STALL_NANOS}, and again every
     * {@code STALL_NANOS}, ask whether its claimer still lives.
     */
    private boolean reclaimIfDead(long head, int index, long word) {
        long now = System.nanoTime();
        if (head != stallPosition || word != stallWord) {
            stallPosition = head;
            stallWord = word;
            stallSince = now;
            return false;
        }
        if (now - stallSince < STALL_NANOS) {
            return false;
        }
        stallSince = now;
        return skipIfDead(head, index, word);
    }

    /** Pads over the claim {@code word} at {@code head} if its claimer has ended. */
    private boolean skipIfDead(long head, int index, long word) {
        int length = RecordDescriptor.claimLength(word);
        if (length < RecordDescriptor.HEADER_LENGTH || length > capacity - index) {
            throw corrupt(head, word, "is a claim whose length does not fit before the end of the ring");
        }
        return !claimerAlive(word) && publishDeadClaim(head, alignedLength(length)) && padOver(index, word, length);
    }

    /**
     * {@return whether the process a claim names runs: its pid is taken, by a process whose
     * start time has the claim's stamp} A pid reused by another process is no claimer. A
     * start time that cannot be read (another user's process under {@code hidepid}) counts
     * as a match: never pad over a claim whose claimer may live.
     */
    static boolean claimerAlive(long claimWord) {
        return ProcessIdentity.of(RecordDescriptor.claimPid(claimWord))
                .map(p -> p.startTime() == 0 || RecordDescriptor.stampOf(p.startTime())
                        == RecordDescriptor.claimStamp(claimWord))
                .orElse(false);
    }

    /**
     * Makes sure the producer position is past the dead claim at {@code position}, whose
     * producer may have died before moving it. {@return whether it now is} SPSC: the
     * producer died between its claimed header and its position store, so the consumer
     * stores it; MPSC: it died holding the reservation lock, which is recovered.
     */
    private boolean publishDeadClaim(long position, int alignedLength) {
        if (lock != null) {
            return lock.publishDeadClaim(position);
        }
        long tail;
        while ((tail = (long) LONG.getVolatile(region, PRODUCER_POSITION_AT)) <= position) {
            if (LONG.compareAndSet(region, PRODUCER_POSITION_AT, tail, position + alignedLength)) {
                break;
            }
        }
        return true;
    }

    /** Turns the record at {@code index}, still {@code expected}, into counted padding of {@code length}. */
    private boolean padOver(int index, long expected, int length) {
        if (!LONG.compareAndSet(region, at(index), expected, headerWord(length, PADDING_TYPE))) {
            return false;
        }
        LONG.getAndAdd(region, DEAD_PRODUCER_RECORDS_SKIPPED_AT, 1L);
        return true;
    }

    private RingCorruptedException corrupt(long position, long word, String what) {
        String record = lengthOf(word) < 0
                ? "the record claimed for " + RecordDescriptor.claimLength(word) + " bytes by pid "
                        + RecordDescriptor.claimPid(word)
                : "the record of length " + lengthOf(word) + " and type " + typeOf(word);
        return new RingCorruptedException(RingHeader.describe(region, capacity), position, word, record + " " + what);
    }

    /** {@link Ring#unblock()}. */
    boolean unblock() {
        boolean recovered = lock != null && lock.recover();
        long head = head();
        int headIndex = (int) head & mask;
        long word = (long) LONG.getVolatile(region, at(headIndex));
        return lengthOf(word) < 0 && skipIfDead(head, headIndex, word) || recovered;
    }

    /** Polls, waiting as {@code strategy} says until {@code deadline} for a message. */
    int read(RecordHandler handler, RecordSpanHandler spans, int limit, Deadline deadline) {
        int n = poll(handler, spans, limit);
        if (n == 0 && wrapped) {
            // A poll stops at the end of the data area; it took only the padding there.
            n = poll(handler, spans, limit);
        }
        if (n > 0 || deadline.isNow()) {
            return n;
        }
        try {
            DataWait wait = new DataWait(handler, spans, limit);
            Integer got = Wait.until(wait, wait, strategy, deadline, null, Wait.Interrupts.IGNORE);
            return got == null ? 0 : got;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("a ring wait has no lifetime, no interrupts and no I/O", e);
        }
    }

    /**
     * One wait for data (slow path only). Its attempts poll; its sleep joins the consumer
     * sleepers and sleeps on the data sequence only while the head record is not ready,
     * and only a stall's length while it is claimed (its claimer may be dead).
     */
    private final class DataWait extends Blocker implements Wait.Attempt<Integer> {
        private final RecordHandler handler;
        private final RecordSpanHandler spans;
        private final int limit;

        DataWait(RecordHandler handler, RecordSpanHandler spans, int limit) {
            super(null);
            this.handler = handler;
            this.spans = spans;
            this.limit = limit;
        }

        @Override
        public Integer attempt() {
            int n = poll(handler, spans, limit);
            return n > 0 ? n : null;
        }

        /**
         * No lost wake-up, although a producer's commit is a release store followed by an
         * unfenced read of {@code CONSUMER_SLEEPERS}. This side: (a) add to the sleepers (a
         * locked read-modify-write), (b) membarrier, (c) read the data sequence, (d) read the
         * head record. A producer thread P: (1) release-store the committed header, (2) read
         * the sleepers, (3) if non-zero, add to the sequence and wake. The membarrier makes P
         * run a full barrier at some point B of its execution before (b) returns
         * (descheduled threads passed one at their context switch). If B comes after (1),
         * the header is globally visible before (b) returns, so (d) sees it and we do not
         * sleep. If B comes before (1), then (2) comes after B, which comes after (a), so P
         * reads a non-zero count and wakes us: its add to the sequence either precedes (c),
         * so its header store (before the add) is visible to (d), or follows (c), so the
         * futex word differs from what we read and FUTEX_WAIT returns at once. Program order
         * of (1) before (2) in P is kept: (2) is a volatile read, which no compiler moves above
         * an earlier store of the same thread to shared memory in practice, and on x86 and
         * AArch64 only the store buffer could reorder them, which the barrier drains. A
         * process without membarrier fences (1)-(2) itself; if our membarrier fails we nap
         * ({@link SleeperFence#UNFENCED_NAP_NANOS}) instead of sleeping.
         */
        @Override
        protected void block(long maxNanos) {
            mapping.check();
            INT.getAndAdd(region, CONSUMER_SLEEPERS_AT, 1);
            boolean intact = false;
            try {
                boolean fenced = SleeperFence.beforeSleep();
                int sequence = (int) INT.getVolatile(region, DATA_SEQUENCE_AT);
                long head = head();
                int length = lengthOf((long) LONG.getVolatile(region, at((int) head & mask)));
                if (length <= 0) {
                    long nap = length < 0 ? STALL_NANOS : fenced ? maxNanos : SleeperFence.UNFENCED_NAP_NANOS;
                    Futex.await(dataSequenceWord, sequence, Math.min(maxNanos, nap));
                }
                // Before the ring is touched again: the object may have shrunk while we slept.
                mapping.check();
                intact = true;
            } finally {
                if (intact) {
                    // Not after a shrink or a closed region: a count left too high costs only wake calls.
                    INT.getAndAdd(region, CONSUMER_SLEEPERS_AT, -1);
                }
            }
        }

        @Override
        protected void wakeKernel() {
            INT.getAndAdd(region, DATA_SEQUENCE_AT, 1);
            Futex.wakeAll(dataSequenceWord);
        }
    }
}
