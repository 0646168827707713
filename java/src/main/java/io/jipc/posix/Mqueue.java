package io.jipc.posix;

import io.jipc.IpcException;
import io.jipc.bindings.mq_attr;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * POSIX message queues: {@code <mqueue.h>}. Each call returns its result or {@code -errno}.
 */
public final class Mqueue {
    private Mqueue() {
    }

    private static final class Handles {
        /** mq_open is variadic after the flags: mode and attributes come only with O_CREAT. */
        static final MethodHandle MQ_OPEN = Downcall.linkVariadic("mq_open", 2,
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT, C_POINTER));
        static final MethodHandle MQ_CLOSE = Downcall.link("mq_close", FunctionDescriptor.of(C_INT, C_INT));
        static final MethodHandle MQ_UNLINK = Downcall.link("mq_unlink", FunctionDescriptor.of(C_INT, C_POINTER));
        static final MethodHandle MQ_GETATTR = Downcall.link("mq_getattr",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    }

    private static final class Transfer {
        static final MethodHandle MQ_TIMEDSEND = Downcall.link("mq_timedsend",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_LONG, C_INT, C_POINTER));
        static final MethodHandle MQ_TIMEDRECEIVE = Downcall.link("mq_timedreceive",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_POINTER, C_POINTER));
    }

    /** mq_open with the optional mode and attributes; {@code attr} may be NULL. */
    public static int open(MemorySegment name, int flags, int mode, MemorySegment attr) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Handles.MQ_OPEN.invokeExact(c, name, flags, mode, attr), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** Allocates a {@code struct mq_attr} with the two sizes set. */
    public static MemorySegment attr(Arena arena, long maxMessages, long messageSize) {
        MemorySegment a = arena.allocate(mq_attr.layout());
        mq_attr.mq_maxmsg(a, maxMessages);
        mq_attr.mq_msgsize(a, messageSize);
        return a;
    }

    /** The fields of {@code struct mq_attr}. */
    public record Attributes(long flags, long maxMessages, long messageSize, long currentMessages) {
    }

    /** mq_getattr; a failure is reported as {@code mq_getattr} on {@code object}. */
    public static Attributes getattr(int mqd, String object) throws IpcException {
        MemorySegment c = Downcall.capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(mq_attr.layout());
            Errno.check(Downcall.result((int) Handles.MQ_GETATTR.invokeExact(c, mqd, a), c), "mq_getattr", object);
            return new Attributes(mq_attr.mq_flags(a), mq_attr.mq_maxmsg(a), mq_attr.mq_msgsize(a),
                    mq_attr.mq_curmsgs(a));
        } catch (IpcException e) {
            throw e;
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    public static int close(int mqd) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Handles.MQ_CLOSE.invokeExact(c, mqd), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    public static int unlink(MemorySegment name) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Handles.MQ_UNLINK.invokeExact(c, name), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /**
     * mq_timedsend; {@code deadline} is an absolute CLOCK_REALTIME timespec, or NULL to
     * wait as the descriptor's O_NONBLOCK flag says. {@return 0 or -errno}
     */
    public static int timedsend(int mqd, MemorySegment msg, long length, int priority, MemorySegment deadline) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Transfer.MQ_TIMEDSEND.invokeExact(c, mqd, msg, length, priority, deadline), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** mq_timedreceive; {@code priority} is a 4-byte out-parameter or NULL. {@return the length or -errno} */
    public static long timedreceive(int mqd, MemorySegment buf, long length, MemorySegment priority,
                                    MemorySegment deadline) {
        MemorySegment c = Downcall.capture();
        try {
            long r = (long) Transfer.MQ_TIMEDRECEIVE.invokeExact(c, mqd, buf, length, priority, deadline);
            return Downcall.result(r, c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }
}
