package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;

/**
 * membarrier(2) ({@code <linux/membarrier.h>}): a memory barrier on every running thread of
 * every process that registered, issued by one caller. It lets the frequent side of a
 * protocol (a ring's reader, say) use plain loads and stores and leaves the cost of the
 * full fence to the rare side. glibc has no wrapper; it goes through {@code syscall(2)}.
 * Each call returns its result or {@code -errno}; -ENOSYS or -EPERM (seccomp) where the
 * kernel or a container refuses it.
 */
public final class Membarrier {
    private Membarrier() {
    }

    public static final int CMD_QUERY = jipc_bindings_h.MEMBARRIER_CMD_QUERY();
    public static final int CMD_GLOBAL_EXPEDITED = jipc_bindings_h.MEMBARRIER_CMD_GLOBAL_EXPEDITED();
    public static final int CMD_REGISTER_GLOBAL_EXPEDITED = jipc_bindings_h.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED();

    private static final class Handles {
        static final long SYS_MEMBARRIER = jipc_bindings_h.SYS_membarrier();
        /** membarrier(int cmd, unsigned int flags, int cpu_id). */
        static final MethodHandle MEMBARRIER = Downcall.linkVariadic("syscall", 1,
                FunctionDescriptor.of(C_LONG, C_LONG, C_INT, C_INT, C_INT));
    }

    /** {@return the commands this kernel supports, as a mask of {@code CMD_*} values (each is one bit), or -errno} */
    public static int query() {
        return command(CMD_QUERY);
    }

    /**
     * Registers this process to receive {@link #globalExpedited()} barriers (a process that
     * has not registered gets none of them). {@return 0, or -errno}
     */
    public static int registerGlobalExpedited() {
        return command(CMD_REGISTER_GLOBAL_EXPEDITED);
    }

    /**
     * Runs a full memory barrier on every running thread of every registered process before
     * it returns. Costs an inter-processor interrupt per CPU running such a thread.
     * {@return 0, or -errno}
     */
    public static int globalExpedited() {
        return command(CMD_GLOBAL_EXPEDITED);
    }

    /** {@return membarrier(cmd, 0, 0): 0, a mask for CMD_QUERY, or -errno} */
    static int command(int cmd) {
        MemorySegment c = Downcall.capture();
        try {
            long r = (long) Handles.MEMBARRIER.invokeExact(c, Handles.SYS_MEMBARRIER, cmd, 0, 0);
            return (int) Downcall.result(r, c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }
}
