package io.jipc.internal;

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

    private final long napNanos;

    private Nap(long napNanos) {
        super(null);
        this.napNanos = napNanos;
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
