package io.jipc.channel.spi;

import io.jipc.channel.MessageChannel;
import io.jipc.channel.MessageHandler;
import io.jipc.internal.Lifetime;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.Objects;

/**
 * The part of the {@link MessageChannel} contract that does not depend on the transport, for
 * a provider's channels to extend. The public methods check their arguments, count the
 * threads inside, and turn every overload into one of three primitives, each given a
 * {@code timeoutNanos} of {@link #FOREVER} (blocking), 0 (non-blocking) or a positive limit
 * (timed):
 *
 * <ul>
 *   <li>{@link #send0(MemorySegment, long)}: the message is at most {@link #maxMessageSize()}
 *       bytes and this end {@linkplain #canSend() can send};</li>
 *   <li>{@link #receive0(MemorySegment, long)}: {@code into} is writable and holds a
 *       maximum message;</li>
 *   <li>{@link #receive0(MessageHandler, long)}: call {@link #deliver(MessageHandler, MemorySegment)}
 *       with the message where it lies;</li>
 * </ul>
 * plus {@link #release()}, called exactly once, by whichever thread leaves last after
 * {@link #close()}, and {@link #wakeUp()}, which {@code close()} calls to rouse blocked
 * primitives.
 *
 * <p>What a primitive owes the contract: a wait must end (throwing
 * {@link #closedWhileWaiting()}) within {@link #SLICE_NANOS} of {@link #isClosing()} turning
 * true; an interrupt must not end a wait, and the interrupt status must be set again when the
 * primitive returns; a timed wait lasts at least its timeout; a virtual thread must park, not
 * pin its carrier (no {@code synchronized} around a wait).
 *
 * <p>The built-in transports keep an equivalent base of their own inside {@code io.jipc.channel}.
 */
public abstract class TransportChannel implements MessageChannel {
    /** {@code timeoutNanos} meaning "no limit". */
    protected static final long FOREVER = -1L;
    /** The longest a waiting primitive may go without looking at {@link #isClosing()}. */
    protected static final long SLICE_NANOS = 50_000_000L;

    /** The channel whose handler this thread runs (the innermost), which it may not receive from. */
    private static final ThreadLocal<TransportChannel> HANDLING = new ThreadLocal<>();

    private final URI address;
    private final String name;
    private final int maxMessageSize;
    /** Threads inside an operation, and the close: jipc's one use count (wakeUp, then release by the last out). */
    private final Lifetime lifetime;

    /**
     * Fixes what every transport has: the address and the longest message.
     *
     * @param address        what {@link #address()} returns
     * @param maxMessageSize the longest message, fixed for the channel's life
     * @throws IllegalArgumentException if {@code maxMessageSize} is not positive
     */
    protected TransportChannel(URI address, int maxMessageSize) {
        this.address = Objects.requireNonNull(address, "address");
        this.name = address.toString();
        if (maxMessageSize <= 0) {
            throw new IllegalArgumentException("maxMessageSize must be positive, not " + maxMessageSize);
        }
        this.maxMessageSize = maxMessageSize;
        this.lifetime = new Lifetime(name, this::wakeUp, this::release);
    }

    // ---- the primitives a transport implements ----

    /**
     * {@return whether the message was sent; {@code false} only when a try or timed call found no
     * room in time}
     *
     * @param message the message, at most {@link #maxMessageSize()} bytes, readable for the call
     *     only
     * @param timeoutNanos {@link #FOREVER} to block, 0 to try once, or a positive limit in
     *     nanoseconds
     * @throws IOException if the transport fails, or {@link #closedWhileWaiting()} if a close cut
     *     the wait short
     */
    protected abstract boolean send0(MemorySegment message, long timeoutNanos) throws IOException;

    /**
     * {@return the message's length, or {@link #NOTHING}}
     *
     * @param into where to copy the message: writable and at least {@link #maxMessageSize()} bytes
     * @param timeoutNanos {@link #FOREVER} to block, 0 to try once, or a positive limit in
     *     nanoseconds
     * @throws IOException if the transport fails, or {@link #closedWhileWaiting()} if a close cut
     *     the wait short
     */
    protected abstract int receive0(MemorySegment into, long timeoutNanos) throws IOException;

    /**
     * {@return whether a message was handed to the handler}
     *
     * @param handler what to hand the message to, by
     *     {@link #deliver(MessageHandler, MemorySegment)}
     * @param timeoutNanos {@link #FOREVER} to block, 0 to try once, or a positive limit in
     *     nanoseconds
     * @throws IOException if the transport fails, if {@code handler} throws it, or
     *     {@link #closedWhileWaiting()} if a close cut the wait short
     */
    protected abstract boolean receive0(MessageHandler handler, long timeoutNanos) throws IOException;

    /** Frees everything; called once, after close, when no thread is inside. Must not throw. */
    protected abstract void release();

    /** Rouses threads blocked in this channel so they notice the close sooner than a slice. */
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
        sendSegment(message, FOREVER);
    }

    @Override
    public final void send(byte[] message) throws IOException {
        sendSegment(MemorySegment.ofArray(Objects.requireNonNull(message, "message")), FOREVER);
    }

    @Override
    public final void send(ByteBuffer message) throws IOException {
        sendBuffer(message, FOREVER);
    }

    @Override
    public final boolean trySend(MemorySegment message) throws IOException {
        return sendSegment(message, 0);
    }

    @Override
    public final boolean trySend(byte[] message) throws IOException {
        return sendSegment(MemorySegment.ofArray(Objects.requireNonNull(message, "message")), 0);
    }

    @Override
    public final boolean trySend(ByteBuffer message) throws IOException {
        return sendBuffer(message, 0);
    }

    @Override
    public final boolean send(MemorySegment message, Duration timeout) throws IOException {
        return sendSegment(message, nanos(timeout));
    }

    @Override
    public final boolean send(byte[] message, Duration timeout) throws IOException {
        return sendSegment(MemorySegment.ofArray(Objects.requireNonNull(message, "message")), nanos(timeout));
    }

    @Override
    public final boolean send(ByteBuffer message, Duration timeout) throws IOException {
        return sendBuffer(message, nanos(timeout));
    }

    @Override
    public final int receive(MemorySegment into) throws IOException {
        return receiveInto(into, FOREVER);
    }

    @Override
    public final int tryReceive(MemorySegment into) throws IOException {
        return receiveInto(into, 0);
    }

    @Override
    public final int receive(MemorySegment into, Duration timeout) throws IOException {
        return receiveInto(into, nanos(timeout));
    }

    @Override
    public final void receive(MessageHandler handler) throws IOException {
        receiveHandler(handler, FOREVER);
    }

    @Override
    public final boolean tryReceive(MessageHandler handler) throws IOException {
        return receiveHandler(handler, 0);
    }

    @Override
    public final boolean receive(MessageHandler handler, Duration timeout) throws IOException {
        return receiveHandler(handler, nanos(timeout));
    }

    @Override
    public final void close() {
        lifetime.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + (isOpen() ? "" : ", closed") + "]";
    }

    // ---- argument checks and the use count ----

    private boolean sendBuffer(ByteBuffer message, long timeoutNanos) throws IOException {
        Objects.requireNonNull(message, "message");
        boolean sent = sendSegment(MemorySegment.ofBuffer(message), timeoutNanos);
        if (sent) {
            message.position(message.limit());
        }
        return sent;
    }

    private boolean sendSegment(MemorySegment message, long timeoutNanos) throws IOException {
        Objects.requireNonNull(message, "message");
        if (!canSend()) {
            throw new UnsupportedOperationException(name + ": this end of the channel cannot send ("
                    + directionNote() + ")");
        }
        if (message.byteSize() > maxMessageSize) {
            throw new IllegalArgumentException("message of " + message.byteSize() + " bytes is longer than " + name
                    + "'s maximum message size of " + maxMessageSize + " bytes");
        }
        enter();
        try {
            return send0(message, timeoutNanos);
        } finally {
            exit();
        }
    }

    private int receiveInto(MemorySegment into, long timeoutNanos) throws IOException {
        Objects.requireNonNull(into, "into");
        checkCanReceive();
        if (into.isReadOnly()) {
            throw new IllegalArgumentException("receive buffer for " + name + " is read-only");
        }
        if (into.byteSize() < maxMessageSize) {
            throw new IllegalArgumentException("receive buffer of " + into.byteSize() + " bytes is shorter than "
                    + name + "'s maximum message size of " + maxMessageSize + " bytes");
        }
        enter();
        try {
            return receive0(into, timeoutNanos);
        } finally {
            exit();
        }
    }

    private boolean receiveHandler(MessageHandler handler, long timeoutNanos) throws IOException {
        Objects.requireNonNull(handler, "handler");
        checkCanReceive();
        enter();
        try {
            return receive0(handler, timeoutNanos);
        } finally {
            exit();
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

    private void enter() {
        lifetime.enter();
    }

    private void exit() {
        lifetime.exit();
    }

    private static long nanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            return 0;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE; // centuries: as good as forever, and still a timed call
        }
    }
}
