package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.posix.Clocks;
import io.jipc.posix.Errno;
import io.jipc.posix.Futex;
import io.jipc.posix.Procs;
import io.jipc.process.ProcessIdentity;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

import static io.jipc.ring.RecordDescriptor.ALIGNMENT;
import static io.jipc.ring.RecordDescriptor.PADDING_TYPE;
import static io.jipc.ring.RecordDescriptor.alignedLength;
import static io.jipc.ring.RecordDescriptor.headerWord;
import static io.jipc.ring.RecordDescriptor.lengthOf;
import static io.jipc.ring.RecordDescriptor.messageOffset;
import static io.jipc.ring.RecordDescriptor.typeOf;
import static io.jipc.ring.RingDescriptor.HEADER_LENGTH;
import static io.jipc.ring.RingDescriptor.KIND_MPSC;
import static io.jipc.ring.RingDescriptor.KIND_SPSC;
import static io.jipc.ring.RingDescriptor.LAYOUT_VERSION;
import static io.jipc.ring.RingDescriptor.MAGIC;
import static io.jipc.ring.RingDescriptor.STATE_INITIALISING;
import static io.jipc.ring.RingDescriptor.STATE_READY;
import static io.jipc.ring.RingDescriptor.STATE_UNINITIALISED;

/**
 * What the two rings share: the consumer, the waits, the copying producer methods,
 * creation and attachment. Subclasses differ only in how a producer reserves space.
 *
 * <p>Every offset in the region is {@code RingDescriptor}'s; a record at data index
 * {@code i} has its header word at region offset {@code HEADER_LENGTH + i}.
 */
abstract sealed class RingBase implements Ring permits SpscRing, MpscRing {
    // Header fields as long offsets: VarHandle coordinates are (MemorySegment, long).
    static final long CONSUMER_POSITION_AT = RingDescriptor.CONSUMER_POSITION_OFFSET;
    static final long PRODUCER_POSITION_AT = RingDescriptor.PRODUCER_POSITION_OFFSET;
    private static final long CONSUMER_SLEEPERS_AT = RingDescriptor.CONSUMER_SLEEPERS_OFFSET;
    private static final long PRODUCER_SLEEPERS_AT = RingDescriptor.PRODUCER_SLEEPERS_OFFSET;
    private static final long DATA_SEQUENCE_AT = RingDescriptor.DATA_SEQUENCE_OFFSET;
    private static final long SPACE_SEQUENCE_AT = RingDescriptor.SPACE_SEQUENCE_OFFSET;
    private static final long DEAD_PRODUCER_RECORDS_SKIPPED_AT = RingDescriptor.DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET;
    private static final long INIT_STATE_AT = RingDescriptor.INIT_STATE_OFFSET;
    private static final long CREATOR_PID_AT = RingDescriptor.CREATOR_PID_OFFSET;
    private static final long CREATOR_START_TIME_AT = RingDescriptor.CREATOR_START_TIME_OFFSET;
    private static final long MAGIC_AT = RingDescriptor.MAGIC_OFFSET;
    private static final long LAYOUT_VERSION_AT = RingDescriptor.LAYOUT_VERSION_OFFSET;
    private static final long RING_KIND_AT = RingDescriptor.RING_KIND_OFFSET;
    private static final long CAPACITY_AT = RingDescriptor.CAPACITY_OFFSET;

    /** (MemorySegment, long offset) → long, atomic modes on aligned native memory. */
    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** (MemorySegment, long offset) → int. */
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** This process's pid, the claimer identity in claimed headers. */
    static final int PID = Procs.getpid();
    /** What a reservation returns when the ring has no room. */
    static final int INSUFFICIENT_CAPACITY = -1;
    /** What an MPSC reservation returns when another process has held the reservation lock past a spin. */
    static final int RESERVATION_BUSY = -2;

    /** Polls with {@code onSpinWait} before yielding: 20-30 microseconds on current x86. */
    static final int SPIN_LIMIT = 1000;
    /**
     * Polls with {@code Thread.yield} after spinning, before sleeping: on a machine with more
     * runnable threads than cores, the other side may be waiting for this very core.
     */
    static final int YIELD_LIMIT = 100;
    /** Longest sleep with nothing claimed at the head: a claim sends no wake-up, so look now and then. */
    static final long IDLE_SLICE_NANOS = 1_000_000_000L;
    /** Longest sleep while the head record is claimed, and how long a claim must stall before its claimer is checked. */
    static final long STALL_NANOS = 100_000_000L;
    /**
     * Longest sleep of a producer waiting for the reservation lock after spinning: the
     * release sends no wake-up (a holder keeps the lock for a few stores), and each wake
     * checks whether the holder has died.
     */
    static final long BUSY_NAP_NANOS = 1_000_000L;
    /** How long an attacher waits for a creator to finish, unless told otherwise. */
    static final Duration DEFAULT_ATTACH_TIMEOUT = Duration.ofSeconds(2);

    final MemorySegment region;
    private final MemorySegment readOnlyRegion;
    private final MemorySegment dataSequenceWord;
    private final MemorySegment spaceSequenceWord;
    final int capacity;
    final int mask;
    private final int maxMessageLength;

    /**
     * The producer's lower bound of the consumer position: it only grows, so a stale copy
     * is safe. Producer-side only: SPSC has one producer thread, and MPSC producers touch
     * it only while they hold the reservation lock, whose CAS and release order them.
     */
    private long headCache;

    // The consumer's own record of a stalled claim at the head (consumer-thread only).
    private long stallPosition = -1;
    private long stallWord;
    private long stallSince;

    RingBase(MemorySegment region, int capacity) {
        this.region = region;
        this.readOnlyRegion = region.asReadOnly();
        this.dataSequenceWord = region.asSlice(DATA_SEQUENCE_AT, Integer.BYTES);
        this.spaceSequenceWord = region.asSlice(SPACE_SEQUENCE_AT, Integer.BYTES);
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.maxMessageLength = RingDescriptor.maxMessageLength(capacity);
        this.headCache = (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
    }

    /**
     * Reserves {@code alignedLength(recordLength)} bytes, writes padding first if the record
     * would straddle the end, and writes the claimed header (negative length, our pid).
     *
     * @return the record's data index, {@link #INSUFFICIENT_CAPACITY}, or (MPSC)
     *         {@link #RESERVATION_BUSY}
     */
    abstract int reserve(int recordLength);

    /**
     * MPSC: if the reservation lock is held by a process that has ended, takes it over,
     * moves the producer position past what the dead holder wrote, and frees it.
     * {@return whether it did} SPSC: nothing to do.
     */
    boolean recoverReservation() {
        return false;
    }

    /**
     * Makes sure the producer position is past the dead claim at {@code position}, whose
     * producer may have died before moving it. {@return whether it now is}
     */
    abstract boolean publishDeadClaim(long position, int alignedLength);

    /**
     * Reserves room at {@code tail}, which the caller alone may move (the SPSC producer, or
     * the holder of the MPSC reservation lock): writes the headers, then the new position,
     * so no byte below the producer position is ever without a header naming its owner.
     *
     * @return the record's data index, or {@link #INSUFFICIENT_CAPACITY}
     */
    final int reserveAt(long tail, int recordLength) {
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
    final boolean fits(int required, long tail, long head) {
        return required <= (long) capacity - (tail - head);
    }

    /** {@return the region offset of data index {@code index}} */
    static long at(int index) {
        return HEADER_LENGTH + (long) index;
    }

    // ---------------------------------------------------------------- producer

    @Override
    public int capacity() {
        checkOpen();
        return capacity;
    }

    @Override
    public int maxMessageLength() {
        checkOpen();
        return maxMessageLength;
    }

    @Override
    public Claim tryClaim(int length) {
        return claimWithin(length, 0);
    }

    @Override
    public Claim claim(int length) {
        return claimWithin(length, -1);
    }

    @Override
    public Claim claim(int length, Duration timeout) {
        return claimWithin(length, Clocks.toNanos(timeout));
    }

    private Claim claimWithin(int length, long timeoutNanos) {
        int recordLength = recordLength(length);
        int index = reserveWithin(recordLength, timeoutNanos);
        if (index < 0) {
            return null;
        }
        return new Claim(this, index, region.asSlice(at(messageOffset(index)), length));
    }

    @Override
    public boolean offer(int type, MemorySegment message) {
        return offerWithin(type, message, 0);
    }

    @Override
    public boolean offer(MemorySegment message) {
        return offerWithin(DEFAULT_TYPE, message, 0);
    }

    @Override
    public boolean offer(byte[] message) {
        return offerWithin(DEFAULT_TYPE, MemorySegment.ofArray(message), 0);
    }

    @Override
    public boolean offer(ByteBuffer message) {
        return offerWithin(message, 0);
    }

    @Override
    public void put(int type, MemorySegment message) {
        offerWithin(type, message, -1);
    }

    @Override
    public void put(MemorySegment message) {
        offerWithin(DEFAULT_TYPE, message, -1);
    }

    @Override
    public void put(byte[] message) {
        offerWithin(DEFAULT_TYPE, MemorySegment.ofArray(message), -1);
    }

    @Override
    public void put(ByteBuffer message) {
        offerWithin(message, -1);
    }

    @Override
    public boolean offer(int type, MemorySegment message, Duration timeout) {
        return offerWithin(type, message, Clocks.toNanos(timeout));
    }

    @Override
    public boolean offer(MemorySegment message, Duration timeout) {
        return offerWithin(DEFAULT_TYPE, message, Clocks.toNanos(timeout));
    }

    @Override
    public boolean offer(byte[] message, Duration timeout) {
        return offerWithin(DEFAULT_TYPE, MemorySegment.ofArray(message), Clocks.toNanos(timeout));
    }

    @Override
    public boolean offer(ByteBuffer message, Duration timeout) {
        return offerWithin(message, Clocks.toNanos(timeout));
    }

    private boolean offerWithin(ByteBuffer message, long timeoutNanos) {
        if (!offerWithin(DEFAULT_TYPE, MemorySegment.ofBuffer(message), timeoutNanos)) {
            return false;
        }
        message.position(message.limit());
        return true;
    }

    /** {@code timeoutNanos}: 0 never waits, negative waits for ever. */
    private boolean offerWithin(int type, MemorySegment message, long timeoutNanos) {
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

    /** Called by {@link Claim}: publishes, then wakes the consumer only if it sleeps. */
    final void commit(int index, int length, int type) {
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

    /** Called by {@link Claim}: the record becomes padding; nobody needs waking for it. */
    final void abort(int index, int length) {
        int recordLength = RecordDescriptor.HEADER_LENGTH + length;
        if (!LONG.compareAndSet(region, at(index), headerWord(-recordLength, PID), headerWord(recordLength, PADDING_TYPE))) {
            throw reclaimed(index);
        }
    }

    private IllegalStateException reclaimed(int index) {
        return new IllegalStateException("the record claimed at index " + index + " is no longer this process's"
                + " claim: the consumer reclaimed it (it took pid " + PID + " for dead), or the ring was re-created");
    }

    /** Spin, then sleep on the space sequence until {@link #reserve} succeeds or time is up. */
    private int reserveWithin(int recordLength, long timeoutNanos) {
        int index = reserve(recordLength);
        if (index >= 0) {
            return index;
        }
        if (timeoutNanos == 0) {
            // Held past a spin: the holder may be dead, and then nobody else may come to recover.
            return index == RESERVATION_BUSY && recoverReservation() ? reserve(recordLength) : index;
        }
        long start = System.nanoTime();
        for (int i = 0; i < SPIN_LIMIT + YIELD_LIMIT; i++) {
            if (i < SPIN_LIMIT) {
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
                long left = timeoutNanos < 0 ? IDLE_SLICE_NANOS : timeoutNanos - (System.nanoTime() - start);
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
                    long slice = IDLE_SLICE_NANOS;
                    if (index == RESERVATION_BUSY) {
                        if (recoverReservation()) {
                            continue;
                        }
                        slice = BUSY_NAP_NANOS;
                    }
                    Clocks.setTimespec(timespec, Math.min(left, slice));
                    checkFutex(Futex.await(spaceSequenceWord, sequence, timespec));
                } finally {
                    INT.getAndAdd(region, PRODUCER_SLEEPERS_AT, -1);
                }
            }
        }
    }

    // ---------------------------------------------------------------- consumer

    @Override
    public int poll(RecordHandler handler, int limit) {
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

    @Override
    public int read(RecordHandler handler, int limit) {
        return readWithin(handler, limit, -1);
    }

    @Override
    public int read(RecordHandler handler, int limit, Duration timeout) {
        return readWithin(handler, limit, Clocks.toNanos(timeout));
    }

    /** Spin, then sleep on the data sequence until {@link #poll} handles something or time is up. */
    private int readWithin(RecordHandler handler, int limit, long timeoutNanos) {
        int n = poll(handler, limit);
        if (n > 0 || timeoutNanos == 0) {
            return n;
        }
        long start = System.nanoTime();
        for (int i = 0; i < SPIN_LIMIT + YIELD_LIMIT; i++) {
            if (i < SPIN_LIMIT) {
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
                long left = timeoutNanos < 0 ? IDLE_SLICE_NANOS : timeoutNanos - (System.nanoTime() - start);
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
                        long slice = length < 0 ? STALL_NANOS : IDLE_SLICE_NANOS;
                        Clocks.setTimespec(timespec, Math.min(left, slice));
                        checkFutex(Futex.await(dataSequenceWord, sequence, timespec));
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

    private static void checkFutex(int r) {
        if (r < 0 && r != -Errno.EAGAIN && r != -Errno.EINTR && r != -Errno.ETIMEDOUT) {
            throw new IllegalStateException(Errno.exception("futex(FUTEX_WAIT)", null, -r).getMessage());
        }
    }

    @Override
    public boolean unblock() {
        boolean recovered = recoverReservation();
        long head = (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
        int headIndex = (int) head & mask;
        long word = (long) LONG.getVolatile(region, at(headIndex));
        return lengthOf(word) < 0 && skipIfDead(head, headIndex, word) || recovered;
    }

    // ---------------------------------------------------------------- state

    @Override
    public long producerPosition() {
        return (long) LONG.getVolatile(region, PRODUCER_POSITION_AT);
    }

    @Override
    public long consumerPosition() {
        return (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
    }

    @Override
    public long deadProducerRecordsSkipped() {
        return (long) LONG.getVolatile(region, DEAD_PRODUCER_RECORDS_SKIPPED_AT);
    }

    private void checkOpen() {
        if (!region.scope().isAlive()) {
            throw new IllegalStateException("the ring's memory is closed");
        }
    }

    @Override
    public String toString() {
        String name = getClass().getSimpleName();
        if (!region.scope().isAlive()) {
            return name + "[closed]";
        }
        return name + "[capacity " + capacity + ", producer position " + producerPosition() + ", consumer position "
                + consumerPosition() + "]";
    }

    // ---------------------------------------------------------------- creation

    /**
     * Writes a new header and zeroes the data area, following the init protocol of
     * {@link RingDescriptor}. {@return the region cut to the ring's exact length}
     */
    static MemorySegment initialise(MemorySegment region, int capacity, int kind) {
        checkRegion(region);
        RingDescriptor.checkCapacity(capacity);
        long length = RingDescriptor.regionLength(capacity);
        if (region.byteSize() < length) {
            throw new IllegalArgumentException("a ring of capacity " + capacity + " needs a region of " + length
                    + " bytes (RingDescriptor.regionLength), not " + region.byteSize());
        }
        MemorySegment r = region.asSlice(0, length);
        ProcessIdentity me = ProcessIdentity.current();
        INT.setVolatile(r, INIT_STATE_AT, STATE_UNINITIALISED);
        r.asSlice(0, INIT_STATE_AT).fill((byte) 0);
        r.asSlice(INIT_STATE_AT + Integer.BYTES, RingDescriptor.REGION_LENGTH - INIT_STATE_AT - Integer.BYTES)
                .fill((byte) 0);
        INT.set(r, CREATOR_PID_AT, me.pid());
        LONG.set(r, CREATOR_START_TIME_AT, me.startTime());
        LONG.set(r, MAGIC_AT, MAGIC);
        INT.set(r, LAYOUT_VERSION_AT, LAYOUT_VERSION);
        INT.setRelease(r, INIT_STATE_AT, STATE_INITIALISING);

        r.asSlice(RingDescriptor.REGION_LENGTH).fill((byte) 0);
        INT.set(r, RING_KIND_AT, kind);
        INT.set(r, CAPACITY_AT, capacity);
        INT.setRelease(r, INIT_STATE_AT, STATE_READY);
        return r;
    }

    /**
     * Waits (bounded) for a header to be READY and checks it against what this process
     * expects. {@return the region cut to the ring's exact length}
     */
    static MemorySegment verify(MemorySegment region, int kind, Duration timeout, String call) throws IpcException {
        checkRegion(region);
        if (region.byteSize() < HEADER_LENGTH) {
            throw new IllegalArgumentException("a ring's region holds at least its " + HEADER_LENGTH
                    + "-byte header, not " + region.byteSize() + " bytes");
        }
        long deadline = System.nanoTime() + Clocks.toNanos(timeout);
        while (true) {
            int state = (int) INT.getAcquire(region, INIT_STATE_AT);
            if (state != STATE_UNINITIALISED) {
                long magic = (long) LONG.get(region, MAGIC_AT);
                int version = (int) INT.get(region, LAYOUT_VERSION_AT);
                if (magic != MAGIC) {
                    throw incompatible(call, "no ring here: magic 0x" + Long.toHexString(magic) + " instead of 0x"
                            + Long.toHexString(MAGIC));
                }
                if (version != LAYOUT_VERSION) {
                    throw incompatible(call, "ring layout version " + version + ", this jipc reads version "
                            + LAYOUT_VERSION);
                }
            }
            if (state == STATE_READY) {
                return checkReady(region, kind, call);
            }
            if (state == STATE_INITIALISING) {
                ProcessIdentity creator = creator(region);
                // Dead now, but it may have finished first (a creator may well exit once done).
                if ((creator == null || !creator.isAlive())
                        && (int) INT.getAcquire(region, INIT_STATE_AT) != STATE_READY) {
                    throw new IpcException(call, null, 0, null, "the ring's creator (pid "
                            + (int) INT.get(region, CREATOR_PID_AT) + ") died while initialising it",
                            IpcException.Reason.CREATOR_DIED);
                }
            } else if (state != STATE_UNINITIALISED) {
                throw incompatible(call, "unknown init state " + state);
            }
            if (System.nanoTime() - deadline >= 0) {
                if (state == STATE_UNINITIALISED) {
                    throw new IpcException(call, null, 0, null, "no ring here: the header is still zero after "
                            + timeout.toMillis() + " ms", IpcException.Reason.DOES_NOT_EXIST);
                }
                throw new IpcException(call, null, 0, null, "the ring is still being initialised after "
                        + timeout.toMillis() + " ms by its creator, pid " + (int) INT.get(region, CREATOR_PID_AT)
                        + ", which is alive", IpcException.Reason.OTHER);
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }

    private static ProcessIdentity creator(MemorySegment region) {
        int pid = (int) INT.get(region, CREATOR_PID_AT);
        long startTime = (long) LONG.get(region, CREATOR_START_TIME_AT);
        return pid > 0 && startTime >= 0 ? new ProcessIdentity(pid, startTime) : null;
    }

    private static MemorySegment checkReady(MemorySegment region, int kind, String call) throws IpcException {
        int actualKind = (int) INT.get(region, RING_KIND_AT);
        int capacity = (int) INT.get(region, CAPACITY_AT);
        if (actualKind != kind) {
            throw incompatible(call, "the ring is " + kindName(actualKind) + ", not " + kindName(kind));
        }
        try {
            RingDescriptor.checkCapacity(capacity);
        } catch (IllegalArgumentException e) {
            throw incompatible(call, "bad capacity in header: " + e.getMessage());
        }
        long length = RingDescriptor.regionLength(capacity);
        if (region.byteSize() < length) {
            throw incompatible(call, "the ring needs " + length + " bytes but the region has only "
                    + region.byteSize());
        }
        return region.asSlice(0, length);
    }

    static int capacityOf(MemorySegment exactRegion) {
        return (int) INT.get(exactRegion, CAPACITY_AT);
    }

    private static String kindName(int kind) {
        return switch (kind) {
            case KIND_SPSC -> "SPSC (one producer)";
            case KIND_MPSC -> "MPSC (many producers)";
            default -> "of unknown kind " + kind;
        };
    }

    private static IpcException incompatible(String call, String what) {
        return new IpcException(call, null, 0, null, what, IpcException.Reason.INCOMPATIBLE_LAYOUT);
    }

    private static void checkRegion(MemorySegment region) {
        Objects.requireNonNull(region, "region");
        if (!region.isNative()) {
            throw new IllegalArgumentException("a ring needs native (shared) memory, not a heap segment");
        }
        if (region.isReadOnly()) {
            throw new IllegalArgumentException("a ring needs writable memory: every side writes the header");
        }
        if (region.address() % ALIGNMENT != 0) {
            throw new IllegalArgumentException("a ring's region must be " + ALIGNMENT + "-byte aligned, not at 0x"
                    + Long.toHexString(region.address()));
        }
    }
}
