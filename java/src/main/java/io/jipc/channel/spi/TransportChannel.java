package io.jipc.channel.spi;

// Long because every send and receive form (blocking, try, timed, handler, peer) is defined
// once here, for the built-in transports and the SPI's alike.

import io.jipc.channel.MessageChannel;
import io.jipc.channel.MessageHandler;
import io.jipc.channel.Peer;
import io.jipc.internal.Lifetime;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * The part of the {@link MessageChannel} contract that does not depend on the transport: the
 * one implementation behind every channel, the built-in transports' and a provider's. The
 * public methods check their arguments, count the threads inside (jipc's one lifetime: no
 * lock) and turn every overload into one of three primitives, each given a {@link WaitLimit}
 * (blocking, non-blocking or timed):
 *
 * <ul>
 *   <li>{@link #send0(MemorySegment, WaitLimit)}: the message is at most {@link #maxMessageSize()}
 *       bytes and this end {@linkplain #canSend() can send};</li>
 *   <li>{@link #receive0(MemorySegment, WaitLimit)}: {@code into} is writable and holds a
 *       maximum message;</li>
 *   <li>{@link #receive0(MessageHandler, WaitLimit)}: call {@link #deliver(MessageHandler, MemorySegment)}
 *       with the message where it lies;</li>
 * </ul>
 * plus {@link #release()}, called exactly once, by whichever thread leaves last after
 * {@link #close()}, and {@link #wakeUp()}, which {@code close()} calls to rouse blocked
 * primitives.
 *
 * <p>What a primitive owes the contract: a wait ends (throwing {@link #closedWhileWaiting()})
 * soon after {@link #isClosing()} turns true, within a millisecond or so; a timed wait lasts
 * at least its limit; a virtual thread parks, it does not pin its carrier (no
 * {@code synchronized} around a wait, no long system call). Interrupts are the base's
 * business: a channel is an {@link java.nio.channels.InterruptibleChannel}, so an interrupt
 * of a thread blocked in a blocking or timed call closes the channel, which ends the wait
 * through {@code isClosing()}, and the call throws
 * {@link java.nio.channels.ClosedByInterruptException}. A primitive must therefore not end a
 * wait on the interrupt itself, and must leave the interrupt status set when it returns.
 */
public abstract class TransportChannel implements MessageChannel {
    /** The channel whose handler this thread runs (the innermost), which it may not receive from. */
    private static final ThreadLocal<TransportChannel> HANDLING = new ThreadLocal<>();

    private final URI address;
    private final String name;
    private final int maxMessageSize;
    /** Threads inside an operation, and the close: jipc's one use count (wakeUp, then release by the last out). */
    private final Lifetime lifetime;
    /** Turns an interrupt into a close for primitives that do not; null for those that do (the built-in ones). */
    private final InterruptHook interrupts;

    /**
     * Fixes what every transport has: the address and the longest message.
     *
     * @param address        what {@link #address()} returns
     * @param maxMessageSize the longest message, fixed for the channel's life
     * @throws IllegalArgumentException if {@code maxMessageSize} is not positive
     */
    protected TransportChannel(URI address, int maxMessageSize) {
        this(address, maxMessageSize, false);
    }

    /**
     * For transports whose waits already close the channel on an interrupt and throw
     * {@link java.nio.channels.ClosedByInterruptException} (the built-in ones, which wait in
     * jipc's one wait loop): the base then adds nothing around their calls.
     *
     * @param address what {@link #address()} returns
     * @param maxMessageSize the longest message, fixed for the channel's life; positive
     * @param waitsCloseOnInterrupt whether the primitives' waits end on an interrupt themselves
     */
    protected TransportChannel(URI address, int maxMessageSize, boolean waitsCloseOnInterrupt) {
        this.address = Objects.requireNonNull(address, "address");
        this.name = address.toString();
        if (maxMessageSize <= 0) {
            throw new IllegalArgumentException("maxMessageSize must be positive, not " + maxMessageSize);
        }
        this.maxMessageSize = maxMessageSize;
        this.lifetime = new Lifetime(name, this::wakeUp, this::releaseUninterrupted);
        this.interrupts = waitsCloseOnInterrupt ? null : new InterruptHook(lifetime);
    }

    // ---- the primitives a transport implements ----

    /**
     * {@return whether the message was sent; {@code false} only when a try or timed call found no
     * room in time}
     *
     * @param message the message, at most {@link #maxMessageSize()} bytes, readable for the call
     *     only
     * @param limit how long the call may wait
     * @throws IOException if the transport fails, or {@link #closedWhileWaiting()} if a close cut
     *     the wait short
     */
    protected abstract boolean send0(MemorySegment message, WaitLimit limit) throws IOException;

    /**
     * {@return the message's length, or {@link #NOTHING}}
     *
     * @param into where to copy the message: writable and at least {@link #maxMessageSize()} bytes
     * @param limit how long the call may wait
     * @throws IOException if the transport fails, or {@link #closedWhileWaiting()} if a close cut
     *     the wait short
     */
    protected abstract int receive0(MemorySegment into, WaitLimit limit) throws IOException;

    /**
     * {@return whether a message was handed to the handler}
     *
     * @param handler what to hand the message to, by
     *     {@link #deliver(MessageHandler, MemorySegment)}
     * @param limit how long the call may wait
     * @throws IOException if the transport fails, if {@code handler} throws it, or
     *     {@link #closedWhileWaiting()} if a close cut the wait short
     */
    protected abstract boolean receive0(MessageHandler handler, WaitLimit limit) throws IOException;

    /**
     * As {@link #receive0(MemorySegment, WaitLimit)}, filling in {@code from} (not null) with
     * the sender. Only transports of module {@code io.jipc} override it (a {@link Peer} is
     * filled in by package-private means); every other channel reaches the {@code Peer}
     * forms through {@link MessageChannel}'s defaults, which name the channel's one peer.
     *
     * @param into  as for {@link #receive0(MemorySegment, WaitLimit)}
     * @param from  the peer to fill in
     * @param limit how long the call may wait
     * @return the message's length, or {@link #NOTHING}
     * @throws IOException as for {@link #receive0(MemorySegment, WaitLimit)}
     */
    protected int receive0(MemorySegment into, Peer from, WaitLimit limit) throws IOException {
        throw new UnsupportedOperationException("receive with a Peer: " + name);
    }

    /**
     * As {@link #receive0(MessageHandler, WaitLimit)}, filling in {@code from} (not null) before
     * the call; see {@link #receive0(MemorySegment, Peer, WaitLimit)}.
     *
     * @param handler as for {@link #receive0(MessageHandler, WaitLimit)}
     * @param from    the peer to fill in
     * @param limit   how long the call may wait
     * @return whether a message was handed to the handler
     * @throws IOException as for {@link #receive0(MessageHandler, WaitLimit)}
     */
    protected boolean receive0(MessageHandler handler, Peer from, WaitLimit limit) throws IOException {
        throw new UnsupportedOperationException("receive with a Peer: " + name);
    }

    /** Frees everything; called once, after close, when no thread is inside. Must not throw. */
    protected abstract void release();

    /** Rouses threads blocked in this channel so that they notice the close at once. */
    protected void wakeUp() {
    }

    /** {@return why a direction is missing, for the UnsupportedOperationException} */
    protected String directionNote() {
        return "see Direction in the io.jipc.channel package documentation";
    }

    // ---- helpers for the primitives ----

    /** {@return the address as messages name it} */
    protected final String name() {
        return name;
    }

    /** {@return whether {@link #close()} has been called; a waiting primitive then gives up} */
    protected final boolean isClosing() {
        return lifetime.isClosing();
    }

    /** {@return the exception a primitive throws when a close cut its wait short} */
    protected final AsynchronousCloseException closedWhileWaiting() {
        return new AsynchronousCloseException();
    }

    /**
     * {@return the channel's lifetime} For the transports inside module {@code io.jipc},
     * whose waits end through it; its type is not exported.
     */
    protected final Lifetime lifetime() {
        return lifetime;
    }

    /**
     * Calls {@code handler} with a read-only view of {@code message} that dies with the call:
     * a view kept afterwards, or handed to another thread, fails when touched instead of
     * showing the bytes of a later message. A heap segment cannot be given a lifetime, so it is
     * copied once, into memory that dies with the call; native memory is handed over in place.
     *
     * @param handler the caller's handler, run on this thread before this returns
     * @param message the message where it lies, in the transport's memory or a heap copy
     * @throws IOException as {@code handler} throws it
     */
    protected final void deliver(MessageHandler handler, MemorySegment message) throws IOException {
        TransportChannel outer = HANDLING.get();
        HANDLING.set(this);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment view = message.isNative() ? message.reinterpret(call, null)
                    : call.allocate(message.byteSize()).copyFrom(message);
            handler.onMessage(view.asReadOnly());
        } finally {
            HANDLING.set(outer);
        }
    }

    /**
     * Runs {@link #release()} with the interrupt status clear: the last thread out may be the
     * one whose interrupt closed the channel, and a release must still finish its work (a
     * stream's last bytes, a client library's orderly close) rather than see the interrupt.
     */
    private void releaseUninterrupted() {
        boolean interrupted = Thread.interrupted();
        try {
            release();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- public surface ----

    @Override
    public final URI address() {
        return address;
    }

    @Override
    public final int maxMessageSize() {
        return maxMessageSize;
    }

    @Override
    public final boolean isOpen() {
        return lifetime.isOpen();
    }

    @Override
    public final void send(MemorySegment message) throws IOException {
        sendSegment(message, WaitLimit.blocking());
    }

    @Override
    public final void send(byte[] message) throws IOException {
        sendSegment(MemorySegment.ofArray(Objects.requireNonNull(message, "message")), WaitLimit.blocking());
    }

    @Override
    public final void send(ByteBuffer message) throws IOException {
        sendBuffer(message, WaitLimit.blocking());
    }

    @Override
    public final boolean trySend(MemorySegment message) throws IOException {
        return sendSegment(message, WaitLimit.nonBlocking());
    }

    @Override
    public final boolean trySend(byte[] message) throws IOException {
        return sendSegment(MemorySegment.ofArray(Objects.requireNonNull(message, "message")), WaitLimit.nonBlocking());
    }

    @Override
    public final boolean trySend(ByteBuffer message) throws IOException {
        return sendBuffer(message, WaitLimit.nonBlocking());
    }

    @Override
    public final boolean send(MemorySegment message, Duration timeout) throws IOException {
        return sendSegment(message, WaitLimit.after(timeout));
    }

    @Override
    public final boolean send(byte[] message, Duration timeout) throws IOException {
        return sendSegment(MemorySegment.ofArray(Objects.requireNonNull(message, "message")), WaitLimit.after(timeout));
    }

    @Override
    public final boolean send(ByteBuffer message, Duration timeout) throws IOException {
        return sendBuffer(message, WaitLimit.after(timeout));
    }

    @Override
    public final int receive(MemorySegment into) throws IOException {
        return receiveInto(into, null, WaitLimit.blocking());
    }

    @Override
    public final int tryReceive(MemorySegment into) throws IOException {
        return receiveInto(into, null, WaitLimit.nonBlocking());
    }

    @Override
    public final int receive(MemorySegment into, Duration timeout) throws IOException {
        return receiveInto(into, null, WaitLimit.after(timeout));
    }

    @Override
    public final void receive(MessageHandler handler) throws IOException {
        receiveHandler(handler, null, WaitLimit.blocking());
    }

    @Override
    public final boolean tryReceive(MessageHandler handler) throws IOException {
        return receiveHandler(handler, null, WaitLimit.nonBlocking());
    }

    @Override
    public final boolean receive(MessageHandler handler, Duration timeout) throws IOException {
        return receiveHandler(handler, null, WaitLimit.after(timeout));
    }

    @Override
    public final void close() {
        lifetime.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + (isOpen() ? "" : ", closed") + "]";
    }

    // ---- argument checks, the use count and interrupts ----

    private boolean sendBuffer(ByteBuffer message, WaitLimit limit) throws IOException {
        Objects.requireNonNull(message, "message");
        boolean sent = sendSegment(MemorySegment.ofBuffer(message), limit);
        if (sent) {
            message.position(message.limit());
        }
        return sent;
    }

    private boolean sendSegment(MemorySegment message, WaitLimit limit) throws IOException {
        Objects.requireNonNull(message, "message");
        if (!canSend()) {
            throw new UnsupportedOperationException(name + ": this end of the channel cannot send ("
                    + directionNote() + ")");
        }
        if (message.byteSize() > maxMessageSize) {
            throw new IllegalArgumentException("message of " + message.byteSize() + " bytes is longer than " + name
                    + "'s maximum message size of " + maxMessageSize + " bytes");
        }
        lifetime.enter();
        boolean hooked = hook(limit);
        boolean done = false;
        try {
            boolean sent = send0(message, limit);
            done = true;
            return sent;
        } finally {
            leave(hooked, done);
        }
    }

    /**
     * The receive-into forms, with and without a {@link Peer} ({@code from}, null for none);
     * for the transports inside module {@code io.jipc}, whose {@code Peer} forms come here.
     *
     * @param into where the message is copied, from its start: writable, at least
     *     {@link #maxMessageSize()} bytes
     * @param from the peer to fill in with the sender, or {@code null} for none
     * @param limit how long the call may wait, fixed when the public call began
     * @return the message's length, or {@link #NOTHING} if none came within {@code limit}
     * @throws IOException as {@link MessageChannel#receive(MemorySegment)} lists, from the argument
     *     checks or {@code receive0}
     */
    protected final int receiveInto(MemorySegment into, Peer from, WaitLimit limit) throws IOException {
        Objects.requireNonNull(into, "into");
        checkCanReceive();
        if (into.isReadOnly()) {
            throw new IllegalArgumentException("receive buffer for " + name + " is read-only");
        }
        if (into.byteSize() < maxMessageSize) {
            throw new IllegalArgumentException("receive buffer of " + into.byteSize() + " bytes is shorter than "
                    + name + "'s maximum message size of " + maxMessageSize + " bytes");
        }
        lifetime.enter();
        boolean hooked = hook(limit);
        boolean done = false;
        try {
            int n = from == null ? receive0(into, limit) : receive0(into, from, limit);
            done = true;
            return n;
        } finally {
            leave(hooked, done);
        }
    }

    /**
     * The handler forms, with and without a {@link Peer}; see {@link #receiveInto}.
     *
     * @param handler called with the message, on this thread, before this returns
     * @param from the peer to fill in with the sender before {@code handler} runs, or {@code null}
     *     for none
     * @param limit how long the call may wait, fixed when the public call began
     * @return whether a message was handed to {@code handler}; {@code false} if none came within
     *     {@code limit}
     * @throws IOException as {@link MessageChannel#receive(MessageHandler)} lists,
     *     {@code handler}'s own included
     */
    protected final boolean receiveHandler(MessageHandler handler, Peer from, WaitLimit limit) throws IOException {
        Objects.requireNonNull(handler, "handler");
        checkCanReceive();
        lifetime.enter();
        boolean hooked = hook(limit);
        boolean done = false;
        try {
            boolean got = from == null ? receive0(handler, limit) : receive0(handler, from, limit);
            done = true;
            return got;
        } finally {
            leave(hooked, done);
        }
    }

    private void checkCanReceive() {
        if (HANDLING.get() == this) {
            throw new IllegalStateException(name + ": a MessageHandler may not receive on the channel that called it");
        }
        if (!canReceive()) {
            throw new UnsupportedOperationException(name + ": this end of the channel cannot receive ("
                    + directionNote() + ")");
        }
    }

    /** Arms the interrupt hook around a call that may wait, for primitives that do not close on interrupt. */
    private boolean hook(WaitLimit limit) {
        if (interrupts == null || limit.isNow()) {
            return false;
        }
        interrupts.enter();
        return true;
    }

    /** Ends a call: disarms the hook (which throws if this thread's interrupt closed the channel), then leaves. */
    private void leave(boolean hooked, boolean done) throws IOException {
        try {
            if (hooked) {
                interrupts.leave(done);
            }
        } finally {
            lifetime.exit();
        }
    }

    /**
     * The JDK's way into {@link Thread#interrupt()} for channels: while a thread is between
     * {@code begin()} and {@code end()}, interrupting it closes this hook, whose close closes
     * the channel; the primitive's wait sees the close, and {@code end} turns the call's
     * outcome into {@link java.nio.channels.ClosedByInterruptException}. One per channel: its
     * close is for ever, as the channel's is.
     */
    private static final class InterruptHook extends AbstractInterruptibleChannel {
        private final Lifetime lifetime;

        InterruptHook(Lifetime lifetime) {
            this.lifetime = lifetime;
        }

        void enter() {
            begin();
        }

        void leave(boolean done) throws AsynchronousCloseException {
            // Throws ClosedByInterruptException if this thread's interrupt closed the channel.
            end(done);
        }

        @Override
        protected void implCloseChannel() {
            lifetime.close();
        }
    }
}
