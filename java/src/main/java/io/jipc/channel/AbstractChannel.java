package io.jipc.channel;

import io.jipc.WaitStrategy;
import io.jipc.channel.spi.TransportChannel;
import io.jipc.channel.spi.WaitLimit;
import io.jipc.internal.Blocker;
import io.jipc.internal.Deadline;
import io.jipc.internal.Lifetime;
import io.jipc.internal.Wait;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the built-in transports' channels add to {@link TransportChannel}, whose public forms
 * they share with every provider's: primitives that take jipc's internal {@link Deadline},
 * the {@link Peer} forms (a bound socket end has many peers), and one way to wait,
 * {@link #await}: jipc's one wait loop with the channel's {@link Lifetime} and
 * {@link ChannelOptions#waitStrategy}, so that a close ends every wait at once
 * ({@link AsynchronousCloseException}) and an interrupt closes the channel and ends the
 * call with {@link ClosedByInterruptException}, as the JDK's channels do.
 *
 * <p>The shared-memory ring transport ({@link ShmChannel}) maps onto the primitives directly:
 * {@code send0} is claim, copy, commit, {@code receive0} with a handler is a read of the
 * record in place, released after the handler returns: the zero-copy path the handler form
 * exists for.
 */
abstract sealed class AbstractChannel extends TransportChannel
        permits ShmChannel, MqChannel, StreamChannel, SocketListenerChannel {
    final URI address;
    /** The address as messages name it. */
    final String name;
    final int maxMessageSize;
    /** Threads inside an operation, and the close: every wait of the channel ends through it. */
    final Lifetime lifetime;
    /** How blocked calls wait (spin, yield, sleep), from {@link ChannelOptions#waitStrategy}. */
    final WaitStrategy strategy;

    AbstractChannel(URI address, int maxMessageSize, WaitStrategy strategy) {
        super(address, maxMessageSize, true);
        this.address = address;
        this.name = address.toString();
        this.maxMessageSize = maxMessageSize;
        this.lifetime = lifetime();
        this.strategy = Objects.requireNonNull(strategy, "strategy");
    }

    // ---- the primitives a transport implements ----

    abstract boolean send0(MemorySegment message, Deadline deadline) throws IOException;

    /** {@return the length, or {@link #NOTHING}} Fills {@code from} in, if not null, when a message came. */
    abstract int receive0(MemorySegment into, Peer from, Deadline deadline) throws IOException;

    /** {@return whether a message was handed to the handler} Fills {@code from} in, if not null, before the call. */
    abstract boolean receive0(MessageHandler handler, Peer from, Deadline deadline) throws IOException;

    /**
     * Sends to {@code sender}, a handle this channel gave a {@link Peer}; for a channel of one
     * peer the handle is the channel itself, and this is {@link #send0}.
     */
    boolean reply0(Object sender, MemorySegment message, Deadline deadline) throws IOException {
        return send0(message, deadline);
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

    // ---- the SPI's primitives, on jipc's deadline ----

    @Override
    protected final boolean send0(MemorySegment message, WaitLimit limit) throws IOException {
        return send0(message, limit.deadline());
    }

    @Override
    protected final int receive0(MemorySegment into, WaitLimit limit) throws IOException {
        return receive0(into, null, limit.deadline());
    }

    @Override
    protected final boolean receive0(MessageHandler handler, WaitLimit limit) throws IOException {
        return receive0(handler, null, limit.deadline());
    }

    @Override
    protected final int receive0(MemorySegment into, Peer from, WaitLimit limit) throws IOException {
        return receive0(into, from, limit.deadline());
    }

    @Override
    protected final boolean receive0(MessageHandler handler, Peer from, WaitLimit limit) throws IOException {
        return receive0(handler, from, limit.deadline());
    }

    // ---- the Peer forms ----

    @Override
    public final int receive(MemorySegment into, Peer from) throws IOException {
        return receiveInto(into, Objects.requireNonNull(from, "from"), WaitLimit.blocking());
    }

    @Override
    public final int tryReceive(MemorySegment into, Peer from) throws IOException {
        return receiveInto(into, Objects.requireNonNull(from, "from"), WaitLimit.nonBlocking());
    }

    @Override
    public final int receive(MemorySegment into, Peer from, Duration timeout) throws IOException {
        return receiveInto(into, Objects.requireNonNull(from, "from"), WaitLimit.after(timeout));
    }

    @Override
    public final void receive(MessageHandler handler, Peer from) throws IOException {
        receiveHandler(handler, Objects.requireNonNull(from, "from"), WaitLimit.blocking());
    }

    @Override
    public final boolean tryReceive(MessageHandler handler, Peer from) throws IOException {
        return receiveHandler(handler, Objects.requireNonNull(from, "from"), WaitLimit.nonBlocking());
    }

    @Override
    public final boolean receive(MessageHandler handler, Peer from, Duration timeout) throws IOException {
        return receiveHandler(handler, Objects.requireNonNull(from, "from"), WaitLimit.after(timeout));
    }

    /** A {@link Peer}'s send: the peer checked the handle and the size; here the use count. */
    final boolean reply(Object sender, MemorySegment message, Deadline deadline) throws IOException {
        lifetime.enter();
        try {
            return reply0(sender, message, deadline);
        } finally {
            lifetime.exit();
        }
    }

    // ---- waiting ----

    /**
     * Waits in jipc's one wait loop until {@code attempt} succeeds: the caller has tried once
     * and failed. Spins and yields as the channel's strategy says, then sleeps on
     * {@code blocker}.
     *
     * @return the attempt's result, or null once {@code deadline} passed
     * @throws AsynchronousCloseException if the channel was closed meanwhile
     * @throws ClosedByInterruptException if the thread was interrupted (the channel is then closed)
     */
    final <T> T await(Wait.Attempt<T> attempt, Blocker blocker, Deadline deadline) throws IOException {
        try {
            return Wait.until(attempt, blocker, strategy, deadline, lifetime, Wait.Interrupts.CLOSE);
        } catch (InterruptedException e) {
            throw new AssertionError("Interrupts.CLOSE never throws InterruptedException", e);
        }
    }

    /**
     * Takes {@code lock} (one receiver, or one sender, at a time) within {@code deadline}.
     * Uncontended it is one CAS. A waiter is not cut short by a close (the holder's own wait
     * is, and it then lets go at once), but by an interrupt, which closes the channel.
     *
     * @return {@code false} if the deadline passed first
     * @throws AsynchronousCloseException if the channel was closed meanwhile
     * @throws ClosedByInterruptException if the thread was interrupted while it waited
     */
    final boolean lock(ReentrantLock lock, Deadline deadline) throws IOException {
        if (lock.tryLock()) {
            return true;
        }
        if (deadline.isNow()) {
            return false;
        }
        try {
            if (!lock.tryLock(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new ClosedByInterruptException();
        }
        if (isClosing()) {
            lock.unlock();
            throw closedWhileWaiting();
        }
        return true;
    }

    /** As {@link #deliver(MessageHandler, MemorySegment)}, with the message at {@code offset} in {@code memory}. */
    final void deliver(MessageHandler handler, MemorySegment memory, long offset, long length) throws IOException {
        deliver(handler, memory.asSlice(offset, length));
    }

    /** Nanoseconds left of {@code budget} since {@code start}. */
    static long left(long start, long budget) {
        return budget - (System.nanoTime() - start);
    }

    static long nanos(Duration timeout) {
        return Deadline.toNanos(Objects.requireNonNull(timeout, "timeout"));
    }
}
