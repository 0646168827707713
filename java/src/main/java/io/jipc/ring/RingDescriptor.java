package io.jipc.ring;

// Long because it is the ring's specification, which C programs implement from it: every
// field's writers, readers and access modes, and the init, reserve, wait and space protocols.

/**
 * The layout of a ring's region: a header of {@link #HEADER_LENGTH} bytes, then the data
 * area of {@code capacity} bytes (a power of two) holding records as described by
 * {@link RecordDescriptor}. {@code native/jipc_ring.h} is the C twin of this class; a test
 * checks every constant here against it.
 *
 * <p>Conventions that hold for every field below:
 * <ul>
 *   <li>All values are little-endian, naturally aligned, and accessed atomically at their
 *   full width (Java: {@code VarHandle} on the segment; C: {@code _Atomic} objects). The
 *   region itself must be 8-byte aligned; at a multiple of 128 no two regions below share
 *   an adjacent-line prefetch pair.</li>
 *   <li>"Release" and "acquire" are the Java {@code VarHandle} modes and C11's
 *   {@code memory_order_release/acquire}; "volatile" is {@code getVolatile/setVolatile}
 *   and {@code memory_order_seq_cst}; "CAS" and "add" are sequentially consistent
 *   read-modify-writes ({@code compareAndSet}, {@code getAndAdd}).</li>
 *   <li>Positions are byte counts since creation that only grow (64 bits never wrap in
 *   practice); a position's index in the data area is {@code position & (capacity - 1)}.</li>
 *   <li>No field holds a time: {@code System.nanoTime} and {@code CLOCK_MONOTONIC}
 *   readings are not comparable between processes in general, so waits are measured by
 *   each process on its own clock.</li>
 * </ul>
 *
 * <p>Creation ({@code INIT_STATE}): the creator (1) stores {@link #STATE_UNINITIALISED}
 * (volatile), (2) writes its pid, start time, the magic and the layout version, (3)
 * release-stores {@link #STATE_INITIALISING}, (4) zeroes the rest of the header and the
 * data area and writes kind and capacity, (5) release-stores {@link #STATE_READY}. An
 * attacher acquire-reads the state; at any non-zero state magic and version are valid;
 * at {@code INITIALISING} the creator's identity is valid, so a dead creator is told apart
 * from a slow one; having found it dead, the attacher reads the state once more, since a
 * creator may have finished and exited in between.
 *
 * <p>Reserving (MPSC): a producer takes the <b>reservation lock</b> ({@code RESERVATION_LOCK},
 * on the producer position's own cache line) by a CAS from 0 to a word naming its process,
 * reads the producer position, writes the record's claimed header (and, before it, the
 * padding header when the record wraps), release-stores the new producer position and
 * release-stores 0 into the lock. So every byte below the producer position lies in a
 * record whose header is already written and names a process: the consumer never waits
 * on a zero header that somebody owns. A producer killed while it holds the lock is
 * found by whoever next needs the lock (another producer, or the consumer stuck behind
 * a claim of the dead process): after a short spin it checks the holder's pid and start
 * time, and if that process has ended it takes the lock over by a CAS from the dead
 * word, moves the producer position past any header the dead holder wrote (those are
 * the only non-zero words at or beyond it, since free space is zero), and releases the
 * lock. A claimed record of the dead holder is then skipped by the consumer like any
 * other dead claim. A lock held by a live process for long (descheduled, stopped) makes
 * other producers wait, never the consumer.
 *
 * <p>Why a lock word and not a CAS on the record header at the producer position: a
 * producer that read the position and was then descheduled can find, by the time of its
 * CAS, that the position was claimed, consumed, released and zeroed, and that the zero
 * word it expects now lies inside a message of a later lap; its CAS would then succeed
 * and tear that message. The record header holds no lap number and message bytes can
 * hold any value, so no expected value rules this out; the lock word can be reused
 * without harm because its holder reads the position only after taking it. The lock is
 * a registry of reserving producers (pid, start time, reserving position) cut down to
 * one slot, taken by CAS, whose reserving position is the producer position itself: a
 * slot per producer would have to be one per producing thread, found on every claim,
 * recycled when threads and processes end, and bounded in number. Cost on the fast path: where a producer used to load and CAS the
 * producer position, it now CASes the lock, loads and stores the position and stores the
 * lock, all on the one line the CAS made exclusive: no system call and no other shared
 * cache line. Under contention, producers now wait while the holder writes its header
 * (the old scheme let them overlap that store).
 *
 * <p>Waiting: futex words are 32 bits and positions are 64, and the consumer's "data
 * arrived" signal is a record header at a moving address. So each direction has its own
 * 32-bit sequence word (an event count) and a count of sleepers, on a line of its own:
 * a waiter adds itself to the sleepers, issues {@code membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)},
 * reads the sequence, re-checks its condition, and sleeps in {@code FUTEX_WAIT} on the
 * sequence; the other side publishes with a release store (a committed header, the new
 * consumer position), reads the sleepers with no fence in between, and only if there are
 * any adds 1 to the sequence and calls {@code FUTEX_WAKE}. The waiter's barrier is the
 * publisher's missing fence (an asymmetric fence): it runs a full barrier on every thread
 * of every process that registered ({@code MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED},
 * which every process does at create or attach), so either the publish is visible to the
 * re-check or the publisher's read sees the waiter (the proof is at
 * {@code RingConsumer.DataWait.block}). A process that cannot register fences its own
 * publishes; a waiter whose barrier fails sleeps no longer than a millisecond at a time.
 * The steady state makes no system call and no locked instruction per message. A waiter
 * killed while counted leaves the count too high, which only costs the other side
 * needless wake calls.
 *
 * <p>Space returns to producers a <b>space block</b> at a time ({@link #spaceBlock}: a
 * sixteenth of the capacity, from 8 bytes to a 4 KiB page): a producer may write up to
 * {@link #releasedPosition} {@code + capacity}, the consumer position rounded down to a
 * block, never into the block the consumer is reading. A full ring whose producer wrote
 * into the space the consumer had just left would have the two sides take turns owning
 * the cache lines the consumer reads next, one transfer each way per record; measured on
 * the harness's 1 MiB rings that held one-way throughput to about 11 M messages per second
 * at 8 and 64 bytes in C and Java alike, and a 4 KiB block raised it about 2.2 to 2.7
 * times. The consumer still publishes its exact position per batch, and wakes sleeping
 * producers only when that position enters a new block (a producer's sleep re-checks the
 * released position, not the exact one).
 *
 * <p>Version 5 (this one) differs from version 4 in protocol, not in bytes: a version-4
 * producer asleep on a version-5 ring would wait for a wake-up the consumer sends only
 * per block. Version 4 differed from version 3, which committed by CAS and whose waiters
 * issued no barrier. Each version refuses the others' rings ({@code INCOMPATIBLE_LAYOUT}).
 */
public final class RingDescriptor {
    private RingDescriptor() {
    }

    /** One cache line on the machines jipc targets. */
    public static final int CACHE_LINE_LENGTH = 64;
    /**
     * Size of each header region: two cache lines, so that fields written by different
     * sides are never on one line nor on a pair the adjacent-line prefetcher fetches together.
     */
    public static final int REGION_LENGTH = CACHE_LINE_LENGTH * 2;

    /** {@code "JIPCRING"} in ASCII, read as a little-endian 64-bit value. */
    public static final long MAGIC = 0x474E49524350494AL;
    /** Bumped on any change of this layout or of {@link RecordDescriptor}. */
    public static final int LAYOUT_VERSION = 5;

    /** Ring kind: one producer, one consumer ({@link SpscRing}). */
    public static final int KIND_SPSC = 1;
    /** Ring kind: many producers, one consumer ({@link MpscRing}). */
    public static final int KIND_MPSC = 2;

    /** Init state of zeroed memory: no ring here yet. */
    public static final int STATE_UNINITIALISED = 0;
    /** Init state while the creator writes the header; creator pid and start time are valid. */
    public static final int STATE_INITIALISING = 1;
    /** Init state of a usable ring. */
    public static final int STATE_READY = 2;

    /** Smallest data capacity: room for a record of the largest message, eight times over. */
    public static final int MIN_CAPACITY = 64;
    /** Largest data capacity: indexes stay {@code int}. */
    public static final int MAX_CAPACITY = 1 << 30;
    /** The largest message is {@code capacity / MAX_MESSAGE_DIVISOR} bytes. */
    public static final int MAX_MESSAGE_DIVISOR = 8;
    /** The largest {@link #spaceBlock}: a page, past which measured throughput stopped growing. */
    public static final int MAX_SPACE_BLOCK = 4096;
    /** A ring's {@link #spaceBlock} is {@code capacity / SPACE_BLOCK_DIVISOR}, within its bounds. */
    public static final int SPACE_BLOCK_DIVISOR = 16;

    /**
     * {@link #MAGIC}, 64 bits. Writer: the creator, plain, before the release store of
     * {@code INITIALISING}. Readers: attachers, after an acquire read of a non-zero state.
     */
    public static final int MAGIC_OFFSET;
    /** {@link #LAYOUT_VERSION}, 32 bits. Written and read like {@code MAGIC}. */
    public static final int LAYOUT_VERSION_OFFSET;
    /**
     * {@link #KIND_SPSC} or {@link #KIND_MPSC}, 32 bits. Writer: the creator, plain, before
     * the release store of {@code READY}. Readers: attachers, after an acquire read of {@code READY}.
     */
    public static final int RING_KIND_OFFSET;
    /** Data capacity in bytes, a power of two, 32 bits. Written and read like {@code RING_KIND}. */
    public static final int CAPACITY_OFFSET;
    /**
     * {@link #STATE_UNINITIALISED}, {@link #STATE_INITIALISING} or {@link #STATE_READY},
     * 32 bits. Writer: the creator, release stores (the first, back to 0, volatile).
     * Readers: attachers, acquire, polled (not a futex word: attach is rare and bounded).
     */
    public static final int INIT_STATE_OFFSET;
    /**
     * The creator's pid, 32 bits. Writer: the creator, plain, before the release store of
     * {@code INITIALISING}. Readers: attachers that find {@code INITIALISING}.
     */
    public static final int CREATOR_PID_OFFSET;
    /**
     * The creator's start time ({@code /proc/PID/stat} field 22, clock ticks after boot;
     * 0 if unknown), 64 bits, so a recycled pid is not taken for the creator. Written and
     * read like {@code CREATOR_PID}.
     */
    public static final int CREATOR_START_TIME_OFFSET;
    /**
     * The producer position (the tail): the end of the last reserved record, 64 bits.
     * Writers: the producer, release store after writing the record's claimed header
     * (SPSC); the holder of {@code RESERVATION_LOCK}, release store after writing the
     * headers (MPSC). Recovery: the consumer, CAS, moves it past the claim of a dead SPSC
     * producer that had not stored it yet; an MPSC lock taken over from a dead holder is
     * repaired the same way, by store, under the lock. Readers: producers (acquire, or
     * plain under the lock), the consumer when it skips a dead claim, and monitoring.
     * The consumer otherwise never needs it: record headers tell it what is ready.
     */
    public static final int PRODUCER_POSITION_OFFSET;
    /**
     * The reservation lock (MPSC only; SPSC leaves it 0), 64 bits, on the producer
     * position's cache line: 0 when free, else {@link #reserverWord} of the holding process
     * (pid in the low half, low 32 bits of its start time in the high half, so a recycled
     * pid is not taken for the holder). Writers: producers, CAS 0 &rarr; own word to take
     * it, release store of 0 to free it; whoever finds the holder dead, CAS from the dead
     * word to its own word. Readers: producers waiting for it, plain/opaque while
     * spinning; the consumer, volatile, when a dead claim lies beyond the producer position.
     */
    public static final int RESERVATION_LOCK_OFFSET;
    /**
     * The consumer position (the head): the start of the first unconsumed record, 64 bits.
     * Writer: the consumer, release store once per batch, after zeroing the consumed
     * bytes. Readers: producers, volatile, when their cached copy says the ring is full;
     * they count as free only what lies below {@link #releasedPosition} of it.
     */
    public static final int CONSUMER_POSITION_OFFSET;
    /**
     * Consumers asleep (or about to sleep) waiting for data, 32 bits. Writer: the consumer,
     * add +1 before its membarrier and its read of {@code DATA_SEQUENCE}, add -1 after
     * waking. Readers: producers, volatile but unfenced, after every commit.
     */
    public static final int CONSUMER_SLEEPERS_OFFSET;
    /**
     * <b>Futex word</b> the consumer sleeps on, 32 bits, wrapping. Writers: producers, add
     * +1 after a commit, only when {@code CONSUMER_SLEEPERS} is non-zero, then
     * {@code FUTEX_WAKE} (all). Reader: the consumer, volatile, before it re-checks for data.
     */
    public static final int DATA_SEQUENCE_OFFSET;
    /**
     * Producers asleep (or about to sleep) waiting for space, 32 bits. Writers: producers,
     * add +1 (then membarrier) / -1 around the sleep. Reader: the consumer, volatile but
     * unfenced, after each release of space that enters a new {@link #spaceBlock}.
     */
    public static final int PRODUCER_SLEEPERS_OFFSET;
    /**
     * <b>Futex word</b> producers sleep on, 32 bits, wrapping. Writer: the consumer, add +1
     * after a release of space that enters a new space block, only when
     * {@code PRODUCER_SLEEPERS} is non-zero, then
     * {@code FUTEX_WAKE} (all). Readers: producers, volatile, before re-checking for space.
     */
    public static final int SPACE_SEQUENCE_OFFSET;
    /**
     * Records claimed by a producer that died before committing them, which the consumer
     * turned into padding, 64 bits. Writer: the consumer (or whoever calls
     * {@code unblock}), add +1. Readers: anyone, volatile.
     */
    public static final int DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET;

    /**
     * Length of the header that precedes the data area; the data area starts here.
     * Each row is 32 bits; byte offsets on the right.
     * <pre>
     *   0                   1                   2                   3
     *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     *  +---------------------------------------------------------------+
     *  |                   Magic "JIPCRING" (64 bits)                  |   0
     *  |                                                               |
     *  +---------------------------------------------------------------+
     *  |                        Layout Version                         |   8
     *  +---------------------------------------------------------------+
     *  |                           Ring Kind                           |  12
     *  +---------------------------------------------------------------+
     *  |                      Capacity (data bytes)                    |  16
     *  +---------------------------------------------------------------+
     *  |                          Init State                           |  20
     *  +---------------------------------------------------------------+
     *  |                          Creator Pid                          |  24
     *  +---------------------------------------------------------------+
     *  |                       Reserved, zero                          |  28
     *  +---------------------------------------------------------------+
     *  |                  Creator Start Time (64 bits)                 |  32
     *  |                                                               |
     *  +---------------------------------------------------------------+
     *  |                  Reserved, zero, to byte 128                 ...  40
     * ...                                                              |
     *  +---------------------------------------------------------------+
     *  |                Producer Position (64 bits)                    | 128
     *  |                                                               |
     *  +---------------------------------------------------------------+
     *  |       Reservation Lock: holder pid (0: free) (low half)       | 136
     *  +---------------------------------------------------------------+
     *  |  Reservation Lock: holder start time, low 32 bits (high half) | 140
     *  +---------------------------------------------------------------+
     *  |                  Reserved, zero, to byte 256                 ... 144
     * ...                                                              |
     *  +---------------------------------------------------------------+
     *  |                Consumer Position (64 bits)                    | 256
     *  |                                                               |
     *  +---------------------------------------------------------------+
     *  |                  Reserved, zero, to byte 384                 ... 264
     * ...                                                              |
     *  +---------------------------------------------------------------+
     *  |                       Consumer Sleepers                       | 384
     *  +---------------------------------------------------------------+
     *  |                 Data Sequence (futex word)                    | 388
     *  +---------------------------------------------------------------+
     *  |                  Reserved, zero, to byte 512                 ... 392
     * ...                                                              |
     *  +---------------------------------------------------------------+
     *  |                       Producer Sleepers                       | 512
     *  +---------------------------------------------------------------+
     *  |                 Space Sequence (futex word)                   | 516
     *  +---------------------------------------------------------------+
     *  |                  Reserved, zero, to byte 640                 ... 520
     * ...                                                              |
     *  +---------------------------------------------------------------+
     *  |            Dead Producer Records Skipped (64 bits)            | 640
     *  |                                                               |
     *  +---------------------------------------------------------------+
     *  |                  Reserved, zero, to byte 768                 ... 648
     * ...                                                              |
     *  +---------------------------------------------------------------+
     *  |               Data area: capacity bytes of records           ... 768
     * ...                                                              |
     *  +---------------------------------------------------------------+
     * </pre>
     */
    public static final int HEADER_LENGTH;

    static {
        int offset = 0;
        // Written once by the creator, then only read.
        MAGIC_OFFSET = offset;
        offset += Long.BYTES;
        LAYOUT_VERSION_OFFSET = offset;
        offset += Integer.BYTES;
        RING_KIND_OFFSET = offset;
        offset += Integer.BYTES;
        CAPACITY_OFFSET = offset;
        offset += Integer.BYTES;
        INIT_STATE_OFFSET = offset;
        offset += Integer.BYTES;
        CREATOR_PID_OFFSET = offset;
        offset += Integer.BYTES;
        offset += Integer.BYTES; // reserved: keeps the start time 8-byte aligned
        CREATOR_START_TIME_OFFSET = offset;

        offset = REGION_LENGTH;
        PRODUCER_POSITION_OFFSET = offset;
        // Same line: the lock holder is the only writer of the position.
        RESERVATION_LOCK_OFFSET = offset + Long.BYTES;

        offset += REGION_LENGTH;
        CONSUMER_POSITION_OFFSET = offset;

        offset += REGION_LENGTH;
        CONSUMER_SLEEPERS_OFFSET = offset;
        DATA_SEQUENCE_OFFSET = offset + Integer.BYTES;

        offset += REGION_LENGTH;
        PRODUCER_SLEEPERS_OFFSET = offset;
        SPACE_SEQUENCE_OFFSET = offset + Integer.BYTES;

        offset += REGION_LENGTH;
        DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET = offset;

        offset += REGION_LENGTH;
        HEADER_LENGTH = offset;
    }

    /**
     * {@return the {@code RESERVATION_LOCK} word naming a process} {@code startTime} is
     * {@code /proc/PID/stat} field 22, or 0 if unknown (then the pid alone names it).
     *
     * @param pid the holder's pid, in the pid namespace the ring's users share
     * @param startTime the holder's start time in clock ticks, or 0 if unknown
     */
    public static long reserverWord(int pid, long startTime) {
        return (startTime << 32) | (pid & 0xFFFF_FFFFL);
    }

    /**
     * {@return the holder's pid in a {@code RESERVATION_LOCK} word}
     *
     * @param word a {@code RESERVATION_LOCK} word as read
     */
    public static int reserverPid(long word) {
        return (int) word;
    }

    /**
     * {@return the low 32 bits of the holder's start time in a {@code RESERVATION_LOCK} word}
     *
     * @param word a {@code RESERVATION_LOCK} word as read
     */
    public static int reserverStartTime(long word) {
        return (int) (word >>> 32);
    }

    /**
     * {@return the bytes a ring of {@code capacity} needs: header plus data}
     *
     * @param capacity a valid data capacity (see {@link #checkCapacity(int)})
     */
    public static long regionLength(int capacity) {
        return (long) HEADER_LENGTH + capacity;
    }

    /**
     * {@return the largest message a ring of {@code capacity} carries}
     *
     * @param capacity a valid data capacity (see {@link #checkCapacity(int)})
     */
    public static int maxMessageLength(int capacity) {
        return capacity / MAX_MESSAGE_DIVISOR;
    }

    /**
     * {@return the unit in which consumed space returns to producers} {@code capacity / 16},
     * at least 8 and at most {@link #MAX_SPACE_BLOCK}; a power of two. An empty ring has room
     * for at least {@code capacity - spaceBlock + 8} bytes of records, always more than a
     * record of the largest message.
     *
     * @param capacity a valid data capacity (see {@link #checkCapacity(int)})
     */
    public static int spaceBlock(int capacity) {
        return Math.max(RecordDescriptor.ALIGNMENT, Math.min(MAX_SPACE_BLOCK, capacity / SPACE_BLOCK_DIVISOR));
    }

    /**
     * {@return the position below which producers may reuse space: {@code consumerPosition}
     * rounded down to a {@link #spaceBlock}} A producer's records end at or before this plus
     * the capacity.
     *
     * @param consumerPosition the consumer position as read
     * @param capacity a valid data capacity (see {@link #checkCapacity(int)})
     */
    public static long releasedPosition(long consumerPosition, int capacity) {
        return consumerPosition & -(long) spaceBlock(capacity);
    }

    /**
     * Checks a data capacity: a power of two from {@link #MIN_CAPACITY} to {@link #MAX_CAPACITY}.
     *
     * @param capacity the data area's size in bytes, as asked of create
     * @throws IllegalArgumentException if it is not
     */
    public static void checkCapacity(int capacity) {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity must be a power of two from " + MIN_CAPACITY
                    + " to " + MAX_CAPACITY + " bytes, not " + capacity);
        }
    }
}
