package io.jipc.posix;

import io.jipc.IpcException;
import io.jipc.bindings.jipc_bindings_h;
import io.jipc.bindings.stat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * Descriptors: {@code <unistd.h>}, {@code <fcntl.h>}, {@code <sys/stat.h>} (close, read,
 * write, pipe2, fcntl, ftruncate, fstat, fchmod). Each call returns its result or
 * {@code -errno}.
 */
public final class Fds {
    private Fds() {
    }

    public static final int O_RDONLY = jipc_bindings_h.O_RDONLY();
    public static final int O_WRONLY = jipc_bindings_h.O_WRONLY();
    public static final int O_RDWR = jipc_bindings_h.O_RDWR();
    public static final int O_ACCMODE = jipc_bindings_h.O_ACCMODE();
    public static final int O_CREAT = jipc_bindings_h.O_CREAT();
    public static final int O_EXCL = jipc_bindings_h.O_EXCL();
    public static final int O_NONBLOCK = jipc_bindings_h.O_NONBLOCK();
    public static final int O_CLOEXEC = jipc_bindings_h.O_CLOEXEC();
    public static final int F_GETFD = jipc_bindings_h.F_GETFD();
    public static final int F_SETFD = jipc_bindings_h.F_SETFD();
    public static final int F_GETFL = jipc_bindings_h.F_GETFL();
    public static final int F_SETFL = jipc_bindings_h.F_SETFL();
    public static final int FD_CLOEXEC = jipc_bindings_h.FD_CLOEXEC();
    public static final int F_GETPIPE_SZ = jipc_bindings_h.F_GETPIPE_SZ();
    public static final int F_SETPIPE_SZ = jipc_bindings_h.F_SETPIPE_SZ();
    /** Writes up to this size are atomic on a pipe, and fit into one free pipe slot. */
    public static final int PIPE_BUF = jipc_bindings_h.PIPE_BUF();
    public static final int S_IFMT = jipc_bindings_h.S_IFMT();
    public static final int S_IFIFO = jipc_bindings_h.S_IFIFO();

    private static final class Close {
        static final MethodHandle CLOSE = Downcall.link("close", FunctionDescriptor.of(C_INT, C_INT));
    }

    private static final class ReadWrite {
        static final MethodHandle READ = Downcall.link("read", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));
        static final MethodHandle WRITE = Downcall.link("write",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));
    }

    /**
     * {@code preadv2}/{@code pwritev2} with {@code RWF_NOWAIT}: one read or write that never
     * sleeps, whatever the descriptor's shared {@code O_NONBLOCK} flag says (pipes accept it
     * since Linux 5.x; older kernels answer {@code EOPNOTSUPP}).
     */
    private static final class NoWait {
        static final MethodHandle PREADV2 = Downcall.link("preadv2",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT, C_LONG, C_INT));
        static final MethodHandle PWRITEV2 = Downcall.link("pwritev2",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT, C_LONG, C_INT));
    }

    /** {@code RWF_NOWAIT} of {@code <linux/fs.h>} (not in the bindings: one flag, fixed in the kernel ABI). */
    public static final int RWF_NOWAIT = 0x08;
    /** Bytes of one {@code struct iovec}: a pointer and a length. */
    public static final long IOVEC_BYTES = 16;

    private static final class Pipe2 {
        static final MethodHandle PIPE2 = Downcall.link("pipe2", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    }

    private static final class Fcntl {
        /** fcntl(2) is variadic; every command jipc uses takes an int (or ignores it). */
        static final MethodHandle FCNTL = Downcall.linkVariadic("fcntl", 2,
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    }

    private static final class Truncate {
        static final MethodHandle FTRUNCATE = Downcall.link("ftruncate", FunctionDescriptor.of(C_INT, C_INT, C_LONG));
    }

    private static final class Stat {
        static final MethodHandle FSTAT = Downcall.link("fstat", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    }

    private static final class Chmod {
        static final MethodHandle FCHMOD = Downcall.link("fchmod", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    }

    public static int close(int fd) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Close.CLOSE.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    public static long read(int fd, MemorySegment buf, long count) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((long) ReadWrite.READ.invokeExact(c, fd, buf, count), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /**
     * Reads like read(2) but never sleeps: {@code -EAGAIN} where read(2) would block, even on
     * a blocking descriptor. {@code iov} is the caller's {@link #IOVEC_BYTES}-byte scratch.
     * {@return bytes read, 0 at end of file, or -errno ({@code -EOPNOTSUPP}: the file cannot)}
     */
    public static long readNoWait(int fd, MemorySegment iov, MemorySegment buf, long count) {
        iov.set(ValueLayout.ADDRESS, 0, buf);
        iov.set(ValueLayout.JAVA_LONG, 8, count);
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((long) NoWait.PREADV2.invokeExact(c, fd, iov, 1, -1L, RWF_NOWAIT), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** Writes like write(2) but never sleeps; see {@link #readNoWait}. {@return bytes written or -errno} */
    public static long writeNoWait(int fd, MemorySegment iov, MemorySegment buf, long count) {
        iov.set(ValueLayout.ADDRESS, 0, buf);
        iov.set(ValueLayout.JAVA_LONG, 8, count);
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((long) NoWait.PWRITEV2.invokeExact(c, fd, iov, 1, -1L, RWF_NOWAIT), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    public static long write(int fd, MemorySegment buf, long count) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((long) ReadWrite.WRITE.invokeExact(c, fd, buf, count), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** {@return 0 and the two descriptors in {@code fds[0]} (read) and {@code fds[1]} (write), or -errno} */
    public static int pipe2(int[] fds, int flags) {
        MemorySegment c = Downcall.capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pair = arena.allocate(ValueLayout.JAVA_INT, 2);
            int r = Downcall.result((int) Pipe2.PIPE2.invokeExact(c, pair, flags), c);
            if (r == 0) {
                fds[0] = pair.getAtIndex(ValueLayout.JAVA_INT, 0);
                fds[1] = pair.getAtIndex(ValueLayout.JAVA_INT, 1);
            }
            return r;
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** fcntl(2) for the commands whose third argument is an int (or absent). */
    public static int fcntl(int fd, int cmd, int arg) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Fcntl.FCNTL.invokeExact(c, fd, cmd, arg), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    public static int ftruncate(int fd, long length) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Truncate.FTRUNCATE.invokeExact(c, fd, length), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** The parts of {@code struct stat} jipc uses. */
    public record FileStatus(long size, int mode, int uid, int gid) {
    }

    /** fstat(2); a failure is reported as {@code call} on {@code object}. */
    public static FileStatus fstat(int fd, String call, String object) throws IpcException {
        MemorySegment c = Downcall.capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(stat.layout());
            Errno.check(Downcall.result((int) Stat.FSTAT.invokeExact(c, fd, st), c), call, object);
            return new FileStatus(stat.st_size(st), stat.st_mode(st), stat.st_uid(st), stat.st_gid(st));
        } catch (IpcException e) {
            throw e;
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    public static int fchmod(int fd, int mode) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Chmod.FCHMOD.invokeExact(c, fd, mode), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }
}
