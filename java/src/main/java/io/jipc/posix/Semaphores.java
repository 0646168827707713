package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * Named POSIX semaphores: {@code <semaphore.h>}. A semaphore is passed as the address
 * sem_open returned. Each call returns its result or {@code -errno}.
 */
public final class Semaphores {
    private Semaphores() {
    }

    private static final class Handles {
        /** sem_open is variadic after the flags: mode and value come only with O_CREAT. */
        static final MethodHandle SEM_OPEN = Downcall.linkVariadic("sem_open", 2,
                FunctionDescriptor.of(C_POINTER, C_POINTER, C_INT, C_INT, C_INT));
        static final MethodHandle SEM_CLOSE = Downcall.link("sem_close", FunctionDescriptor.of(C_INT, C_POINTER));
        static final MethodHandle SEM_UNLINK = Downcall.link("sem_unlink", FunctionDescriptor.of(C_INT, C_POINTER));
        static final MemorySegment SEM_FAILED = jipc_bindings_h.SEM_FAILED();
    }

    private static final class Waits {
        static final MethodHandle SEM_WAIT = Downcall.link("sem_wait", FunctionDescriptor.of(C_INT, C_POINTER));
        static final MethodHandle SEM_TRYWAIT = Downcall.link("sem_trywait", FunctionDescriptor.of(C_INT, C_POINTER));
        static final MethodHandle SEM_CLOCKWAIT = Downcall.link("sem_clockwait",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER));
        static final MethodHandle SEM_POST = Downcall.link("sem_post", FunctionDescriptor.of(C_INT, C_POINTER));
        static final MethodHandle SEM_GETVALUE = Downcall.link("sem_getvalue",
                FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
    }

    /** {@return the sem_t address, or -errno} */
    public static long open(MemorySegment name, int flags, int mode, int value) {
        MemorySegment c = Downcall.capture();
        try {
            MemorySegment p = (MemorySegment) Handles.SEM_OPEN.invokeExact(c, name, flags, mode, value);
            return Downcall.pointerResult(p, Handles.SEM_FAILED, c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    public static int close(long sem) {
        return call(Handles.SEM_CLOSE, sem);
    }

    public static int unlink(MemorySegment name) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Handles.SEM_UNLINK.invokeExact(c, name), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    public static int await(long sem) {
        return call(Waits.SEM_WAIT, sem);
    }

    public static int trywait(long sem) {
        return call(Waits.SEM_TRYWAIT, sem);
    }

    public static int post(long sem) {
        return call(Waits.SEM_POST, sem);
    }

    /** sem_clockwait on CLOCK_MONOTONIC, so a wall-clock jump cannot stretch a timeout. */
    public static int clockwaitMonotonic(long sem, MemorySegment absoluteDeadline) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Waits.SEM_CLOCKWAIT.invokeExact(c, MemorySegment.ofAddress(sem),
                    Clocks.CLOCK_MONOTONIC, absoluteDeadline), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** {@return the value, or -errno (a semaphore's value is never negative on Linux)} */
    public static int getvalue(long sem) {
        MemorySegment c = Downcall.capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            int r = Downcall.result((int) Waits.SEM_GETVALUE.invokeExact(c, MemorySegment.ofAddress(sem), out), c);
            return r < 0 ? r : out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    private static int call(MethodHandle h, long sem) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) h.invokeExact(c, MemorySegment.ofAddress(sem)), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }
}
