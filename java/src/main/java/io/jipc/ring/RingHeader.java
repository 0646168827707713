package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.internal.Deadline;
import io.jipc.internal.Nap;
import io.jipc.posix.Procs;
import io.jipc.process.ProcessIdentity;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;

import static io.jipc.ring.RecordDescriptor.ALIGNMENT;
import static io.jipc.ring.RingDescriptor.HEADER_LENGTH;
import static io.jipc.ring.RingDescriptor.KIND_MPSC;
import static io.jipc.ring.RingDescriptor.KIND_SPSC;
import static io.jipc.ring.RingDescriptor.LAYOUT_VERSION;
import static io.jipc.ring.RingDescriptor.MAGIC;
import static io.jipc.ring.RingDescriptor.STATE_INITIALISING;
import static io.jipc.ring.RingDescriptor.STATE_READY;
import static io.jipc.ring.RingDescriptor.STATE_UNINITIALISED;

/**
 * A ring's header as the producer and consumer parts use it: the {@code RingDescriptor}
 * offsets as {@code long} coordinates for the {@code VarHandle}s, and creation and
 * attachment (the init protocol of {@link RingDescriptor}, and the checks of what an
 * attacher finds).
 */
final class RingHeader {
    private RingHeader() {
    }

    // Header fields as long offsets: VarHandle coordinates are (MemorySegment, long).
    static final long CONSUMER_POSITION_AT = RingDescriptor.CONSUMER_POSITION_OFFSET;
    static final long PRODUCER_POSITION_AT = RingDescriptor.PRODUCER_POSITION_OFFSET;
    static final long RESERVATION_LOCK_AT = RingDescriptor.RESERVATION_LOCK_OFFSET;
    static final long CONSUMER_SLEEPERS_AT = RingDescriptor.CONSUMER_SLEEPERS_OFFSET;
    static final long PRODUCER_SLEEPERS_AT = RingDescriptor.PRODUCER_SLEEPERS_OFFSET;
    static final long DATA_SEQUENCE_AT = RingDescriptor.DATA_SEQUENCE_OFFSET;
    static final long SPACE_SEQUENCE_AT = RingDescriptor.SPACE_SEQUENCE_OFFSET;
    static final long DEAD_PRODUCER_RECORDS_SKIPPED_AT = RingDescriptor.DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET;
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
    /** This process's pid, the claimer identity in claimed headers with {@link #START_TIME}. */
    static final int PID = Procs.getpid();
    /** This process's start time, whose stamp claimed headers carry. */
    static final long START_TIME = ProcessIdentity.current().startTime();

    /** How long an attacher waits for a creator to finish, unless told otherwise. */
    static final Duration DEFAULT_ATTACH_TIMEOUT = Duration.ofSeconds(2);

    /** {@return how errors name a ring: its region's address and its capacity} */
    static String describe(MemorySegment region, int capacity) {
        return "at 0x" + Long.toHexString(region.address()) + " (capacity " + capacity + ")";
    }

    /** {@return the region offset of data index {@code index}} */
    static long at(int index) {
        return HEADER_LENGTH + (long) index;
    }

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
        // The creator fills the header in; nothing signals its end, so the wait naps.
        MemorySegment ready = Nap.until(() -> readyOrNull(region, kind, call), Deadline.after(timeout));
        if (ready != null) {
            return ready;
        }
        int state = (int) INT.getAcquire(region, INIT_STATE_AT);
        if (state == STATE_UNINITIALISED) {
            throw new IpcException(call, null, "no ring here: the header is still zero after "
                    + timeout.toMillis() + " ms", IpcException.Reason.DOES_NOT_EXIST);
        }
        throw new IpcException(call, null, "the ring is still being initialised after "
                + timeout.toMillis() + " ms by its creator, pid " + (int) INT.get(region, CREATOR_PID_AT)
                + ", which is alive", IpcException.Reason.OTHER);
    }

    /**
     * One look at a header: {@return the region cut to the ring's length once READY, else
     * null} Throws if the header is not a ring's, or its creator died while initialising it.
     */
    private static MemorySegment readyOrNull(MemorySegment region, int kind, String call) throws IpcException {
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
                throw new IpcException(call, null, "the ring's creator (pid "
                        + (int) INT.get(region, CREATOR_PID_AT) + ") died while initialising it",
                        IpcException.Reason.CREATOR_DIED);
            }
        } else if (state != STATE_UNINITIALISED) {
            throw incompatible(call, "unknown init state " + state);
        }
        return null;
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

    /** {@return the capacity of a region {@link #initialise} or {@link #verify} returned} */
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
        return new IpcException(call, null, what, IpcException.Reason.INCOMPATIBLE_LAYOUT);
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
