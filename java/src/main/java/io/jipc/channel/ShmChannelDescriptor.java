package io.jipc.channel;

import io.jipc.ring.RecordDescriptor;
import io.jipc.ring.RingDescriptor;

/**
 * The layout of a shared-memory channel ({@code shm:/name}): the POSIX shared-memory object
 * holds a channel header of {@link #HEADER_LENGTH} bytes, then, at {@link #RING_OFFSET}, an
 * {@link io.jipc.ring.MpscRing} laid out as {@link RingDescriptor} says. The ring carries the
 * messages; the channel header carries what the ring does not know: the channel's maximum
 * message size, and whether the binding end is still there.
 *
 * <p>Conventions are {@link RingDescriptor}'s: little-endian, naturally aligned, each field
 * read and written whole with the {@code VarHandle} mode named on it.
 *
 * <p>Making ({@code bind}): the binder creates the object ({@code O_EXCL}, so it is all zeros),
 * writes every field below except {@code STATE} (plain), creates the ring, then release-stores
 * {@link #STATE_OPEN}. A connecting end acquire-reads {@code STATE} until it is not
 * {@link #STATE_MAKING} (waiting at most its connect timeout) and only then reads the rest
 * and attaches to the ring, so everything the binder wrote is visible to it.
 *
 * <p>Closing: the binder volatile-stores {@link #STATE_CLOSED} before it removes the name.
 * Senders read {@code STATE} (acquire) before each send and while a send waits for room.
 */
final class ShmChannelDescriptor {
    private ShmChannelDescriptor() {
    }

    /** {@code "JIPCSHMC"} in ASCII, read as a little-endian 64-bit value. */
    static final long MAGIC = 0x434D485343504A49L;
    /** Bumped on any change of this layout; the ring's own version is checked by the ring. */
    static final int LAYOUT_VERSION = 1;

    /** State of a new (zero) object: the binder is still making the channel. */
    static final int STATE_MAKING = 0;
    /** State of a channel whose binding end receives. */
    static final int STATE_OPEN = 1;
    /** State after the binding end closed: nothing will receive any more. */
    static final int STATE_CLOSED = 2;

    /** How many maximum-size messages a ring holds when {@link ChannelOptions#capacity(int)} is unset. */
    static final int DEFAULT_CAPACITY = 8;

    /** {@link #MAGIC}, 64 bits. Writer: the binder, plain, before {@code STATE}. */
    static final int MAGIC_OFFSET = 0;
    /** {@link #LAYOUT_VERSION}, 32 bits. Written like {@code MAGIC}. */
    static final int LAYOUT_VERSION_OFFSET = MAGIC_OFFSET + Long.BYTES;
    /**
     * {@link #STATE_MAKING}, {@link #STATE_OPEN} or {@link #STATE_CLOSED}, 32 bits. Writer: the
     * binder, release store of {@code OPEN} after everything else, volatile store of
     * {@code CLOSED} on close. Readers: connecting ends, acquire. Not a futex word: a sender
     * that waits for room looks at it once per wait slice.
     */
    static final int STATE_OFFSET = LAYOUT_VERSION_OFFSET + Integer.BYTES;
    /** The channel's maximum message size in bytes, 32 bits. Written like {@code MAGIC}. */
    static final int MAX_MESSAGE_SIZE_OFFSET = STATE_OFFSET + Integer.BYTES;
    /** The binder's pid, 32 bits, so that a sender waiting for room can tell it died. Written like {@code MAGIC}. */
    static final int BINDER_PID_OFFSET = MAX_MESSAGE_SIZE_OFFSET + Integer.BYTES;
    /**
     * The binder's start time (see {@link io.jipc.process.ProcessIdentity}; 0 if unknown), 64
     * bits, so that a recycled pid does not pass for the binder. Written like {@code MAGIC}.
     */
    static final int BINDER_START_TIME_OFFSET = BINDER_PID_OFFSET + Integer.BYTES;
    /**
     * A random number naming this binding, 64 bits, never 0. Written like {@code MAGIC}. On
     * close, the binder removes the name only if the object under it still carries its
     * incarnation: someone may have removed it and bound the name anew meanwhile.
     */
    static final int INCARNATION_OFFSET = BINDER_START_TIME_OFFSET + Long.BYTES;

    /**
     * Length of the channel header; the ring's region starts here, on a line pair of its own.
     * <pre>
     *   0                   1                   2                   3
     *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     *  +---------------------------------------------------------------+
     *  |                   Magic "JIPCSHMC" (64 bits)                  |   0
     *  |                                                               |
     *  +---------------------------------------------------------------+
     *  |                        Layout Version                         |   8
     *  +---------------------------------------------------------------+
     *  |              State: 0 making, 1 open, 2 closed                |  12
     *  +---------------------------------------------------------------+
     *  |                  Maximum Message Size (bytes)                 |  16
     *  +---------------------------------------------------------------+
     *  |                          Binder Pid                           |  20
     *  +---------------------------------------------------------------+
     *  |                  Binder Start Time (64 bits)                  |  24
     *  |                                                               |
     *  +---------------------------------------------------------------+
     *  |                     Incarnation (64 bits)                     |  32
     *  |                                                               |
     *  +---------------------------------------------------------------+
     *  |                  Reserved, zero, to byte 128                 ...  40
     * ...                                                              |
     *  +---------------------------------------------------------------+
     *  |   MPSC ring: RingDescriptor.HEADER_LENGTH + capacity bytes   ... 128
     * ...                                                              |
     *  +---------------------------------------------------------------+
     * </pre>
     */
    static final int HEADER_LENGTH = RingDescriptor.REGION_LENGTH;
    /** Where the ring's region starts. */
    static final int RING_OFFSET = HEADER_LENGTH;

    /** {@return the bytes one message of {@code maxMessageSize} takes in the ring, header and alignment included} */
    static long recordLength(int maxMessageSize) {
        return RecordDescriptor.alignedLength(RecordDescriptor.HEADER_LENGTH + maxMessageSize);
    }

    /**
     * {@return the ring capacity for {@code messages} messages of {@code maxMessageSize}}: the
     * smallest power of two that holds that many records of the maximum size and whose own
     * largest message ({@code capacity / 8}) is at least {@code maxMessageSize}.
     *
     * @throws IllegalArgumentException if that is more than {@link RingDescriptor#MAX_CAPACITY}
     */
    static int ringCapacity(int maxMessageSize, int messages) {
        long need = Math.max(RingDescriptor.MIN_CAPACITY, Math.max(
                (long) RingDescriptor.MAX_MESSAGE_DIVISOR * maxMessageSize, messages * recordLength(maxMessageSize)));
        if (need > RingDescriptor.MAX_CAPACITY) {
            throw new IllegalArgumentException("a shared-memory ring for " + messages + " messages of up to "
                    + maxMessageSize + " bytes needs " + need + " bytes; the largest ring has "
                    + RingDescriptor.MAX_CAPACITY + ": ask for a smaller maxMessageSize or capacity");
        }
        return (int) (Long.highestOneBit(need - 1) << 1); // need >= 64: the next power of two
    }

    /** {@return how many maximum-size messages a ring of {@code ringCapacity} bytes holds} */
    static long messagesHeld(int ringCapacity, int maxMessageSize) {
        return ringCapacity / recordLength(maxMessageSize);
    }

    /** {@return the size of the shared-memory object for a ring of {@code ringCapacity}} */
    static long objectLength(int ringCapacity) {
        return RING_OFFSET + RingDescriptor.regionLength(ringCapacity);
    }
}
