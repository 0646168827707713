package io.jipc.channel;

// Long because every send and receive form (blocking, try, timed, handler, peer) is defined
// once here for all built-in transports.

import io.jipc.internal.Lifetime;
import io.jipc.posix.Clocks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What every transport's channel shares, and the service-provider interface a transport
 * implements: the public methods check their arguments, count the threads inside and turn
 * every overload into one of three primitives, each given a {@code timeoutNanos} of
 * {@link #FOREVER} (blocking), 0 (non-blocking) or a positive limit (timed):
 *
 * <ul>
 *   <li>{@link #send0(MemorySegment, long)}: the message is at most {@link #maxMessageSize()}
 *       bytes and this end {@linkplain #canSend() can send};</li>
 *   <li>{@link #receive0(MemorySegment, long)}: {@code into} is writable and long enough;</li>
 *   <li>{@link #receive0(MessageHandler, long)}: call {@link #deliver(MessageHandler, MemorySegment)}
 *       with the message where it lies;</li>
 * </ul>
 * plus {@link #release()}, called exactly once, by whichever thread leaves last after
 * {@link #close()}, and {@link #wakeUp()}, which {@code close()} calls to rouse blocked
 * operations. A primitive that waits must return (throwing {@link AsynchronousCloseException})
 * within {@link #SLICE_NANOS} of {@link #isClosing()} turning true, and must not end the wait on
 * an interrupt (see {@link #awaitLock}).
 *
 * <p>The shared-memory ring transport ({@link ShmChannel}) maps onto these directly:
 * {@code send0} is claim, copy, commit (with the ring's try/timed claim), {@code receive0}
 * with a handler is a read of the record in place, the record released after the handler
 * returns, which is the zero-copy path the handler form exists for.
 */
abstract sealed class AbstractChannel implements MessageChannel
        permits ShmChannel, MqChannel, StreamChannel, SocketListenerChannel {
    /** {@code timeoutNanos} meaning "no limit". */
    static final long FOREVER = -1L;
    /**
     * The longest a blocked primitive waits before it looks whether its channel was closed:
     * bounds how late a close wakes waiters on transports whose wait nothing else can cut
     * short (a message queue, a pipe).
     */
    static final long SLICE_NANOS = 50_000_000L;
    static final Duration SLICE = Duration.ofNanos(SLICE_NANOS);

    /** The channel whose handler this thread is running (the innermost one), so it cannot receive from it. */
    private static final ThreadLocal<AbstractChannel> HANDLING = new ThreadLocal<>();

    final URI address;
    /** The address as messages name it. */
    final String name;
    final int maxMessageSize;
    /**
     * Threads inside an operation, and the close: jipc's one {@link Lifetime}. A transport's
     * waits pass it to {@code io.jipc.internal.Wait} so that a close (and, with
     * {@code Interrupts.CLOSE}, an interrupt) ends them.
     */
    final Lifetime lifetime;

    AbstractChannel(URI address, int maxMessageSize) {
        this.address = address;
        this.name = address.toString();
        this.maxMessageSize = maxMessageSize;
        this.lifetime = new Lifetime(name, this::wakeUp, this::release);
    }

    // ---- the primitives a transport implements ----

    abstract boolean send0(MemorySegment message, long timeoutNanos) throws IOException;

    /** {@return the length, or {@link #NOTHING}} Fills {@code from} in, if not null, when a message came. */
    abstract int receive0(MemorySegment into, Peer from, long timeoutNanos) throws IOException;

    /** {@return whether a message was handed to the handler} Fills {@code from} in, if not null, before the call. */
    abstract boolean receive0(MessageHandler handler, Peer from, long timeoutNanos) throws IOException;

    /**
     * Sends to {@code sender}, a handle this channel gave a {@link Peer}; for a channel of one
     * peer the handle is the channel itself, and this is {@link #send0}.
     */
    boolean reply0(Object sender, MemorySegment message, long timeoutNanos) throws IOException {
        return send0(message, timeoutNanos);
    }

    /** {@return how messages name the sender behind a handle of {@link #reply0}} */
    String peerName(Object sender) {
        return name;
    }

    /** Fills {@code from} in, if not null, with this channel's one peer (or nobody, if it cannot send). */
    final void fill(Peer from) {
        if (from != null) {
            from.set(this, canSend() ? this : null, maxMessageSize);
        }
    }

    /** Frees everything; called once, after close, when no thread is inside. Must not throw. */
    abstract void release();

    /** Rouses threads blocked in this channel so they notice the close sooner than a slice. */
    void wakeUp() {
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
        return receiveInto(into, null, FOREVER);
    }

    @Override
    public final int tryReceive(MemorySegment into) throws IOException {
        return receiveInto(into, null, 0);
    }

    @Override
    public final int receive(MemorySegment into, Duration timeout) throws IOException {
        return receiveInto(into, null, nanos(timeout));
    }

    @Override
    public final void receive(MessageHandler handler) throws IOException {
        receiveHandler(handler, null, FOREVER);
    }

    @Override
    public final boolean tryReceive(MessageHandler handler) throws IOException {
        return receiveHandler(handler, null, 0);
    }

    @Override
    public final boolean receive(MessageHandler handler, Duration timeout) throws IOException {
        return receiveHandler(handler, null, nanos(timeout));
    }

    @Override
    public final int receive(MemorySegment into, Peer from) throws IOException {
        return receiveInto(into, Objects.requireNonNull(from, "from"), FOREVER);
    }

    @Override
    public final int tryReceive(MemorySegment into, Peer from) throws IOException {
        return receiveInto(into, Objects.requireNonNull(from, "from"), 0);
    }

    @Override
    public final int receive(MemorySegment into, Peer from, Duration timeout) throws IOException {
        return receiveInto(into, Objects.requireNonNull(from, "from"), nanos(timeout));
    }

    @Override
    public final void receive(MessageHandler handler, Peer from) throws IOException {
        receiveHandler(handler, Objects.requireNonNull(from, "from"), FOREVER);
    }

    @Override
    public final boolean tryReceive(MessageHandler handler, Peer from) throws IOException {
        return receiveHandler(handler, Objects.requireNonNull(from, "from"), 0);
    }

    @Override
    public final boolean receive(MessageHandler handler, Peer from, Duration timeout) throws IOException {
        return receiveHandler(handler, Objects.requireNonNull(from, "from"), nanos(timeout));
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

    /** A {@link Peer}'s send: the peer checked the handle and the size; here the use count. */
    final boolean reply(Object sender, MemorySegment message, long timeoutNanos) throws IOException {
        enter();
        try {
            return reply0(sender, message, timeoutNanos);
        } finally {
            exit();
        }
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

    private int receiveInto(MemorySegment into, Peer from, long timeoutNanos) throws IOException {
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
            return receive0(into, from, timeoutNanos);
        } finally {
            exit();
        }
    }

    private boolean receiveHandler(MessageHandler handler, Peer from, long timeoutNanos) throws IOException {
        Objects.requireNonNull(handler, "handler");
        checkCanReceive();
        enter();
        try {
            return receive0(handler, from, timeoutNanos);
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

    /** Why a direction is missing, for the UnsupportedOperationException. */
    String directionNote() {
        return "see Direction in the io.jipc.channel package documentation";
    }

    private void enter() {
        lifetime.enter();
    }

    private void exit() {
        lifetime.exit();
    }

    // ---- helpers for the primitives ----

    /** {@return whether {@link #close()} has been called; a waiting primitive then gives up} */
    final boolean isClosing() {
        return lifetime.isClosing();
    }

    /** Throws the exception a primitive ends with when a close cut its wait short. */
    final AsynchronousCloseException closedWhileWaiting() {
        return new AsynchronousCloseException();
    }

    /** Nanoseconds left of {@code budget} since {@code start}; never FOREVER-aware, callers check. */
    static long left(long start, long budget) {
        return budget - (System.nanoTime() - start);
    }

    /**
     * How long the next wait of a primitive may be: a slice for {@link #FOREVER}, the rest of
     * the budget (at most a slice) for a timed call, 0 once the time is up or for a try.
     */
    static long nextWait(long start, long timeoutNanos) {
        if (timeoutNanos == FOREVER) {
            return SLICE_NANOS;
        }
        if (timeoutNanos == 0) {
            return 0;
        }
        return Math.max(0, Math.min(SLICE_NANOS, left(start, timeoutNanos)));
    }

    /** {@return whether a timed or non-blocking call has used up its time} */
    static boolean timeUp(long start, long timeoutNanos) {
        return timeoutNanos != FOREVER && (timeoutNanos == 0 || left(start, timeoutNanos) <= 0);
    }

    /**
     * Takes {@code lock} (one receiver, or one sender, at a time) within the call's time,
     * noticing a close. Interrupts do not end the wait: the flag is restored afterwards.
     *
     * @return {@code false} if a non-blocking or timed call ran out of time first
     * @throws AsynchronousCloseException if the channel was closed meanwhile
     */
    final boolean awaitLock(ReentrantLock lock, long start, long timeoutNanos) throws IOException {
        if (lock.tryLock()) {
            return true;
        }
        boolean interrupted = false;
        try {
            while (true) {
                if (isClosing()) {
                    throw closedWhileWaiting();
                }
                if (timeUp(start, timeoutNanos)) {
                    return false;
                }
                try {
                    if (lock.tryLock(nextWait(start, timeoutNanos), TimeUnit.NANOSECONDS)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Calls {@code handler} with a read-only view of {@code message} that dies with the call:
     * a view kept afterwards, or handed to another thread, fails when touched instead of
     * showing bytes of a later message.
     */
    final void deliver(MessageHandler handler, MemorySegment memory, long offset, long length) throws IOException {
        deliver(handler, memory.asSlice(offset, length));
    }

    /** As {@link #deliver(MessageHandler, MemorySegment, long, long)}, with the message as one segment. */
    final void deliver(MessageHandler handler, MemorySegment message) throws IOException {
        AbstractChannel outer = HANDLING.get();
        HANDLING.set(this);
        try (Arena call = Arena.ofConfined()) {
            handler.onMessage(message.reinterpret(call, null).asReadOnly());
        } finally {
            HANDLING.set(outer);
        }
    }

    static long nanos(Duration timeout) {
        return Clocks.toNanos(Objects.requireNonNull(timeout, "timeout"));
    }
}
