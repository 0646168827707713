package io.jipc.channel.spi;

import io.jipc.internal.Deadline;

import java.time.Duration;

/**
 * How long a {@link TransportChannel} primitive may wait: the three modes of the public
 * methods (blocking, non-blocking, timed) as one value. A timed limit is absolute, fixed
 * when the public call began, so a wait made of several sleeps never restarts its budget.
 *
 * <p>A read-only view of jipc's one deadline type (which lives in a package the module does
 * not export): blocking and non-blocking calls share two instances and allocate nothing.
 */
public final class WaitLimit {
    private static final WaitLimit BLOCKING = new WaitLimit(Deadline.FOREVER);
    private static final WaitLimit NON_BLOCKING = new WaitLimit(Deadline.NOW);

    private final Deadline deadline;

    private WaitLimit(Deadline deadline) {
        this.deadline = deadline;
    }

    /** {@return the limit of a blocking call: none} */
    public static WaitLimit blocking() {
        return BLOCKING;
    }

    /** {@return the limit of a non-blocking call: it may not wait} */
    public static WaitLimit nonBlocking() {
        return NON_BLOCKING;
    }

    /**
     * {@return the limit of a timed call that begins now}
     *
     * @param timeout the longest wait, counted from now; zero or negative gives
     *     {@link #nonBlocking()}, a span too long for a {@code long} of nanoseconds gives
     *     {@link #blocking()}
     * @throws NullPointerException if {@code timeout} is null
     */
    public static WaitLimit after(Duration timeout) {
        Deadline d = Deadline.after(timeout);
        return d.isNow() ? NON_BLOCKING : d.isForever() ? BLOCKING : new WaitLimit(d);
    }

    /** {@return whether the call may not wait at all (a {@code try} method, or a timeout of zero)} */
    public boolean isNow() {
        return deadline.isNow();
    }

    /** {@return whether the call has no time limit (it waits until it succeeds or the channel closes)} */
    public boolean isUnlimited() {
        return deadline.isForever();
    }

    /** {@return whether the time is up: always for a non-blocking call, never for a blocking one} */
    public boolean hasExpired() {
        return deadline.hasExpired();
    }

    /** {@return the nanoseconds left: 0 once expired, {@link Long#MAX_VALUE} without a limit} */
    public long remainingNanos() {
        return deadline.remainingNanos();
    }

    /**
     * {@return the deadline itself} For the transports inside module {@code io.jipc}, which
     * wait in jipc's one wait loop; its type is not exported.
     */
    public Deadline deadline() {
        return deadline;
    }

    @Override
    public String toString() {
        return "WaitLimit[" + deadline + "]";
    }
}
