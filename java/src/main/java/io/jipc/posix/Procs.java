package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * Processes and signals: {@code <unistd.h>}, {@code <signal.h>}, {@code <sys/wait.h>}, and
 * pidfds (through {@code syscall(2)}). Each call returns its result or {@code -errno}.
 */
public final class Procs {
    private Procs() {
    }

    public static final int WNOHANG = jipc_bindings_h.WNOHANG();
    public static final int SIGKILL = jipc_bindings_h.SIGKILL();
    public static final int SIGTERM = jipc_bindings_h.SIGTERM();
    public static final int SIGINT = jipc_bindings_h.SIGINT();

    /** The pid is cached: the JVM never forks. */
    private static final class Ids {
        static final int PID = jipc_bindings_h.getpid();
    }

    private static final class Signals {
        static final MethodHandle KILL = Downcall.link("kill", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    }

    private static final class Waits {
        static final MethodHandle WAITPID = Downcall.link("waitpid",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    }

    private static final class Pidfds {
        static final long SYS_PIDFD_OPEN = jipc_bindings_h.SYS_pidfd_open();
        static final long SYS_PIDFD_SEND_SIGNAL = jipc_bindings_h.SYS_pidfd_send_signal();
        static final MethodHandle SYSCALL_2 = Downcall.linkVariadic("syscall", 1,
                FunctionDescriptor.of(C_LONG, C_LONG, C_INT, C_INT));
        static final MethodHandle SYSCALL_4 = Downcall.linkVariadic("syscall", 1,
                FunctionDescriptor.of(C_LONG, C_LONG, C_INT, C_INT, C_POINTER, C_INT));
    }

    /** {@return this process's id} */
    public static int getpid() {
        return Ids.PID;
    }

    /** {@return this process's effective user id} */
    public static int geteuid() {
        return jipc_bindings_h.geteuid();
    }

    public static int kill(int pid, int signal) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Signals.KILL.invokeExact(c, pid, signal), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** {@return a pidfd for {@code pid} (close-on-exec), or -errno} */
    public static int pidfdOpen(int pid) {
        MemorySegment c = Downcall.capture();
        try {
            return (int) Downcall.result((long) Pidfds.SYSCALL_2.invokeExact(c, Pidfds.SYS_PIDFD_OPEN, pid, 0), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** Signals through a pidfd, which cannot hit a recycled pid. {@return 0 or -errno} */
    public static int pidfdSendSignal(int pidfd, int signal) {
        MemorySegment c = Downcall.capture();
        try {
            return (int) Downcall.result((long) Pidfds.SYSCALL_4.invokeExact(c, Pidfds.SYS_PIDFD_SEND_SIGNAL, pidfd,
                    signal, MemorySegment.NULL, 0), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** waitpid; stores the raw status in {@code status[0]}. {@return the pid, 0 (WNOHANG, still running) or -errno} */
    public static int waitpid(int pid, int[] status, int options) {
        MemorySegment c = Downcall.capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            int r = Downcall.result((int) Waits.WAITPID.invokeExact(c, pid, out, options), c);
            if (r > 0) {
                status[0] = out.get(ValueLayout.JAVA_INT, 0);
            }
            return r;
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }
}
