package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;
import io.jipc.bindings.timespec;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Duration;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * Clocks and {@code struct timespec}: {@code <time.h>}. One allocator ({@link #timespec})
 * and two writers: a relative time ({@link #setTimespec}, futex waits) or an absolute
 * deadline on a clock ({@link #deadline}, mq_timed* and sem_clockwait).
 */
public final class Clocks {
    private Clocks() {
    }

    public static final int CLOCK_REALTIME = jipc_bindings_h.CLOCK_REALTIME();
    public static final int CLOCK_MONOTONIC = jipc_bindings_h.CLOCK_MONOTONIC();

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private static final class Handles {
        /** clock_gettime is a vDSO call that cannot block: no thread-state transition. */
        static final MethodHandle CLOCK_GETTIME = Downcall.linkPlain("clock_gettime",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER), Linker.Option.critical(false));
    }

    /** {@return a zeroed {@code struct timespec}, for callers that keep one per thread or per wait} */
    public static MemorySegment timespec(Arena arena) {
        return arena.allocate(timespec.layout());
    }

    /** Stores {@code nanos} (not negative) into an existing {@code struct timespec}. */
    public static void setTimespec(MemorySegment ts, long nanos) {
        timespec.tv_sec(ts, nanos / NANOS_PER_SECOND);
        timespec.tv_nsec(ts, nanos % NANOS_PER_SECOND);
    }

    /**
     * Stores into {@code ts} the absolute time {@code nanosFromNow} (not negative) after now
     * on {@code clock}. Far-future deadlines stay valid timespecs; the kernel clamps them.
     *
     * @return {@code ts}
     */
    public static MemorySegment deadline(int clock, long nanosFromNow, MemorySegment ts) {
        try {
            int r = (int) Handles.CLOCK_GETTIME.invokeExact(clock, ts);
            if (r != 0) {
                throw new IllegalStateException("clock_gettime(" + clock + ") failed");
            }
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
        long sec = timespec.tv_sec(ts) + nanosFromNow / NANOS_PER_SECOND;
        long nsec = timespec.tv_nsec(ts) + nanosFromNow % NANOS_PER_SECOND;
        if (nsec >= NANOS_PER_SECOND) {
            sec++;
            nsec -= NANOS_PER_SECOND;
        }
        timespec.tv_sec(ts, sec);
        timespec.tv_nsec(ts, nsec);
        return ts;
    }

    /** Duration to nanoseconds, saturating instead of overflowing; negative becomes 0. */
    public static long toNanos(Duration d) {
        try {
            return Math.max(0, d.toNanos());
        } catch (ArithmeticException e) {
            return d.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }
}
