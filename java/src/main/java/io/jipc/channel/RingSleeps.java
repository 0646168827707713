package io.jipc.channel;

import io.jipc.internal.Blocker;
import io.jipc.internal.Futex;
import io.jipc.internal.Lifetime;
import io.jipc.posix.Membarrier;
import io.jipc.ring.RingDescriptor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The kernel sleeps of an {@code shm:} channel's ring, for jipc's wait loop, so that the
 * channel waits under its own {@link Lifetime} (a close or an interrupt of the channel ends
 * the wait at once) with its own wait strategy. They follow the waiting protocol that
 * {@link RingDescriptor} publishes for every process that uses a ring (its C twin too): add
 * oneself to the sleepers, pay the asymmetric fence ({@code membarrier}, for the publisher's
 * unfenced read of the sleepers; the ring registered this process when it was created or
 * attached), read the sequence word, re-check, {@code FUTEX_WAIT} on the sequence; a wake is
 * an add to the sequence and {@code FUTEX_WAKE}. A sleeper whose barrier failed naps
 * instead, as the ring's own do. (The ring keeps these sleeps private to its own waits; when
 * it offers them under a caller's lifetime, this class goes.)
 */
final class RingSleeps {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** A head record claimed and not committed: its claimer may have died, which the next poll finds out. */
    private static final long STALL_NANOS = 100_000_000L;
    /** Room that a busy reservation lock hides: the lock's release sends no wake-up. */
    private static final long BUSY_NAP_NANOS = 1_000_000L;
    /** Longest sleep of a waiter whose membarrier failed: it may have missed a publish. */
    private static final long UNFENCED_NAP_NANOS = 1_000_000L;
    /** How often a sender waiting for room asks whether the binder still lives. */
    static final long LIVENESS_NANOS = 50_000_000L;

    private RingSleeps() {
    }

    /** {@return the futex word at {@code offset} of {@code ring}} */
    private static MemorySegment word(MemorySegment ring, int offset) {
        return ring.asSlice(offset, Integer.BYTES);
    }

    /** Wakes every consumer asleep on {@code ring}: the data sequence moves. */
    static void wakeConsumers(MemorySegment ring) {
        INT.getAndAdd(ring, (long) RingDescriptor.DATA_SEQUENCE_OFFSET, 1);
        Futex.wakeAll(word(ring, RingDescriptor.DATA_SEQUENCE_OFFSET));
    }

    /** Wakes every producer asleep on {@code ring}, in any process: the space sequence moves. */
    static void wakeProducers(MemorySegment ring) {
        INT.getAndAdd(ring, (long) RingDescriptor.SPACE_SEQUENCE_OFFSET, 1);
        Futex.wakeAll(word(ring, RingDescriptor.SPACE_SEQUENCE_OFFSET));
    }

    /** The consumer's sleep until a record is committed; one per receiving end. */
    static final class Data extends Blocker {
        private final MemorySegment ring;
        private final MemorySegment sequence;
        private final long mask;

        Data(Lifetime lifetime, MemorySegment ring, int capacity) {
            super(lifetime);
            this.ring = ring;
            this.sequence = word(ring, RingDescriptor.DATA_SEQUENCE_OFFSET);
            this.mask = capacity - 1;
        }

        @Override
        protected void block(long maxNanos) {
            INT.getAndAdd(ring, (long) RingDescriptor.CONSUMER_SLEEPERS_OFFSET, 1);
            try {
                boolean fenced = Membarrier.globalExpedited() == 0;
                int seq = (int) INT.getVolatile(ring, (long) RingDescriptor.DATA_SEQUENCE_OFFSET);
                long head = (long) LONG.getVolatile(ring, (long) RingDescriptor.CONSUMER_POSITION_OFFSET);
                long word = (long) LONG.getVolatile(ring, RingDescriptor.HEADER_LENGTH + (head & mask));
                int length = (int) word; // the low half: 0 free, < 0 claimed, > 0 committed
                if (length <= 0) {
                    long nap = length < 0 ? STALL_NANOS : fenced ? maxNanos : UNFENCED_NAP_NANOS;
                    Futex.await(sequence, seq, Math.min(maxNanos, nap));
                }
            } finally {
                INT.getAndAdd(ring, (long) RingDescriptor.CONSUMER_SLEEPERS_OFFSET, -1);
            }
        }

        @Override
        protected void wakeKernel() {
            wakeConsumers(ring);
        }
    }

    /**
     * A producer's sleep until the consumer frees room, for one waiting send: it sleeps only
     * while the released position is the one its failed attempt saw, so a release between
     * that attempt and the sleep is never slept through.
     */
    static final class Space extends Blocker {
        private final MemorySegment ring;
        private final MemorySegment sequence;
        private final int capacity;
        private final long recordLength;
        private volatile long failedHead = Long.MIN_VALUE;

        Space(Lifetime lifetime, MemorySegment ring, int capacity, int messageLength) {
            super(lifetime);
            this.ring = ring;
            this.sequence = word(ring, RingDescriptor.SPACE_SEQUENCE_OFFSET);
            this.capacity = capacity;
            // Header plus message, aligned; wrapping may need more, which a nap covers.
            this.recordLength = (8L + messageLength + 7) & ~7L;
        }

        /** Notes the consumer position before an attempt; {@link #block} sleeps only while it stays. */
        void beforeAttempt() {
            failedHead = (long) LONG.getVolatile(ring, (long) RingDescriptor.CONSUMER_POSITION_OFFSET);
        }

        @Override
        protected long maxSliceNanos() {
            return LIVENESS_NANOS;
        }

        @Override
        protected void block(long maxNanos) {
            INT.getAndAdd(ring, (long) RingDescriptor.PRODUCER_SLEEPERS_OFFSET, 1);
            try {
                boolean fenced = Membarrier.globalExpedited() == 0;
                int seq = (int) INT.getVolatile(ring, (long) RingDescriptor.SPACE_SEQUENCE_OFFSET);
                // Released positions: the consumer wakes producers only when its position enters a new space block.
                long head = RingDescriptor.releasedPosition(
                        (long) LONG.getVolatile(ring, (long) RingDescriptor.CONSUMER_POSITION_OFFSET), capacity);
                if (head == RingDescriptor.releasedPosition(failedHead, capacity)) {
                    long tail = (long) LONG.getVolatile(ring, (long) RingDescriptor.PRODUCER_POSITION_OFFSET);
                    boolean full = tail - head + recordLength > capacity;
                    long nap = !full ? BUSY_NAP_NANOS : fenced ? maxNanos : UNFENCED_NAP_NANOS;
                    Futex.await(sequence, seq, Math.min(maxNanos, nap));
                }
            } finally {
                INT.getAndAdd(ring, (long) RingDescriptor.PRODUCER_SLEEPERS_OFFSET, -1);
            }
        }

        @Override
        protected void wakeKernel() {
            wakeProducers(ring);
        }
    }
}
