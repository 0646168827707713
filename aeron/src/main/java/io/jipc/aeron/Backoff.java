package io.jipc.aeron;

import io.jipc.WaitStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * How a waiting send or receive idles between polls of Aeron's buffers, as the channel's
 * {@link WaitStrategy} says: its spins ({@link Thread#onSpinWait()}), then its yields, then,
 * if it sleeps, parks that double from 1 µs up to {@value #MAX_PARK_NANOS} ns, Agrona's
 * {@code BackoffIdleStrategy} with the strategy's counts. Aeron's buffers have no futex to
 * sleep on, so "sleep until woken" is this bounded park: while idle, a waiter wakes a
 * thousand times a second at most, and a close is seen within a millisecond. A busy-spin or
 * yielding wait never parks. A virtual thread yields (unmounts) where a platform thread
 * spins, and parks, never pinning its carrier.
 *
 * <p>An interrupt does not end a wait (the channel contract), but would make every park
 * return at once: the flag is cleared while waiting and {@linkplain #restoreInterrupt() set
 * again} when the operation returns.
 */
final class Backoff {
    static final long MIN_PARK_NANOS = 1_000L;
    static final long MAX_PARK_NANOS = 1_000_000L;

    private final long spins;
    /** Spins and yields: where parking starts; {@link Long#MAX_VALUE} if it never does. */
    private final long parkFrom;
    private final boolean virtual = Thread.currentThread().isVirtual();
    private long idles;
    private boolean interrupted;

    Backoff(WaitStrategy strategy) {
        // Busy-spin is "spin for ever", which its Integer.MAX_VALUE spins would end after a minute or so.
        spins = !strategy.sleeps() && strategy.yields() == 0 ? Long.MAX_VALUE : strategy.spins();
        parkFrom = strategy.sleeps() ? (long) strategy.spins() + strategy.yields() : Long.MAX_VALUE;
    }

    /** Idles once, at most {@code atMostNanos} (a timed call's remaining time). */
    void idle(long atMostNanos) {
        long n = idles;
        if (n < Long.MAX_VALUE) {
            idles = n + 1;
        }
        if (n < spins && !virtual) {
            Thread.onSpinWait();
        } else if (n < parkFrom) {
            Thread.yield();
        } else {
            long park = Math.min(MAX_PARK_NANOS, MIN_PARK_NANOS << Math.min(n - parkFrom, 10));
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
