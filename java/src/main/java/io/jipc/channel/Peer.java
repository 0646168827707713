package io.jipc.channel;

import io.jipc.internal.Deadline;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.Objects;

/**
 * The sender of a received message, as the way to answer it: a receive that is given a
 * {@code Peer} fills it in, and its {@code send} methods reply to that sender and nobody else.
 *
 * <pre>{@code
 * Peer from = new Peer();                       // one per receiving thread, reused
 * while (true) {
 *     int n = server.receive(buffer, from);     // from now names this message's sender
 *     from.send(answer(buffer, n));             // reaches that sender, whichever thread replies
 * }
 * }</pre>
 *
 * <p>A bound {@code unix:} or {@code tcp:} end talks to many peers and cannot send on its own:
 * its replies go through a {@code Peer}, so that two threads serving two clients never answer
 * each other's. On a connected stream end or a pipe end, the peer is the one at the other end,
 * as {@link MessageChannel#send} reaches. The receiving end of {@code shm:} or {@code mq:} has
 * no way back: its {@code Peer}'s sends throw {@link UnsupportedOperationException} (bind a
 * channel the other way for replies).
 *
 * <p>A {@code Peer} is a small mutable holder, not thread-safe: give each receiving thread its
 * own, or hand it over with a happens-before edge. Filling it in allocates nothing. It stays
 * valid until the next receive into it; if the sender has gone meanwhile, a send throws
 * {@link ChannelClosedException}. Sends follow the rules of {@link MessageChannel#send(MemorySegment)},
 * except that a message is limited by what this sender takes (the lesser of both ends'
 * maximums), which is {@link #maxMessageSize()}.
 */
public final class Peer {
    /** The channel the message came through; null before the first receive. */
    private MessageChannel channel;
    /** The channel's handle of the sender: a connection, or the channel itself; null for no way back. */
    private Object sender;
    private int maxMessageSize;

    /** Makes an empty peer; a receive fills it in. */
    public Peer() {
    }

    /** Names the one peer of {@code channel} (or nobody, if it cannot send): for channels of one peer. */
    void setOnly(MessageChannel channel) {
        set(channel, channel.canSend() ? channel : null, channel.maxMessageSize());
    }

    void set(MessageChannel channel, Object sender, int maxMessageSize) {
        this.channel = channel;
        this.sender = sender;
        this.maxMessageSize = maxMessageSize;
    }

    /** {@return whether a receive has filled this in} */
    public boolean isKnown() {
        return channel != null;
    }

    /** {@return whether replies can be sent to this peer (a receive filled it in, over a channel with a way back)} */
    public boolean canSend() {
        return sender != null;
    }

    /** {@return the longest reply this peer takes, or 0 if it cannot be sent to} */
    public int maxMessageSize() {
        return sender == null ? 0 : maxMessageSize;
    }

    /**
     * Blocking: sends {@code message} to this peer, waiting while there is no room.
     *
     * @param message the message, the whole segment; at most {@link #maxMessageSize()} bytes,
     *     possibly empty
     * @throws IllegalStateException         if no receive has filled this in, or the channel is closed
     * @throws UnsupportedOperationException if the channel has no way back ({@code shm:}, {@code mq:})
     * @throws IllegalArgumentException      if the message is longer than {@link #maxMessageSize()}
     * @throws ChannelClosedException        if the peer is gone
     * @throws AsynchronousCloseException    if the channel was closed while the send waited
     */
    public void send(MemorySegment message) throws IOException {
        reply(message, Deadline.FOREVER);
    }

    /**
     * Blocking: sends the bytes of {@code message} to this peer; see {@link #send(MemorySegment)}.
     *
     * @param message the message, the whole array; at most {@link #maxMessageSize()} bytes,
     *     possibly empty
     * @throws IOException as {@link #send(MemorySegment)}
     */
    public void send(byte[] message) throws IOException {
        reply(MemorySegment.ofArray(Objects.requireNonNull(message, "message")), Deadline.FOREVER);
    }

    /**
     * Non-blocking: sends {@code message} to this peer if it fits now.
     *
     * @param message the message, the whole segment; at most {@link #maxMessageSize()} bytes,
     *     possibly empty
     * @return {@code true} if sent, {@code false} if there was no room (nothing was sent)
     * @throws IOException as {@link #send(MemorySegment)}
     * @see #send(MemorySegment)
     */
    public boolean trySend(MemorySegment message) throws IOException {
        return reply(message, Deadline.NOW);
    }

    /**
     * Timed: sends {@code message} to this peer, waiting at most {@code timeout} for room.
     *
     * @param message the message, the whole segment; at most {@link #maxMessageSize()} bytes,
     *     possibly empty
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if sent, {@code false} if the time was up first (nothing was sent)
     * @throws IOException as {@link #send(MemorySegment)}
     * @see #send(MemorySegment)
     */
    public boolean send(MemorySegment message, Duration timeout) throws IOException {
        return reply(message, Deadline.after(timeout));
    }

    private boolean reply(MemorySegment message, Deadline deadline) throws IOException {
        Objects.requireNonNull(message, "message");
        MessageChannel c = channel;
        if (c == null) {
            throw new IllegalStateException("this Peer names nobody yet: give it to a receive first");
        }
        if (sender == null) {
            throw new UnsupportedOperationException(c.address() + " carries messages one way; there is no way back to "
                    + "the sender (bind a channel the other way for replies)");
        }
        if (message.byteSize() > maxMessageSize) {
            throw new IllegalArgumentException("message of " + message.byteSize() + " bytes is longer than the "
                    + maxMessageSize + " bytes this peer of " + c.address() + " takes");
        }
        if (c instanceof AbstractChannel a) {
            return a.reply(sender, message, deadline);
        }
        // A transport outside the core with one peer: the channel's own send reaches it.
        if (deadline.isForever()) {
            c.send(message);
            return true;
        }
        return deadline.isNow() ? c.trySend(message) : c.send(message, Duration.ofNanos(deadline.remainingNanos()));
    }

    @Override
    public String toString() {
        if (channel == null) {
            return "Peer[nobody yet]";
        }
        return "Peer[" + (channel instanceof AbstractChannel a ? a.peerName(sender) : channel.address()) + "]";
    }
}
