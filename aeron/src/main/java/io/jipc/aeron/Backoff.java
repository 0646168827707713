package io.jipc.aeron;

import java.util.concurrent.locks.LockSupport;

/**
 * How a waiting send or receive idles between polls of Aeron's buffers, which have no
 * futex to sleep on: a few spins, a few yields, then parks that double up to 1 ms. While
 * both sides are busy a wait costs microseconds; while idle, a waiter wakes a thousand
 * times a second at most. Parking unmounts a virtual thread instead of pinning its carrier.
 *
 * <p>An interrupt does not end a wait (the channel contract), but would make every park
 * return at once: the flag is cleared while waiting and {@linkplain #restoreInterrupt() set
 * again} when the operation returns.
 */
final class Backoff {
    private static final int SPINS = 10;
    private static final int YIELDS = 20;
    private static final long MAX_PARK_NANOS = 1_000_000L;

    private int idles;
    private boolean interrupted;

    /** Starts over after progress. */
    void reset() {
        idles = 0;
    }

    /** Idles once, at most {@code atMostNanos} (a timed call's remaining time). */
    void idle(long atMostNanos) {
        int n = idles++;
        if (n < SPINS) {
            Thread.onSpinWait();
        } else if (n < SPINS + YIELDS) {
            Thread.yield();
        } else {
            long park = Math.min(MAX_PARK_NANOS, 1_000L << Math.min(n - SPINS - YIELDS, 10));
            LockSupport.parkNanos(Math.max(1, Math.min(park, atMostNanos)));
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
    }

    /** Sets the interrupt status again if an interrupt came during the wait. */
    void restoreInterrupt() {
        if (interrupted) {
            interrupted = false;
            Thread.currentThread().interrupt();
        }
    }
}
