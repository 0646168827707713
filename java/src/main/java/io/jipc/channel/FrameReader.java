package io.jipc.channel;

import io.jipc.IpcException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import static io.jipc.channel.FrameDescriptor.HEADER_LENGTH;
import static io.jipc.channel.FrameDescriptor.HELLO_LENGTH;
import static io.jipc.channel.FrameDescriptor.LENGTH_OFFSET;

/**
 * Cuts a byte stream into frames ({@link FrameDescriptor}): the peer's hello first (unless a
 * handshake took it), then messages. Bytes are read in bulk into one native buffer, so a read
 * may bring several small frames at once; a frame is handed out as a slice of that buffer.
 *
 * <p>Memory follows what arrives, never what is announced or allowed: there is no buffer
 * until the first read, then {@link #INITIAL_CAPACITY} bytes (or the largest frame, if
 * smaller), and the buffer doubles only when it is full of one unfinished hello or frame,
 * never past that frame. So a peer that announced 8 MiB and sent 13 bytes holds
 * {@link #INITIAL_CAPACITY}, and one that sent {@code n} bytes of a frame at most
 * {@code 2n}. A buffer grown past {@link #KEEP_CAPACITY} is given back once it is empty.
 * Growth asks a {@link Budget} first, so that all connections of a listener together stay
 * under a cap. Lengths are checked against the maximum as soon as a header is complete, in
 * arithmetic that cannot overflow.
 *
 * <p>Not thread-safe: the channel's receive lock guards it.
 */
final class FrameReader {
    static final int INITIAL_CAPACITY = 4 * 1024;
    /** A buffer up to this size is kept for the connection's life; a larger one goes when empty. */
    static final int KEEP_CAPACITY = 64 * 1024;

    /** Memory shared by several readers; asked before a buffer grows, told when one shrinks. */
    interface Budget {
        /** {@return whether {@code bytes} more may be held} If so, they are counted as held. */
        boolean reserve(long bytes);

        /** Gives back {@code bytes} that {@link #reserve} counted. */
        void release(long bytes);

        Budget UNLIMITED = new Budget() {
            @Override
            public boolean reserve(long bytes) {
                return true;
            }

            @Override
            public void release(long bytes) {
            }
        };
    }

    private final int maxMessageSize;
    private final Budget budget;
    private Arena arena;
    private MemorySegment memory;
    /** Unconsumed bytes are [start, buffer.position()); the buffer is always in "fill" mode. Null: none yet. */
    private ByteBuffer buffer;
    private int start;
    private boolean helloSeen;

    /** @param helloSeen whether the peer's hello was already taken off the stream (by a handshake) */
    FrameReader(int maxMessageSize, boolean helloSeen) {
        this(maxMessageSize, helloSeen, Budget.UNLIMITED);
    }

    FrameReader(int maxMessageSize, boolean helloSeen, Budget budget) {
        this.maxMessageSize = maxMessageSize;
        this.helloSeen = helloSeen;
        this.budget = budget;
    }

    /** Moves the unconsumed bytes into a new buffer of {@code capacity}; the caller reserved it. */
    private void reallocate(int capacity) {
        // Shared: receives may come from any thread, one at a time.
        Arena a = Arena.ofShared();
        MemorySegment m = a.allocate(capacity, 64);
        ByteBuffer b = m.asByteBuffer();
        if (buffer != null) {
            int n = buffer.position() - start;
            MemorySegment.copy(memory, start, m, 0, n);
            b.position(n);
            budget.release(buffer.capacity());
            arena.close();
        }
        start = 0;
        arena = a;
        memory = m;
        buffer = b;
    }

    /**
     * Looks at what is buffered: takes the peer's hello off if it is due and complete, then
     * checks the next frame's header.
     *
     * @param who names the channel or connection in messages
     * @return the length of the complete frame that is next, or -1 if more bytes are needed
     * @throws IpcException with {@code INCOMPATIBLE_LAYOUT} for a bad hello, or
     *                      {@code INVALID_ARGUMENT} for a length above the maximum (or negative)
     */
    int next(String who) throws IpcException {
        if (buffer == null) {
            return -1;
        }
        int available = buffer.position() - start;
        if (!helloSeen) {
            if (available < HELLO_LENGTH) {
                return -1;
            }
            String bad = FrameDescriptor.checkHello(buffer, start);
            if (bad != null) {
                throw new IpcException("receive", who, 0, null, bad + "; connection dropped",
                        IpcException.Reason.INCOMPATIBLE_LAYOUT);
            }
            helloSeen = true;
            consumeBytes(HELLO_LENGTH);
            available -= HELLO_LENGTH;
        }
        if (available < HEADER_LENGTH) {
            return -1;
        }
        int length = buffer.getInt(start + LENGTH_OFFSET);
        if (length < 0 || length > maxMessageSize) {
            throw new IpcException("receive", who, 0, null, "the peer announced a message of "
                    + Integer.toUnsignedLong(length) + " bytes, more than the channel's maximum of " + maxMessageSize
                    + " bytes; refused unread, connection dropped", IpcException.Reason.INVALID_ARGUMENT);
        }
        return available - HEADER_LENGTH >= length ? length : -1;
    }

    /** {@return whether the peer's hello has been read} */
    boolean helloSeen() {
        return helloSeen;
    }

    /** {@return the complete frame's payload, as {@link #next} found it; valid until the next read} */
    MemorySegment payload(int length) {
        return memory.asSlice(start + HEADER_LENGTH, length);
    }

    /** {@return where the complete frame's payload starts in {@link #memory()}} */
    long payloadOffset() {
        return start + HEADER_LENGTH;
    }

    /** {@return the whole buffer, for copies without a slice} */
    MemorySegment memory() {
        return memory;
    }

    /** Drops the frame {@link #next} found. Its bytes stay in place until the next {@link #room()}. */
    void consume(int length) {
        consumeBytes(HEADER_LENGTH + length);
    }

    private void consumeBytes(int n) {
        start += n;
        if (start == buffer.position()) {
            start = 0;
            buffer.clear();
        }
    }

    /** {@return the size of the buffer, for tests of what a peer can make this side allocate} */
    int capacity() {
        return buffer == null ? 0 : buffer.capacity();
    }

    /** {@return the bytes buffered and not yet handed out} */
    int buffered() {
        return buffer == null ? 0 : buffer.position() - start;
    }

    /**
     * Gives back a buffer that grew past {@link #KEEP_CAPACITY} once nothing is left in it;
     * call when no slice handed out is in use any more.
     */
    void trim() {
        if (buffer != null && buffer.capacity() > KEEP_CAPACITY && buffer.position() == start) {
            budget.release(buffer.capacity());
            arena.close();
            arena = null;
            memory = null;
            buffer = null;
            start = 0;
        }
    }

    /**
     * {@return the buffer to read into, with room for at least one more byte of the hello or
     * frame that is due, or null if the budget allows no more} Call only when {@link #next}
     * returned -1.
     */
    ByteBuffer room() {
        long need = need();
        if (buffer == null) {
            int first = (int) Math.min(INITIAL_CAPACITY, Math.max(need, (long) maxMessageSize + HEADER_LENGTH));
            first = Math.max(first, HELLO_LENGTH);
            if (!budget.reserve(first)) {
                return null;
            }
            reallocate(first);
            return buffer;
        }
        if (buffer.hasRemaining()) {
            return buffer;
        }
        int available = buffer.position() - start;
        if (start > 0) {
            // Full, but of consumed bytes in front: move the unfinished unit to the start.
            MemorySegment.copy(memory, start, memory, 0, available);
            buffer.position(available);
            start = 0;
            return buffer;
        }
        // Full of one unfinished unit: double, never past it (need > capacity here, need fits an int).
        long grown = Math.min(need, 2L * buffer.capacity());
        if (!budget.reserve(grown)) {
            return null;
        }
        reallocate((int) grown);
        return buffer;
    }

    /** The bytes the hello or frame that is due takes, header included; at most max + header. */
    private long need() {
        int available = buffered();
        if (!helloSeen) {
            return HELLO_LENGTH;
        }
        if (available < HEADER_LENGTH) {
            return HEADER_LENGTH;
        }
        // next() has checked this length against the maximum.
        return HEADER_LENGTH + (long) buffer.getInt(start + LENGTH_OFFSET);
    }

    /** For an error message: how far the unfinished hello or frame got. */
    String partial() {
        int available = buffered();
        if (!helloSeen) {
            return available + " of the " + HELLO_LENGTH + " bytes of its hello";
        }
        if (available < HEADER_LENGTH) {
            return available + " of the " + HEADER_LENGTH + " bytes of a frame header";
        }
        return (available - HEADER_LENGTH) + " of the " + buffer.getInt(start + LENGTH_OFFSET)
                + " bytes of a message";
    }

    /** Frees the buffer; the reader is unusable afterwards. Idempotent. */
    void free() {
        if (arena != null) {
            budget.release(buffer.capacity());
            arena.close();
            arena = null;
            memory = null;
            buffer = null;
        }
    }
}
