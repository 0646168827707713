package io.jipc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * This process's CPU time from {@code getrusage(RUSAGE_SELF)}, user and system apart, in
 * microseconds: what cbench reports too. All threads count (JIT compiler and GC included),
 * since a Java user pays for them as well.
 *
 * <p>A downcall of the harness's own, not a jipc API: the library has no use for getrusage.
 */
public final class Rusage {
    /** struct rusage starts with two struct timeval {long tv_sec; long tv_usec}. */
    private static final long RUSAGE_LENGTH = 144;
    private static final MethodHandle GETRUSAGE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getrusage").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final int RUSAGE_SELF = 0;
    private static final int RUSAGE_CHILDREN = -1;
    /** Linux: the calling thread only. */
    private static final int RUSAGE_THREAD = 1;
    private static final MemorySegment BUFFER = Arena.global().allocate(RUSAGE_LENGTH, 8);

    private Rusage() {
    }

    /** A reading: user and system CPU time in microseconds. */
    public record Cpu(long userMicros, long sysMicros) {
        public Cpu minus(Cpu earlier) {
            return new Cpu(userMicros - earlier.userMicros, sysMicros - earlier.sysMicros);
        }
    }

    /** Not thread-safe (one shared buffer); the harness reads it from its one busy thread. */
    public static Cpu self() {
        return read(RUSAGE_SELF);
    }

    /**
     * {@return the CPU time of every child process reaped so far, and of their reaped children}
     * Not thread-safe, as {@link #self()}.
     */
    public static Cpu children() {
        return read(RUSAGE_CHILDREN);
    }

    /**
     * {@return the calling thread's CPU time alone: without the JIT compiler, GC and other
     * JVM threads that {@link #self()} counts} Not thread-safe, as {@link #self()}.
     */
    public static Cpu thread() {
        return read(RUSAGE_THREAD);
    }

    private static Cpu read(int who) {
        try {
            int r = (int) GETRUSAGE.invokeExact(who, BUFFER);
            if (r != 0) {
                throw new IllegalStateException("getrusage failed");
            }
        } catch (Throwable t) {
            throw t instanceof RuntimeException re ? re : new IllegalStateException(t);
        }
        long user = BUFFER.get(ValueLayout.JAVA_LONG, 0) * 1_000_000 + BUFFER.get(ValueLayout.JAVA_LONG, 8);
        long sys = BUFFER.get(ValueLayout.JAVA_LONG, 16) * 1_000_000 + BUFFER.get(ValueLayout.JAVA_LONG, 24);
        return new Cpu(user, sys);
    }
}
