package io.jipc.ring;

import io.jipc.posix.Clocks;
import io.jipc.posix.Futex;
import io.jipc.process.ProcessIdentity;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

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
    /** MPSC: the reservation lock, for recovering a dead claim beyond the position; SPSC: null. */
    private final ReservationLock lock;

    // A stalled claim at the head, as this consumer saw it.
    private long stallPosition = -1;
    private long stallWord;
    private long stallSince;

    RingConsumer(MemorySegment region, int capacity, ReservationLock lock) {
        this.region = region;
        this.readOnlyRegion = region.asReadOnly();
        this.dataSequenceWord = region.asSlice(DATA_SEQUENCE_AT, Integer.BYTES);
        this.spaceSequenceWord = region.asSlice(SPACE_SEQUENCE_AT, Integer.BYTES);
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.lock = lock;
    }

    int poll(RecordHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, not " + limit);
        }
        long head = (long) LONG.getOpaque(region, CONSUMER_POSITION_AT);
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
                int aligned = alignedLength(length);
                if (aligned > blockLength - bytesRead || length < RecordDescriptor.HEADER_LENGTH) {
                    throw corrupt(head + bytesRead, word);
                }
                bytesRead += aligned;
                int type = typeOf(word);
                if (type == PADDING_TYPE) {
                    continue;
                }
                count++;
                handler.onRecord(type, readOnlyRegion.asSlice(at(messageOffset(index)),
                        length - RecordDescriptor.HEADER_LENGTH));
            }
        } finally {
            if (bytesRead > 0) {
                release(head, headIndex, bytesRead);
            }
        }
        return count;
    }

    /** Zeroes the consumed bytes, publishes the new head, wakes producers only if they sleep. */
    private void release(long head, int headIndex, int bytes) {
        region.asSlice(at(headIndex), bytes).fill((byte) 0);
        // Volatile store then volatile load: the StoreLoad order the wake-up protocol needs.
        LONG.setVolatile(region, CONSUMER_POSITION_AT, head + bytes);
        if ((int) INT.getVolatile(region, PRODUCER_SLEEPERS_AT) != 0) {
            INT.getAndAdd(region, SPACE_SEQUENCE_AT, 1);
            Futex.wake(spaceSequenceWord, Integer.MAX_VALUE);
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
        int length = -lengthOf(word);
        if (length < RecordDescriptor.HEADER_LENGTH || alignedLength(length) > capacity - index) {
            throw corrupt(head, word);
        }
        return !ProcessIdentity.isAlive(typeOf(word)) && publishDeadClaim(head, alignedLength(length))
                && padOver(index, word, length);
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

    private IllegalStateException corrupt(long position, long word) {
        return new IllegalStateException("corrupt ring: the record at position " + position + " has length "
                + lengthOf(word) + " and type " + typeOf(word) + ", which do not fit a ring of " + capacity + " bytes");
    }

    /** {@link Ring#unblock()}. */
    boolean unblock() {
        boolean recovered = lock != null && lock.recover();
        long head = (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
        int headIndex = (int) head & mask;
        long word = (long) LONG.getVolatile(region, at(headIndex));
        return lengthOf(word) < 0 && skipIfDead(head, headIndex, word) || recovered;
    }

    /** Spin, then sleep on the data sequence until {@link #poll} handles something or time is up. */
    int read(RecordHandler handler, int limit, long timeoutNanos) {
        int n = poll(handler, limit);
        if (n > 0 || timeoutNanos == RingBase.NOW) {
            return n;
        }
        long start = System.nanoTime();
        for (int i = 0; i < RingBase.SPIN_LIMIT + RingBase.YIELD_LIMIT; i++) {
            if (i < RingBase.SPIN_LIMIT) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            n = poll(handler, limit);
            if (n > 0) {
                return n;
            }
            if (timeoutNanos > 0 && System.nanoTime() - start >= timeoutNanos) {
                return 0;
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timespec = Clocks.timespec(arena);
            while (true) {
                long left = timeoutNanos < 0 ? RingBase.IDLE_SLICE_NANOS : timeoutNanos - (System.nanoTime() - start);
                if (left <= 0) {
                    return 0;
                }
                INT.getAndAdd(region, CONSUMER_SLEEPERS_AT, 1);
                try {
                    int sequence = (int) INT.getVolatile(region, DATA_SEQUENCE_AT);
                    long head = (long) LONG.getOpaque(region, CONSUMER_POSITION_AT);
                    int length = lengthOf((long) LONG.getVolatile(region, at((int) head & mask)));
                    if (length <= 0) {
                        // A claimed head may belong to a dead producer: look again soon.
                        long slice = length < 0 ? STALL_NANOS : RingBase.IDLE_SLICE_NANOS;
                        Clocks.setTimespec(timespec, Math.min(left, slice));
                        RingBase.checkFutex(Futex.await(dataSequenceWord, sequence, timespec));
                    }
                } finally {
                    INT.getAndAdd(region, CONSUMER_SLEEPERS_AT, -1);
                }
                n = poll(handler, limit);
                if (n > 0) {
                    return n;
                }
            }
        }
    }
}
