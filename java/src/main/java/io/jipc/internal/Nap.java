package io.jipc.internal;

import io.jipc.IpcException;
import io.jipc.WaitStrategy;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link Blocker} for a condition nobody signals: another process sizing a file it just
 * made, or filling in a header. Its sleep is a short nap, after which {@link Wait} looks
 * again; there is no kernel object to sleep on and nothing to wake but the parked threads.
 * Meant for rare, short start-up waits with a deadline, not for data paths.
 */
public final class Nap extends Blocker {
    /** Naps of one millisecond: a start-up wait notices the condition within about that. */
    public static final Nap MILLISECOND = new Nap(1_000_000L);

    /** Straight to napping: these waits are on another process, which a spin would not hurry. */
    private static final WaitStrategy NAP_AT_ONCE = WaitStrategy.spinThenSleep(0, 0);

    private final long napNanos;

    private Nap(long napNanos) {
        super(null);
        this.napNanos = napNanos;
    }

    /**
     * Tries {@code attempt} now and then after every millisecond's nap, through {@link Wait}'s
     * one loop, until it returns non-null or {@code deadline} passes. Not interruptible: an
     * interrupt is kept for the caller, as {@code lock()} keeps it. The attempt may throw only
     * {@link IpcException}.
     *
     * @param attempt one look at the condition: non-null ends the wait
     * @param deadline when to give up
     * @param <T> what the attempt returns
     * @return the attempt's result, or null if the deadline passed first
     * @throws IpcException what the attempt throws
     */
    public static <T> T until(Wait.Attempt<T> attempt, Deadline deadline) throws IpcException {
        try {
            T result = attempt.attempt();
            return result != null ? result
                    : Wait.until(attempt, MILLISECOND, NAP_AT_ONCE, deadline, null, Wait.Interrupts.IGNORE);
        } catch (IpcException e) {
            throw e;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("a nap's attempt throws only IpcException and ignores interrupts", e);
        }
    }

    @Override
    protected void block(long maxNanos) {
        LockSupport.parkNanos(Math.min(maxNanos, napNanos));
    }

    @Override
    protected void wakeKernel() {
        // Nothing sleeps in the kernel: wake() unparks the threads that wait here.
    }

    @Override
    protected long maxSliceNanos() {
        return napNanos;
    }
}
