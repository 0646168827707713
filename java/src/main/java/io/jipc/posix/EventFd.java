package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;

/**
 * eventfd(2) ({@code <sys/eventfd.h>}): a 64-bit counter behind a descriptor; a write adds
 * to it, a read takes it (and blocks, or fails with EAGAIN, while it is zero). It wakes a
 * poll/epoll waiter, which a futex cannot. Each call returns its result or {@code -errno}.
 */
public final class EventFd {
    private EventFd() {
    }

    public static final int EFD_CLOEXEC = jipc_bindings_h.EFD_CLOEXEC();
    public static final int EFD_NONBLOCK = jipc_bindings_h.EFD_NONBLOCK();

    private static final class Handles {
        static final MethodHandle EVENTFD = Downcall.link("eventfd", FunctionDescriptor.of(C_INT, C_INT, C_INT));
        /** The 8 bytes an eventfd read or write carries, one per thread. */
        static final ThreadLocal<MemorySegment> COUNTER =
                ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(ValueLayout.JAVA_LONG));
    }

    /** {@return a new eventfd holding {@code initial}, or -errno} {@code flags}: EFD_CLOEXEC, EFD_NONBLOCK. */
    public static int create(int initial, int flags) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Handles.EVENTFD.invokeExact(c, initial, flags), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /**
     * Adds {@code n} (at least 1) to the counter. {@return 0, or -errno: -EAGAIN if the sum
     * would pass 2^64 - 2 on a non-blocking descriptor}
     */
    public static int signal(int fd, long n) {
        if (n < 1) {
            throw new IllegalArgumentException("an eventfd is signalled with a positive count, not " + n);
        }
        MemorySegment counter = Handles.COUNTER.get();
        counter.set(ValueLayout.JAVA_LONG, 0, n);
        long r = Fds.write(fd, counter, Long.BYTES);
        return r < 0 ? (int) r : 0;
    }

    /**
     * Takes the counter (leaving 0) into {@code value[0]}, as an unsigned 64-bit number.
     * {@return 0, or -errno: -EAGAIN on a non-blocking descriptor whose counter is 0}
     */
    public static int read(int fd, long[] value) {
        MemorySegment counter = Handles.COUNTER.get();
        long r = Fds.read(fd, counter, Long.BYTES);
        if (r < 0) {
            return (int) r;
        }
        value[0] = counter.get(ValueLayout.JAVA_LONG, 0);
        return 0;
    }
}
