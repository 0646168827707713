package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;
import io.jipc.bindings.pollfd;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * Readiness: {@code <poll.h>}. One path: an array of {@code struct pollfd} the caller
 * keeps ({@link #allocate}), or this thread's single entry ({@link #one}) for a wait on
 * one descriptor. Neither allocates per call.
 */
public final class Poll {
    private Poll() {
    }

    public static final int POLLIN = jipc_bindings_h.POLLIN();
    public static final int POLLOUT = jipc_bindings_h.POLLOUT();
    public static final int POLLERR = jipc_bindings_h.POLLERR();
    public static final int POLLHUP = jipc_bindings_h.POLLHUP();
    public static final int POLLNVAL = jipc_bindings_h.POLLNVAL();

    private static final long POLLFD_BYTES = pollfd.layout().byteSize();
    private static final long POLLFD_FD = pollfd.fd$offset();
    private static final long POLLFD_EVENTS = pollfd.events$offset();
    private static final long POLLFD_REVENTS = pollfd.revents$offset();

    private static final class Handles {
        static final MethodHandle POLL = Downcall.link("poll", FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT));
        /** One {@code struct pollfd} per thread, for single-descriptor waits. */
        static final ThreadLocal<MemorySegment> ONE = ThreadLocal.withInitial(() -> allocate(Arena.ofAuto(), 1));
    }

    /**
     * Polls one descriptor without allocating.
     * {@return its {@code revents} (not zero), 0 on time-out, or -errno}
     */
    public static int one(int fd, int events, int timeoutMillis) {
        MemorySegment p = Handles.ONE.get();
        set(p, 0, fd, events);
        int r = poll(p, 1, timeoutMillis);
        return r <= 0 ? r : revents(p, 0);
    }

    /** Nanoseconds to poll(2)'s milliseconds, rounded up so a wait is never short; 0 if none left. */
    public static int millis(long nanos) {
        if (nanos <= 0) {
            return 0;
        }
        long ms = nanos / 1_000_000 + (nanos % 1_000_000 == 0 ? 0 : 1);
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }

    /** {@return a zeroed array of {@code count} {@code struct pollfd} in {@code arena}} */
    public static MemorySegment allocate(Arena arena, int count) {
        return pollfd.allocateArray(count, arena);
    }

    /** Fills entry {@code index} of a pollfd array and clears its {@code revents}. */
    public static void set(MemorySegment array, int index, int fd, int events) {
        long base = index * POLLFD_BYTES;
        array.set(ValueLayout.JAVA_INT, base + POLLFD_FD, fd);
        array.set(ValueLayout.JAVA_SHORT, base + POLLFD_EVENTS, (short) events);
        array.set(ValueLayout.JAVA_SHORT, base + POLLFD_REVENTS, (short) 0);
    }

    /** {@return the descriptor of entry {@code index}} */
    public static int fd(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_INT, index * POLLFD_BYTES + POLLFD_FD);
    }

    /** {@return the {@code revents} of entry {@code index}, as an unsigned value} */
    public static int revents(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_SHORT, index * POLLFD_BYTES + POLLFD_REVENTS) & 0xffff;
    }

    /**
     * poll(2) on the first {@code count} entries of a prepared array.
     * {@return the number ready, 0 on time-out, or -errno}
     */
    public static int poll(MemorySegment array, int count, int timeoutMillis) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Handles.POLL.invokeExact(c, array, (long) count, timeoutMillis), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }
}
