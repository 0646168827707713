package io.jipc.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a call may wait, the one representation of jipc's three modes: blocking
 * ({@link #FOREVER}), non-blocking ({@link #NOW}) and timed ({@link #after(Duration)}).
 *
 * <p>A timed deadline is absolute on {@link System#nanoTime()}, fixed when the public call
 * begins, so a wait made of several sleeps (spin, then a slice, then another) never restarts
 * its budget. {@code FOREVER} and {@code NOW} are shared constants: blocking and
 * non-blocking calls allocate nothing.
 */
public final class Deadline {
    /** No limit: the call blocks until it succeeds, is closed, or (where it may be) interrupted. */
    public static final Deadline FOREVER = new Deadline(0, Kind.FOREVER);
    /** Already expired: the call tries once and never waits. */
    public static final Deadline NOW = new Deadline(0, Kind.NOW);

    private enum Kind { FOREVER, NOW, TIMED }

    private final long at;
    private final Kind kind;

    private Deadline(long at, Kind kind) {
        this.at = at;
        this.kind = kind;
    }

    /**
     * {@return the deadline {@code timeout} from now; {@link #NOW} for zero or negative}
     *
     * @throws NullPointerException if {@code timeout} is null
     */
    public static Deadline after(Duration timeout) {
        return afterNanos(toNanos(Objects.requireNonNull(timeout, "timeout")));
    }

    /** {@return the deadline {@code nanos} from now; {@link #NOW} for zero or negative} */
    public static Deadline afterNanos(long nanos) {
        if (nanos <= 0) {
            return NOW;
        }
        long now = System.nanoTime();
        // Saturate: a budget of centuries is a wait for ever, not an overflow into the past.
        return now + nanos < now ? FOREVER : new Deadline(now + nanos, Kind.TIMED);
    }

    /** {@return {@code timeout} in nanoseconds, 0 if negative, {@link Long#MAX_VALUE} if it overflows} */
    public static long toNanos(Duration timeout) {
        try {
            return Math.max(0, timeout.toNanos());
        } catch (ArithmeticException e) {
            return timeout.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    /** {@return whether this deadline never expires} */
    public boolean isForever() {
        return kind == Kind.FOREVER;
    }

    /** {@return whether the call may not wait at all} */
    public boolean isNow() {
        return kind == Kind.NOW;
    }

    /** {@return nanoseconds left: 0 once expired, {@link Long#MAX_VALUE} for {@link #FOREVER}} */
    public long remainingNanos() {
        return switch (kind) {
            case FOREVER -> Long.MAX_VALUE;
            case NOW -> 0;
            case TIMED -> Math.max(0, at - System.nanoTime());
        };
    }

    /** {@return whether the time is up (always for {@link #NOW}, never for {@link #FOREVER})} */
    public boolean hasExpired() {
        return switch (kind) {
            case FOREVER -> false;
            case NOW -> true;
            case TIMED -> at - System.nanoTime() <= 0;
        };
    }

    /** {@return the next sleep: the time left, at most {@code maxNanos}; 0 once expired} */
    public long slice(long maxNanos) {
        return Math.min(maxNanos, remainingNanos());
    }

    @Override
    public String toString() {
        return switch (kind) {
            case FOREVER -> "Deadline[forever]";
            case NOW -> "Deadline[now]";
            case TIMED -> "Deadline[in " + remainingNanos() + " ns]";
        };
    }
}
