package io.jipc.channel;

import io.jipc.internal.Deadline;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;

import static io.jipc.channel.FrameDescriptor.HEADER_LENGTH;

/**
 * Puts messages on a byte stream as frames ({@link FrameDescriptor}), all or nothing.
 *
 * <p>A frame up to {@link #STAGE_CAPACITY} bytes is copied behind its header into one native
 * buffer and goes out in one write; a longer one is written as header, then payload, straight
 * from the caller's memory. The buffers are made at the first send, so a peer that never gets
 * a reply costs none.
 *
 * <p>A stream may take part of a frame and then have no room. A blocking send waits for the
 * rest. A non-blocking or timed send cannot take back what is already written, and must not
 * wait; so once the first byte of a frame is out the message counts as sent, and the rest, the
 * <em>tail</em>, is copied into a buffer this writer owns and goes out before any later frame:
 * in the next send, in a receive that waits while a tail is held, or when the channel closes.
 * A send that could write nothing returns {@code false} and has written nothing.
 *
 * <p>Not thread-safe: the channel's send lock guards it.
 */
final class FrameWriter {
    static final int STAGE_CAPACITY = 64 * 1024;

    private final int maxMessageSize;
    private final int stageCapacity;
    private Arena arena;
    private MemorySegment stageMemory;
    private ByteBuffer stage;
    private ByteBuffer header;
    /** Holds the tail of a long frame; allocated on first need, to the maximum frame. */
    private Arena tailArena;
    private MemorySegment tailMemory;
    /** The bytes of an accepted frame still to write (the stage or the tail buffer), or null. */
    private ByteBuffer pending;

    FrameWriter(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
        stageCapacity = (int) Math.max(FrameDescriptor.HELLO_LENGTH,
                Math.min(STAGE_CAPACITY, (long) maxMessageSize + HEADER_LENGTH));
    }

    private void allocate() {
        if (arena == null) {
            arena = Arena.ofShared();
            stageMemory = arena.allocate(stageCapacity, 64);
            stage = stageMemory.asByteBuffer();
            header = arena.allocate(HEADER_LENGTH).asByteBuffer();
        }
    }

    /** Makes the hello the first thing this writer sends. */
    void queueHello(int maxMessageSize) {
        allocate();
        stage.clear();
        FrameDescriptor.putHello(stage, maxMessageSize);
        stage.flip();
        pending = stage;
    }

    /** {@return whether bytes of an accepted frame are still to be written} */
    boolean hasTail() {
        return pending != null;
    }

    /**
     * Writes what is pending, waiting as {@code deadline} allows.
     *
     * @param channel the channel whose waits these are; null while it is being released (then
     *                a wait is a bounded linger that nothing cuts short)
     * @return {@code true} if nothing is pending any more
     */
    boolean flush(ByteLink link, AbstractChannel channel, Deadline deadline) throws IOException {
        while (pending != null) {
            int n = writeOrWait(link, channel, pending, deadline);
            if (!pending.hasRemaining()) {
                pending = null;
                return true;
            }
            if (n == 0) {
                checkClosing(channel);
                if (deadline.hasExpired()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Sends one message as a frame after whatever is pending.
     *
     * @return {@code true} if the message was accepted (written, or its tail held);
     *         {@code false} if a non-blocking or timed send could write none of it
     */
    boolean send(ByteLink link, AbstractChannel channel, MemorySegment message, Deadline deadline)
            throws IOException {
        if (!flush(link, channel, deadline)) {
            return false;
        }
        allocate();
        int length = (int) message.byteSize();
        if (HEADER_LENGTH + length <= stage.capacity()) {
            stage.clear();
            stage.putInt(length);
            MemorySegment.copy(message, 0, stageMemory, HEADER_LENGTH, length);
            stage.position(HEADER_LENGTH + length).flip();
            return write(link, channel, stage, null, deadline);
        }
        header.clear();
        header.putInt(length).flip();
        return write(link, channel, header, message.asByteBuffer(), deadline);
    }

    private boolean write(ByteLink link, AbstractChannel channel, ByteBuffer first, ByteBuffer second,
                          Deadline deadline) throws IOException {
        boolean begun = false;
        while (true) {
            ByteBuffer current = first.hasRemaining() ? first : second;
            if (current == null || !current.hasRemaining()) {
                return true;
            }
            // Once begun, a frame is finished: blocking waits on, the others hand the rest to the tail.
            int n = writeOrWait(link, channel, current, deadline);
            if (n > 0) {
                begun = true;
                continue;
            }
            checkClosing(channel);
            if (deadline.hasExpired()) {
                if (!begun) {
                    return false;
                }
                holdTail(first, second);
                return true;
            }
        }
    }

    /**
     * Writes what fits of {@code b} now, or waits until some fits or {@code deadline} passes.
     * {@return the bytes written, 0 if none in time}
     */
    private static int writeOrWait(ByteLink link, AbstractChannel channel, ByteBuffer b, Deadline deadline)
            throws IOException {
        int n = link.write(b);
        if (n > 0 || deadline.isNow()) {
            return n;
        }
        if (channel == null) {
            return link.write(b, deadline.remainingNanos());
        }
        Integer got = channel.await(() -> {
            int k = link.write(b);
            return k > 0 ? k : null;
        }, link.writable(), deadline);
        return got == null ? 0 : got;
    }

    private void holdTail(ByteBuffer first, ByteBuffer second) {
        if (first == stage) {
            pending = stage;
            return;
        }
        if (tailMemory == null) {
            tailArena = Arena.ofShared();
            tailMemory = tailArena.allocate((long) maxMessageSize + HEADER_LENGTH, 64);
        }
        ByteBuffer tail = tailMemory.asByteBuffer();
        tail.put(first);
        if (second != null) {
            tail.put(second);
        }
        pending = tail.flip();
    }

    /** @param channel null when the channel is being released and a wait must not be cut short */
    private static void checkClosing(AbstractChannel channel) throws IOException {
        if (channel != null && channel.lifetime.isClosing()) {
            throw new AsynchronousCloseException();
        }
    }

    /** Frees the buffers; the writer is unusable afterwards. Idempotent. */
    void free() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
        if (tailArena != null && tailArena.scope().isAlive()) {
            tailArena.close();
        }
    }
}
