package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * futex(2) on shared (not process-private) words: glibc has no wrapper, so it goes through
 * the variadic {@code syscall(2)}.
 */
public final class Futex {
    private Futex() {
    }

    private static final class Wait {
        static final long SYS_FUTEX = jipc_bindings_h.SYS_futex();
        static final int FUTEX_WAIT = jipc_bindings_h.FUTEX_WAIT();
        static final MethodHandle FUTEX = Downcall.linkVariadic("syscall", 1,
                FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_INT, C_INT, C_POINTER, C_POINTER, C_INT));
    }

    private static final class Wake {
        static final long SYS_FUTEX = jipc_bindings_h.SYS_futex();
        static final int FUTEX_WAKE = jipc_bindings_h.FUTEX_WAKE();
        /** Waking never blocks, so it skips the JVM's thread-state transition. */
        static final MethodHandle FUTEX = Downcall.linkVariadic("syscall", 1,
                FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_INT, C_INT), Linker.Option.critical(false));
    }

    /**
     * FUTEX_WAIT: sleeps while {@code *word == expected}. {@code relativeTimeout} is a
     * timespec or NULL for no limit.
     * {@return 0 when woken, or -EAGAIN (value differed), -ETIMEDOUT, -EINTR}
     */
    public static int await(MemorySegment word, int expected, MemorySegment relativeTimeout) {
        MemorySegment c = Downcall.capture();
        try {
            return (int) Downcall.result((long) Wait.FUTEX.invokeExact(c, Wait.SYS_FUTEX, word, Wait.FUTEX_WAIT,
                    expected, relativeTimeout, MemorySegment.NULL, 0), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** FUTEX_WAKE. {@return the number of waiters woken, or -errno} */
    public static int wake(MemorySegment word, int count) {
        MemorySegment c = Downcall.capture();
        try {
            return (int) Downcall.result((long) Wake.FUTEX.invokeExact(c, Wake.SYS_FUTEX, word, Wake.FUTEX_WAKE,
                    count), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }
}
