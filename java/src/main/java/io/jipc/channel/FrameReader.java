package io.jipc.channel;

import io.jipc.IpcException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import static io.jipc.channel.FrameDescriptor.HEADER_LENGTH;
import static io.jipc.channel.FrameDescriptor.HELLO_LENGTH;
import static io.jipc.channel.FrameDescriptor.LENGTH_OFFSET;

/**
 * Cuts a byte stream into frames ({@link FrameDescriptor}): the peer's hello first, then
 * messages. Bytes are read in bulk into one native buffer, so a read may bring several small
 * frames at once; a frame is handed out as a slice of that buffer.
 *
 * <p>The buffer starts at {@link #INITIAL_CAPACITY} (or the largest frame, if smaller) and
 * grows only when a frame header announces a longer frame, to exactly that frame, after the
 * length has been checked against the maximum: a peer cannot make this side allocate more
 * than {@code maxMessageSize + HEADER_LENGTH} bytes, and never before it has said how much.
 *
 * <p>Not thread-safe: the channel's receive lock guards it.
 */
final class FrameReader {
    static final int INITIAL_CAPACITY = 64 * 1024;

    private final int maxMessageSize;
    private Arena arena;
    private MemorySegment memory;
    /** Unconsumed bytes are [start, buffer.position()); the buffer is always in "fill" mode. */
    private ByteBuffer buffer;
    private int start;
    private boolean helloSeen;

    /** @param helloSeen whether the peer's hello was already taken off the stream (by a handshake) */
    FrameReader(int maxMessageSize, boolean helloSeen) {
        this.maxMessageSize = maxMessageSize;
        this.helloSeen = helloSeen;
        allocate((int) Math.max(HELLO_LENGTH, Math.min(INITIAL_CAPACITY, (long) maxMessageSize + HEADER_LENGTH)));
    }

    private void allocate(int capacity) {
        // Shared: receives may come from any thread, one at a time.
        Arena a = Arena.ofShared();
        MemorySegment m = a.allocate(capacity, 64);
        ByteBuffer b = m.asByteBuffer();
        if (buffer != null) {
            int n = buffer.position() - start;
            MemorySegment.copy(memory, start, m, 0, n);
            b.position(n);
            start = 0;
            arena.close();
        }
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
        int available = buffer.position() - start;
        if (!helloSeen) {
            if (available < HELLO_LENGTH) {
                return -1;
            }
            String bad = FrameDescriptor.checkHello(buffer, start);
            if (bad != null) {
                throw new IpcException("receive", who, bad + "; connection dropped",
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
            throw new IpcException("receive", who, "the peer announced a message of "
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
        return buffer.capacity();
    }

    /** {@return the bytes buffered and not yet handed out} */
    int buffered() {
        return buffer.position() - start;
    }

    /**
     * {@return the buffer to read into, with room for at least the rest of the hello or frame
     * that is due} Call only when {@link #next} returned -1.
     */
    ByteBuffer room() {
        int available = buffer.position() - start;
        long need;
        if (!helloSeen) {
            need = HELLO_LENGTH;
        } else if (available >= HEADER_LENGTH) {
            need = HEADER_LENGTH + (long) buffer.getInt(start + LENGTH_OFFSET);
        } else {
            need = HEADER_LENGTH;
        }
        if (start + need > buffer.capacity()) {
            if (need <= buffer.capacity()) {
                MemorySegment.copy(memory, start, memory, 0, available);
                buffer.position(available);
                start = 0;
            } else {
                allocate((int) need);
            }
        }
        return buffer;
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
            arena.close();
            arena = null;
        }
    }
}
