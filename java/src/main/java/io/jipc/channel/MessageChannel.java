package io.jipc.channel;

import io.jipc.IpcException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.InterruptibleChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * One end of a message channel: whole messages in, whole messages out, over any transport.
 *
 * <p>Made by {@link Channels#bind(URI, ChannelOptions)} (the receiving end, which peers
 * connect to), {@link Channels#connect(URI, ChannelOptions)} (the sending end) or
 * {@link Channels#pipe(ChannelOptions)} (both ends of a pipe pair). The rules every
 * transport keeps are in the {@linkplain io.jipc.channel package documentation}:
 * <a href="package-summary.html#direction">who may send and receive</a>,
 * <a href="package-summary.html#modes">blocking, non-blocking and timed</a> operations,
 * <a href="package-summary.html#messages">message boundaries and visibility</a>,
 * <a href="package-summary.html#end">end of channel and failures</a>, and
 * <a href="package-summary.html#closing">closing and threads</a>. The first sentence of each
 * method names its mode.
 *
 * <p>Sending never keeps a reference to the caller's bytes: once a send returns, the buffer
 * may be reused. A message longer than {@link #maxMessageSize()} is an
 * {@link IllegalArgumentException} before anything is sent; the channel stays usable.
 *
 * <p>A channel is an {@link InterruptibleChannel}, as the JDK's channels are: if a thread
 * blocked in a {@code send} or {@code receive} (blocking or timed) is
 * {@linkplain Thread#interrupt() interrupted}, the channel is closed, the call ends at once
 * (within a wake-up, not a polling interval) with {@link ClosedByInterruptException}, and the
 * thread's interrupt status stays set; every other call blocked on the channel ends with
 * {@link AsynchronousCloseException}. So {@code ExecutorService.shutdownNow()} stops a
 * thread that waits in {@code receive}. A non-blocking call, or a call that need not wait,
 * is not affected by the interrupt status.
 *
 * <p>Transports outside the core module implement this interface through the
 * {@linkplain io.jipc.channel.spi service-provider interface}; every implementation keeps the
 * contract stated here and in the package documentation, and documents where its transport
 * cannot (as {@code io.jipc.aeron} does for a subscriber that joins a multicast stream late).
 */
public interface MessageChannel extends InterruptibleChannel {
    /** Returned by {@link #tryReceive(MemorySegment)} and the timed receive when there was no message. */
    int NOTHING = -1;

    /**
     * {@return the channel's address} For a bound channel, the address it is reachable at
     * (the real port of {@code tcp://127.0.0.1:0}); for a connected one, the address it
     * connected to.
     */
    URI address();

    /** {@return the longest message, in bytes, that this channel carries; fixed when it is made} */
    int maxMessageSize();

    /** {@return whether this end may send; see <a href="package-summary.html#direction">Direction</a>} */
    boolean canSend();

    /** {@return whether this end may receive; see <a href="package-summary.html#direction">Direction</a>} */
    boolean canReceive();

    /** {@return whether this end is open (not yet {@linkplain #close() closed} in this process)} */
    boolean isOpen();

    /**
     * {@return how many peers this end has dropped since it was made} Only a bound
     * {@code unix:} or {@code tcp:} end drops peers: one that fails its hello, its proof of
     * the secret or the credential check, sends nothing in time, breaks the protocol, stops in
     * the middle of a message, needs more memory for unfinished messages than allowed, or
     * comes over the connection limit. It never throws from a receive for such a peer; see
     * {@link ChannelOptions#onPeerDropped} for the reasons. Every other end returns 0.
     */
    default long peersDropped() {
        return 0;
    }

    // ---- sending ----

    /**
     * Blocking: sends {@code message}, waiting as long as the transport has no room.
     *
     * @param message the message, the whole segment; at most {@link #maxMessageSize()} bytes,
     *     possibly empty
     * @throws IllegalArgumentException      if the message is longer than {@link #maxMessageSize()}
     * @throws UnsupportedOperationException if this end cannot send ({@link #canSend()}; a bound
     *                                       {@code unix:} or {@code tcp:} end replies through a {@link Peer})
     * @throws IllegalStateException         if this channel is closed
     * @throws ChannelClosedException        if the peer is gone
     * @throws AsynchronousCloseException    if another thread closed this channel while the send waited
     * @throws IpcException                  if the transport fails otherwise
     */
    void send(MemorySegment message) throws IOException;

    /**
     * Blocking: sends the bytes of {@code message}; see {@link #send(MemorySegment)}.
     *
     * @param message the message, the whole array; at most {@link #maxMessageSize()} bytes,
     *     possibly empty
     * @throws IOException as {@link #send(MemorySegment)}
     */
    void send(byte[] message) throws IOException;

    /**
     * Blocking: sends the bytes between {@code message}'s position and limit; on return the
     * position equals the limit. See {@link #send(MemorySegment)}.
     *
     * @param message the message, from the buffer's position to its limit; at most
     *     {@link #maxMessageSize()} bytes
     * @throws IOException as {@link #send(MemorySegment)}
     */
    void send(ByteBuffer message) throws IOException;

    /**
     * Non-blocking: sends {@code message} if the transport takes it now.
     *
     * @param message the message, the whole segment; at most {@link #maxMessageSize()} bytes,
     *     possibly empty
     * @return {@code true} if the message was sent, {@code false} if there was no room (nothing
     *         of it was sent)
     * @throws IllegalArgumentException      if the message is longer than {@link #maxMessageSize()}
     * @throws UnsupportedOperationException if this end cannot send
     * @throws IllegalStateException         if this channel is closed
     * @throws ChannelClosedException        if the peer is gone
     * @throws IpcException                  if the transport fails otherwise
     */
    boolean trySend(MemorySegment message) throws IOException;

    /**
     * Non-blocking: sends the bytes of {@code message} if they fit now; see {@link
     * #trySend(MemorySegment)}.
     *
     * @param message the message, the whole array; at most {@link #maxMessageSize()} bytes,
     *     possibly empty
     * @return {@code true} if the message was sent, {@code false} if there was no room (nothing of
     *     it was sent)
     * @throws IOException as {@link #trySend(MemorySegment)}
     */
    boolean trySend(byte[] message) throws IOException;

    /**
     * Non-blocking: sends the bytes between {@code message}'s position and limit if they fit
     * now; the position moves to the limit only if the message was sent. See
     * {@link #trySend(MemorySegment)}.
     *
     * @param message the message, from the buffer's position to its limit; at most
     *     {@link #maxMessageSize()} bytes
     * @return {@code true} if the message was sent, {@code false} if there was no room (nothing of
     *     it was sent)
     * @throws IOException as {@link #trySend(MemorySegment)}
     */
    boolean trySend(ByteBuffer message) throws IOException;

    /**
     * Timed: sends {@code message}, waiting at most {@code timeout} for room.
     *
     * @param message the message, the whole segment; at most {@link #maxMessageSize()} bytes,
     *     possibly empty
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if the message was sent, {@code false} if the time was up first
     *         (nothing of it was sent)
     * @throws IllegalArgumentException      if the message is longer than {@link #maxMessageSize()}
     * @throws UnsupportedOperationException if this end cannot send
     * @throws IllegalStateException         if this channel is closed
     * @throws ChannelClosedException        if the peer is gone
     * @throws AsynchronousCloseException    if another thread closed this channel while the send waited
     * @throws IpcException                  if the transport fails otherwise
     */
    boolean send(MemorySegment message, Duration timeout) throws IOException;

    /**
     * Timed: sends the bytes of {@code message}; see {@link #send(MemorySegment, Duration)}.
     *
     * @param message the message, the whole array; at most {@link #maxMessageSize()} bytes,
     *     possibly empty
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if the message was sent, {@code false} if the time was up first (nothing
     *     of it was sent)
     * @throws IOException as {@link #send(MemorySegment, Duration)}
     */
    boolean send(byte[] message, Duration timeout) throws IOException;

    /**
     * Timed: sends the bytes between {@code message}'s position and limit; the position moves
     * to the limit only if the message was sent. See {@link #send(MemorySegment, Duration)}.
     *
     * @param message the message, from the buffer's position to its limit; at most
     *     {@link #maxMessageSize()} bytes
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if the message was sent, {@code false} if the time was up first (nothing
     *     of it was sent)
     * @throws IOException as {@link #send(MemorySegment, Duration)}
     */
    boolean send(ByteBuffer message, Duration timeout) throws IOException;

    // ---- receiving into the caller's memory ----

    /**
     * Blocking: receives the next message into {@code into}, from its start, waiting as long
     * as there is none. Bytes of {@code into} past the message are left as they were.
     *
     * @param into writable, at least {@link #maxMessageSize()} bytes (any message may be that long)
     * @return the message's length, 0 to {@link #maxMessageSize()}
     * @throws IllegalArgumentException      if {@code into} is read-only or shorter than {@link #maxMessageSize()}
     * @throws UnsupportedOperationException if this end cannot receive ({@link #canReceive()})
     * @throws IllegalStateException         if this channel is closed
     * @throws ChannelClosedException        at end of channel: the peer is gone and no message remains
     * @throws AsynchronousCloseException    if another thread closed this channel while the receive waited
     * @throws IpcException                  if the peer broke the protocol or died in the middle of a
     *                                       message (the partial message is discarded), or the
     *                                       transport fails otherwise
     */
    int receive(MemorySegment into) throws IOException;

    /**
     * Non-blocking: receives the next message into {@code into} if one is there now; see
     * {@link #receive(MemorySegment)}.
     *
     * @param into where the message is copied, from its start: writable, at least
     *     {@link #maxMessageSize()} bytes
     * @return the message's length, or {@link #NOTHING} if there was none ({@code into} is unchanged)
     * @throws IOException as {@link #receive(MemorySegment)}
     */
    int tryReceive(MemorySegment into) throws IOException;

    /**
     * Timed: receives the next message into {@code into}, waiting at most {@code timeout}; see
     * {@link #receive(MemorySegment)}.
     *
     * @param into where the message is copied, from its start: writable, at least
     *     {@link #maxMessageSize()} bytes
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return the message's length, or {@link #NOTHING} if none came in time ({@code into} is unchanged)
     * @throws IOException as {@link #receive(MemorySegment)}
     */
    int receive(MemorySegment into, Duration timeout) throws IOException;

    // ---- receiving in place ----

    /**
     * Blocking: hands the next message to {@code handler} where the transport holds it,
     * without copying it into a buffer of the caller's, waiting as long as there is none. The
     * view is read-only and valid only during the handler's call; see {@link MessageHandler}.
     *
     * @param handler called with the message, on this thread, before this returns
     * @throws UnsupportedOperationException if this end cannot receive
     * @throws IllegalStateException         if this channel is closed, or {@code handler} is running
     *                                       a receive of this channel
     * @throws ChannelClosedException        at end of channel
     * @throws AsynchronousCloseException    if another thread closed this channel while the receive waited
     * @throws IpcException                  as {@link #receive(MemorySegment)}
     * @throws IOException                   whatever the handler throws
     */
    void receive(MessageHandler handler) throws IOException;

    /**
     * Non-blocking: hands the next message to {@code handler} if one is there now; see
     * {@link #receive(MessageHandler)}.
     *
     * @param handler called with the message, on this thread, before this returns
     * @return {@code true} if a message was handled, {@code false} if there was none
     * @throws IOException as {@link #receive(MessageHandler)}
     */
    boolean tryReceive(MessageHandler handler) throws IOException;

    /**
     * Timed: hands the next message to {@code handler}, waiting at most {@code timeout}; see
     * {@link #receive(MessageHandler)}.
     *
     * @param handler called with the message, on this thread, before this returns
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if a message was handled, {@code false} if none came in time
     * @throws IOException as {@link #receive(MessageHandler)}
     */
    boolean receive(MessageHandler handler, Duration timeout) throws IOException;

    // ---- receiving with the way back ----

    /**
     * Blocking: as {@link #receive(MemorySegment)}, and fills {@code from} in with the
     * message's sender, the way to reply to it (see {@link Peer}). A bound {@code unix:} or
     * {@code tcp:} end replies only this way.
     *
     * @param into where the message is copied, from its start: writable, at least
     *     {@link #maxMessageSize()} bytes
     * @param from filled in with the message's sender when a message comes; reusable across
     *     receives
     * @return the message's length, 0 to {@link #maxMessageSize()}
     * @throws IOException as {@link #receive(MemorySegment)}
     */
    default int receive(MemorySegment into, Peer from) throws IOException {
        int n = receive(into);
        Objects.requireNonNull(from, "from").setOnly(this);
        return n;
    }

    /**
     * Non-blocking: as {@link #tryReceive(MemorySegment)}, filling {@code from} in if a message
     * came.
     *
     * @param into where the message is copied, from its start: writable, at least
     *     {@link #maxMessageSize()} bytes
     * @param from filled in with the message's sender when a message comes; reusable across
     *     receives
     * @return the message's length, or {@link #NOTHING} if there was none ({@code into} and
     *     {@code from} are unchanged)
     * @throws IOException as {@link #tryReceive(MemorySegment)}
     */
    default int tryReceive(MemorySegment into, Peer from) throws IOException {
        int n = tryReceive(into);
        if (n != NOTHING) {
            Objects.requireNonNull(from, "from").setOnly(this);
        }
        return n;
    }

    /**
     * Timed: as {@link #receive(MemorySegment, Duration)}, filling {@code from} in if a message
     * came.
     *
     * @param into where the message is copied, from its start: writable, at least
     *     {@link #maxMessageSize()} bytes
     * @param from filled in with the message's sender when a message comes; reusable across
     *     receives
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return the message's length, or {@link #NOTHING} if none came in time ({@code into} and
     *     {@code from} are unchanged)
     * @throws IOException as {@link #receive(MemorySegment, Duration)}
     */
    default int receive(MemorySegment into, Peer from, Duration timeout) throws IOException {
        int n = receive(into, timeout);
        if (n != NOTHING) {
            Objects.requireNonNull(from, "from").setOnly(this);
        }
        return n;
    }

    /**
     * Blocking: as {@link #receive(MessageHandler)}, with {@code from} filled in with the
     * message's sender before {@code handler} is called, so that the handler can reply
     * through it.
     *
     * @param handler called with the message, on this thread, before this returns
     * @param from filled in with the message's sender when a message comes; reusable across
     *     receives
     * @throws IOException as {@link #receive(MessageHandler)}
     */
    default void receive(MessageHandler handler, Peer from) throws IOException {
        Objects.requireNonNull(from, "from").setOnly(this);
        receive(handler);
    }

    /**
     * Non-blocking: as {@link #tryReceive(MessageHandler)}, with {@code from} filled in for the
     * handler.
     *
     * @param handler called with the message, on this thread, before this returns
     * @param from filled in with the message's sender when a message comes; reusable across
     *     receives
     * @return {@code true} if a message was handled, {@code false} if there was none
     * @throws IOException as {@link #tryReceive(MessageHandler)}
     */
    default boolean tryReceive(MessageHandler handler, Peer from) throws IOException {
        Objects.requireNonNull(from, "from").setOnly(this);
        return tryReceive(handler);
    }

    /**
     * Timed: as {@link #receive(MessageHandler, Duration)}, with {@code from} filled in for the
     * handler.
     *
     * @param handler called with the message, on this thread, before this returns
     * @param from filled in with the message's sender when a message comes; reusable across
     *     receives
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if a message was handled, {@code false} if none came in time
     * @throws IOException as {@link #receive(MessageHandler, Duration)}
     */
    default boolean receive(MessageHandler handler, Peer from, Duration timeout) throws IOException {
        Objects.requireNonNull(from, "from").setOnly(this);
        return receive(handler, timeout);
    }

    /**
     * Closes this end in this process; idempotent, never fails. It does not wait for other
     * threads: operations blocked on this end end with {@link AsynchronousCloseException}. On a
     * stream transport, the last bytes of a message that a non-blocking or timed send accepted
     * but could not write yet are written first, for at most one second. See
     * <a href="package-summary.html#closing">Closing</a> for what each transport's peer then sees
     * and what is removed (a bound queue's name, a socket file).
     */
    @Override
    void close();
}
