package io.jipc.posix;

import io.jipc.bindings.epoll_event;
import io.jipc.bindings.jipc_bindings_h;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * epoll(7) ({@code <sys/epoll.h>}): one descriptor that waits for many. Each registered
 * descriptor carries a 64-bit {@code data} word that comes back with its events. Events are
 * read from an array of {@code struct epoll_event} the caller keeps ({@link #allocate}); the
 * struct is packed on x86-64 (12 bytes, {@code data} at offset 4, unaligned). Each call
 * returns its result or {@code -errno}.
 */
public final class Epoll {
    private Epoll() {
    }

    public static final int EPOLL_CLOEXEC = jipc_bindings_h.EPOLL_CLOEXEC();
    public static final int EPOLLIN = jipc_bindings_h.EPOLLIN();
    public static final int EPOLLOUT = jipc_bindings_h.EPOLLOUT();
    public static final int EPOLLERR = jipc_bindings_h.EPOLLERR();
    public static final int EPOLLHUP = jipc_bindings_h.EPOLLHUP();
    public static final int EPOLLONESHOT = jipc_bindings_h.EPOLLONESHOT();
    public static final int CTL_ADD = jipc_bindings_h.EPOLL_CTL_ADD();
    public static final int CTL_MOD = jipc_bindings_h.EPOLL_CTL_MOD();
    public static final int CTL_DEL = jipc_bindings_h.EPOLL_CTL_DEL();

    private static final long EVENT_BYTES = epoll_event.layout().byteSize();
    private static final long EVENTS_OFFSET = epoll_event.events$offset();
    private static final long DATA_OFFSET = epoll_event.data$offset();

    private static final class Handles {
        static final MethodHandle EPOLL_CREATE1 = Downcall.link("epoll_create1", FunctionDescriptor.of(C_INT, C_INT));
        static final MethodHandle EPOLL_CTL = Downcall.link("epoll_ctl",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
        static final MethodHandle EPOLL_WAIT = Downcall.link("epoll_wait",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT));
        /** One event per thread, for epoll_ctl. */
        static final ThreadLocal<MemorySegment> ONE = ThreadLocal.withInitial(() -> allocate(Arena.ofAuto(), 1));
    }

    /** {@return a new epoll descriptor, or -errno} {@code flags}: {@link #EPOLL_CLOEXEC}. */
    public static int create(int flags) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Handles.EPOLL_CREATE1.invokeExact(c, flags), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /**
     * epoll_ctl: {@link #CTL_ADD}, {@link #CTL_MOD} or {@link #CTL_DEL} {@code fd} with the
     * {@code EPOLL*} {@code events} and the word {@code data} to return with them.
     * {@return 0, or -errno}
     */
    public static int ctl(int epfd, int op, int fd, int events, long data) {
        MemorySegment event = Handles.ONE.get();
        set(event, 0, events, data);
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Handles.EPOLL_CTL.invokeExact(c, epfd, op, fd, event), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** {@return a zeroed array of {@code count} {@code struct epoll_event} in {@code arena}} */
    public static MemorySegment allocate(Arena arena, int count) {
        return epoll_event.allocateArray(count, arena);
    }

    /**
     * epoll_wait into the first {@code max} entries of {@code events} (at most its length);
     * {@code timeoutMillis} -1 waits without limit. {@return the number of entries filled, 0
     * on time-out, or -errno (-EINTR when a signal arrived)}
     */
    public static int await(int epfd, MemorySegment events, int max, int timeoutMillis) {
        if (max < 1 || max > events.byteSize() / EVENT_BYTES) {
            throw new IllegalArgumentException("max " + max + " is not within the " + events.byteSize() / EVENT_BYTES
                    + " events of the array");
        }
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Handles.EPOLL_WAIT.invokeExact(c, epfd, events, max, timeoutMillis), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** {@return the {@code EPOLL*} bits of entry {@code index}} */
    public static int events(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_INT_UNALIGNED, index * EVENT_BYTES + EVENTS_OFFSET);
    }

    /** {@return the {@code data} word of entry {@code index}} */
    public static long data(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_LONG_UNALIGNED, index * EVENT_BYTES + DATA_OFFSET);
    }

    private static void set(MemorySegment array, int index, int events, long data) {
        array.set(ValueLayout.JAVA_INT_UNALIGNED, index * EVENT_BYTES + EVENTS_OFFSET, events);
        array.set(ValueLayout.JAVA_LONG_UNALIGNED, index * EVENT_BYTES + DATA_OFFSET, data);
    }
}
