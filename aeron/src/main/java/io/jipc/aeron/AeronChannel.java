package io.jipc.aeron;

import io.aeron.exceptions.RegistrationException;
import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.channel.spi.TransportChannel;
import io.jipc.channel.spi.WaitLimit;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/** What the publishing and the subscribing end share: the driver lease and the timing of waits. */
abstract class AeronChannel extends TransportChannel {
    final EmbeddedDriver.Lease lease;
    /** How {@code send} and {@code receive} wait for Aeron's buffers: see {@link Backoff}. */
    final WaitStrategy waitStrategy;

    AeronChannel(URI address, int maxMessageSize, EmbeddedDriver.Lease lease, WaitStrategy waitStrategy) {
        super(address, maxMessageSize);
        this.lease = lease;
        this.waitStrategy = waitStrategy;
    }

    @Override
    protected String directionNote() {
        return "an aeron: channel carries one way: the bound end subscribes and receives, a connected end "
                + "publishes and sends";
    }

    /**
     * Takes {@code lock} within the call's limit, noticing a close; an interrupt does not end
     * the wait here (the base turns it into a close, which does).
     *
     * @return {@code false} if a non-blocking or timed call ran out of time first
     */
    final boolean awaitLock(ReentrantLock lock, WaitLimit limit) throws IOException {
        if (lock.tryLock()) {
            return true;
        }
        boolean interrupted = false;
        try {
            while (true) {
                if (isClosing()) {
                    throw closedWhileWaiting();
                }
                long left = limit.remainingNanos();
                if (left <= 0) {
                    return false;
                }
                try {
                    // Short waits: a close does not signal the lock, so it is looked at every millisecond.
                    if (lock.tryLock(Math.min(left, 1_000_000L), TimeUnit.NANOSECONDS)) {
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

    /** Turns the driver's refusal of a channel into the typed error. */
    static IpcException refused(String call, URI address, RegistrationException e) {
        String m = String.valueOf(e.getMessage());
        IpcException.Reason reason = m.contains("in use") ? IpcException.Reason.ALREADY_EXISTS
                : m.contains("ermission") ? IpcException.Reason.PERMISSION_DENIED : IpcException.Reason.INVALID_ARGUMENT;
        IpcException x = new IpcException(call, address.toString(), "the Aeron media driver refused the "
                + "channel: " + m, reason);
        x.initCause(e);
        return x;
    }
}
