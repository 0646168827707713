package io.jipc.posix;

import io.jipc.IpcException;
import io.jipc.bindings.jipc_bindings_h;
import io.jipc.bindings.mq_attr;
import io.jipc.bindings.pollfd;
import io.jipc.bindings.stat;
import io.jipc.bindings.timespec;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * The only door from jipc to the C library.
 *
 * <p>Every call that reports failure through {@code errno} is relinked here from
 * jextract's {@code $address()}/{@code $descriptor()} with
 * {@code Linker.Option.captureCallState("errno")}: jextract's own handles do not capture
 * it, and by the time Java code could call {@code __errno_location} the JVM may have
 * overwritten it. Calls return what the kernel returns: a non-negative result, or
 * {@code -errno} on failure (the raw syscall convention), so expected outcomes such as
 * {@code EAGAIN} cost no exception and no allocation. {@link #check} and
 * {@link #error} turn the rest into {@link IpcException}.
 *
 * <p>Not exported from module io.jipc.
 */
public final class Posix {
    private Posix() {
    }

    static {
        // Before any binding runs: they were generated for Linux on x86-64 only.
        NativeLibrary.checkPlatform();
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET =
            CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /** One capture buffer per thread: no allocation per call. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    // ---- constants, copied so no other package needs the bindings ----
    public static final int O_RDONLY = jipc_bindings_h.O_RDONLY();
    public static final int O_WRONLY = jipc_bindings_h.O_WRONLY();
    public static final int O_RDWR = jipc_bindings_h.O_RDWR();
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
    public static final int POLLIN = jipc_bindings_h.POLLIN();
    public static final int POLLOUT = jipc_bindings_h.POLLOUT();
    public static final int POLLERR = jipc_bindings_h.POLLERR();
    public static final int POLLHUP = jipc_bindings_h.POLLHUP();
    public static final int POLLNVAL = jipc_bindings_h.POLLNVAL();
    public static final int WNOHANG = jipc_bindings_h.WNOHANG();
    public static final int SIGKILL = jipc_bindings_h.SIGKILL();
    public static final int SIGTERM = jipc_bindings_h.SIGTERM();
    public static final int SIGINT = jipc_bindings_h.SIGINT();

    public static final int EPERM = jipc_bindings_h.EPERM();
    public static final int ENOENT = jipc_bindings_h.ENOENT();
    public static final int ESRCH = jipc_bindings_h.ESRCH();
    public static final int EINTR = jipc_bindings_h.EINTR();
    public static final int EBADF = jipc_bindings_h.EBADF();
    public static final int ECHILD = jipc_bindings_h.ECHILD();
    public static final int EAGAIN = jipc_bindings_h.EAGAIN();
    public static final int EACCES = jipc_bindings_h.EACCES();
    public static final int EEXIST = jipc_bindings_h.EEXIST();
    public static final int EINVAL = jipc_bindings_h.EINVAL();
    public static final int EPIPE = jipc_bindings_h.EPIPE();
    public static final int ENOSYS = jipc_bindings_h.ENOSYS();
    public static final int EMSGSIZE = jipc_bindings_h.EMSGSIZE();
    public static final int ETIMEDOUT = jipc_bindings_h.ETIMEDOUT();

    public static final int FUTEX_WAIT = jipc_bindings_h.FUTEX_WAIT();
    public static final int FUTEX_WAKE = jipc_bindings_h.FUTEX_WAKE();

    // ---- handles ----
    private static MethodHandle capturing(MemorySegment address, FunctionDescriptor descriptor,
                                          Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE_ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        return LINKER.downcallHandle(address, descriptor, all);
    }

    private static final MethodHandle CLOSE = capturing(jipc_bindings_h.close$address(), jipc_bindings_h.close$descriptor());
    private static final MethodHandle READ = capturing(jipc_bindings_h.read$address(), jipc_bindings_h.read$descriptor());
    private static final MethodHandle WRITE = capturing(jipc_bindings_h.write$address(), jipc_bindings_h.write$descriptor());
    private static final MethodHandle PIPE2 = capturing(jipc_bindings_h.pipe2$address(), jipc_bindings_h.pipe2$descriptor());
    private static final MethodHandle FCNTL = capturing(jipc_bindings_h.fcntl.address(),
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FTRUNCATE = capturing(jipc_bindings_h.ftruncate$address(), jipc_bindings_h.ftruncate$descriptor());
    private static final MethodHandle FSTAT = capturing(jipc_bindings_h.fstat$address(), jipc_bindings_h.fstat$descriptor());
    private static final MethodHandle FCHMOD = capturing(jipc_bindings_h.fchmod$address(), jipc_bindings_h.fchmod$descriptor());
    private static final MethodHandle SHM_OPEN = capturing(jipc_bindings_h.shm_open$address(), jipc_bindings_h.shm_open$descriptor());
    private static final MethodHandle SHM_UNLINK = capturing(jipc_bindings_h.shm_unlink$address(), jipc_bindings_h.shm_unlink$descriptor());
    private static final MethodHandle MMAP = capturing(jipc_bindings_h.mmap$address(), jipc_bindings_h.mmap$descriptor());
    private static final MethodHandle MUNMAP = capturing(jipc_bindings_h.munmap$address(), jipc_bindings_h.munmap$descriptor());
    private static final MethodHandle MQ_OPEN = capturing(jipc_bindings_h.mq_open.address(),
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT, C_POINTER), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MQ_CLOSE = capturing(jipc_bindings_h.mq_close$address(), jipc_bindings_h.mq_close$descriptor());
    private static final MethodHandle MQ_UNLINK = capturing(jipc_bindings_h.mq_unlink$address(), jipc_bindings_h.mq_unlink$descriptor());
    private static final MethodHandle MQ_TIMEDSEND = capturing(jipc_bindings_h.mq_timedsend$address(), jipc_bindings_h.mq_timedsend$descriptor());
    private static final MethodHandle MQ_TIMEDRECEIVE = capturing(jipc_bindings_h.mq_timedreceive$address(), jipc_bindings_h.mq_timedreceive$descriptor());
    private static final MethodHandle MQ_GETATTR = capturing(jipc_bindings_h.mq_getattr$address(), jipc_bindings_h.mq_getattr$descriptor());
    private static final MethodHandle MQ_SETATTR = capturing(jipc_bindings_h.mq_setattr$address(), jipc_bindings_h.mq_setattr$descriptor());
    private static final MethodHandle SEM_OPEN = capturing(jipc_bindings_h.sem_open.address(),
            FunctionDescriptor.of(C_POINTER, C_POINTER, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SEM_CLOSE = capturing(jipc_bindings_h.sem_close$address(), jipc_bindings_h.sem_close$descriptor());
    private static final MethodHandle SEM_UNLINK = capturing(jipc_bindings_h.sem_unlink$address(), jipc_bindings_h.sem_unlink$descriptor());
    private static final MethodHandle SEM_WAIT = capturing(jipc_bindings_h.sem_wait$address(), jipc_bindings_h.sem_wait$descriptor());
    private static final MethodHandle SEM_TRYWAIT = capturing(jipc_bindings_h.sem_trywait$address(), jipc_bindings_h.sem_trywait$descriptor());
    private static final MethodHandle SEM_CLOCKWAIT = capturing(jipc_bindings_h.sem_clockwait$address(), jipc_bindings_h.sem_clockwait$descriptor());
    private static final MethodHandle SEM_POST = capturing(jipc_bindings_h.sem_post$address(), jipc_bindings_h.sem_post$descriptor());
    private static final MethodHandle SEM_GETVALUE = capturing(jipc_bindings_h.sem_getvalue$address(), jipc_bindings_h.sem_getvalue$descriptor());
    private static final MethodHandle POLL = capturing(jipc_bindings_h.poll$address(), jipc_bindings_h.poll$descriptor());
    private static final MethodHandle KILL = capturing(jipc_bindings_h.kill$address(), jipc_bindings_h.kill$descriptor());
    private static final MethodHandle WAITPID = capturing(jipc_bindings_h.waitpid$address(), jipc_bindings_h.waitpid$descriptor());
    private static final MethodHandle SYSCONF = capturing(jipc_bindings_h.sysconf$address(), jipc_bindings_h.sysconf$descriptor());
    private static final MethodHandle CLOCK_GETTIME = LINKER.downcallHandle(jipc_bindings_h.clock_gettime$address(),
            jipc_bindings_h.clock_gettime$descriptor(), Linker.Option.critical(false));
    /** futex(2) with its six arguments; syscall(2) is variadic after the number. */
    private static final MethodHandle SYSCALL_FUTEX = capturing(jipc_bindings_h.syscall.address(),
            FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_INT, C_INT, C_POINTER, C_POINTER, C_INT),
            Linker.Option.firstVariadicArg(1));
    /** Waking never blocks, so it skips the JVM's thread-state transition. */
    private static final MethodHandle SYSCALL_FUTEX_WAKE = capturing(jipc_bindings_h.syscall.address(),
            FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_INT, C_INT),
            Linker.Option.firstVariadicArg(1), Linker.Option.critical(false));
    private static final MethodHandle SYSCALL_2 = capturing(jipc_bindings_h.syscall.address(),
            FunctionDescriptor.of(C_LONG, C_LONG, C_INT, C_INT), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL_4 = capturing(jipc_bindings_h.syscall.address(),
            FunctionDescriptor.of(C_LONG, C_LONG, C_INT, C_INT, C_POINTER, C_INT), Linker.Option.firstVariadicArg(1));

    private static final long SYS_FUTEX = jipc_bindings_h.SYS_futex();
    private static final long SYS_PIDFD_OPEN = jipc_bindings_h.SYS_pidfd_open();
    private static final long SYS_PIDFD_SEND_SIGNAL = jipc_bindings_h.SYS_pidfd_send_signal();
    private static final int PID = jipc_bindings_h.getpid();

    // ---- errno plumbing ----
    private static int errno(MemorySegment capture) {
        return capture.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
    }

    private static int result(int r, MemorySegment capture) {
        return r == -1 ? -errno(capture) : r;
    }

    private static long result(long r, MemorySegment capture) {
        return r == -1 ? -errno(capture) : r;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new AssertionError("unexpected checked exception from a downcall", t);
    }

    /** {@return {@code r} if it is not negative, else throws for {@code -r}} */
    public static int check(int r, String call, String object) throws IpcException {
        if (r < 0) {
            throw error(call, object, -r);
        }
        return r;
    }

    /** {@return {@code r} if it is not negative, else throws for {@code -r}} */
    public static long check(long r, String call, String object) throws IpcException {
        if (r < 0) {
            throw error(call, object, (int) -r);
        }
        return r;
    }

    /** Builds the exception for an errno value, in the form {@code call("object"): text (ENAME)}. */
    public static IpcException error(String call, String object, int errno) {
        return new IpcException(call, object, errno, errnoName(errno), strerror(errno), reasonOf(errno));
    }

    /** {@return the symbolic name of an errno value, such as ENOENT} */
    public static String errnoName(int errno) {
        MemorySegment p = jipc_bindings_h.strerrorname_np(errno);
        return p.equals(MemorySegment.NULL) ? "E" + errno : p.getString(0);
    }

    /** {@return the C library's description of an errno value} */
    public static String strerror(int errno) {
        MemorySegment p = jipc_bindings_h.strerrordesc_np(errno);
        return p.equals(MemorySegment.NULL) ? "Unknown error " + errno : p.getString(0);
    }

    private static IpcException.Reason reasonOf(int errno) {
        String name = errnoName(errno);
        return switch (name) {
            case "ENOENT" -> IpcException.Reason.DOES_NOT_EXIST;
            case "EEXIST" -> IpcException.Reason.ALREADY_EXISTS;
            case "EACCES", "EPERM" -> IpcException.Reason.PERMISSION_DENIED;
            case "EMFILE", "ENFILE", "ENOMEM", "ENOSPC", "EFBIG", "EOVERFLOW" -> IpcException.Reason.LIMIT_EXCEEDED;
            case "EINVAL", "EMSGSIZE", "ENAMETOOLONG", "EBADF", "E2BIG" -> IpcException.Reason.INVALID_ARGUMENT;
            case "EPIPE", "ECONNRESET" -> IpcException.Reason.BROKEN_PIPE;
            default -> IpcException.Reason.OTHER;
        };
    }

    // ---- process facts ----

    /** {@return this process's id (cached: the JVM never forks)} */
    public static int getpid() {
        return PID;
    }

    public static int geteuid() {
        return jipc_bindings_h.geteuid();
    }

    public static long sysconf(int name) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((long) SYSCONF.invokeExact(c, name), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static final int SC_MQ_PRIO_MAX = jipc_bindings_h._SC_MQ_PRIO_MAX();
    public static final int SC_PAGESIZE = jipc_bindings_h._SC_PAGESIZE();

    /** {@return CLOCK_MONOTONIC in nanoseconds: the clock the kernel's relative timeouts use} */
    public static long monotonicNanos() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(timespec.layout());
            int r = (int) CLOCK_GETTIME.invokeExact(jipc_bindings_h.CLOCK_MONOTONIC(), ts);
            if (r != 0) {
                throw new IllegalStateException("clock_gettime(CLOCK_MONOTONIC) failed");
            }
            return timespec.tv_sec(ts) * 1_000_000_000L + timespec.tv_nsec(ts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@return CLOCK_REALTIME in nanoseconds: absolute deadlines of mq_timed* use it} */
    public static long realtimeNanos() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(timespec.layout());
            int r = (int) CLOCK_GETTIME.invokeExact(jipc_bindings_h.CLOCK_REALTIME(), ts);
            if (r != 0) {
                throw new IllegalStateException("clock_gettime(CLOCK_REALTIME) failed");
            }
            return timespec.tv_sec(ts) * 1_000_000_000L + timespec.tv_nsec(ts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Allocates a {@code struct timespec} holding {@code nanos}. */
    public static MemorySegment timespec(Arena arena, long nanos) {
        MemorySegment ts = arena.allocate(timespec.layout());
        timespec.tv_sec(ts, nanos / 1_000_000_000L);
        timespec.tv_nsec(ts, nanos % 1_000_000_000L);
        return ts;
    }

    /** Stores {@code nanos} into an existing {@code struct timespec}. */
    public static void setTimespec(MemorySegment ts, long nanos) {
        timespec.tv_sec(ts, nanos / 1_000_000_000L);
        timespec.tv_nsec(ts, nanos % 1_000_000_000L);
    }

    /** Duration to nanoseconds, saturating instead of overflowing. */
    public static long toNanos(Duration d) {
        try {
            return Math.max(0, d.toNanos());
        } catch (ArithmeticException e) {
            return d.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    /** {@return a NUL-terminated copy of {@code s} in {@code arena}} */
    public static MemorySegment cString(Arena arena, String s) {
        return arena.allocateFrom(s);
    }

    // ---- descriptors ----

    public static int close(int fd) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) CLOSE.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long read(int fd, MemorySegment buf, long count) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((long) READ.invokeExact(c, fd, buf, count), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long write(int fd, MemorySegment buf, long count) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((long) WRITE.invokeExact(c, fd, buf, count), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@return 0 and the two descriptors in {@code fds[0]} (read) and {@code fds[1]} (write), or -errno} */
    public static int pipe2(int[] fds, int flags) {
        MemorySegment c = CAPTURE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pair = arena.allocate(ValueLayout.JAVA_INT, 2);
            int r = result((int) PIPE2.invokeExact(c, pair, flags), c);
            if (r == 0) {
                fds[0] = pair.getAtIndex(ValueLayout.JAVA_INT, 0);
                fds[1] = pair.getAtIndex(ValueLayout.JAVA_INT, 1);
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** fcntl(2) for the commands whose third argument is an int (or absent). */
    public static int fcntl(int fd, int cmd, int arg) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) FCNTL.invokeExact(c, fd, cmd, arg), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ftruncate(int fd, long length) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) FTRUNCATE.invokeExact(c, fd, length), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The parts of {@code struct stat} jipc uses. */
    public record FileStatus(long size, int mode, int uid, int gid) {
    }

    public static FileStatus fstat(int fd, String call, String object) throws IpcException {
        MemorySegment c = CAPTURE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(stat.layout());
            check(result((int) FSTAT.invokeExact(c, fd, st), c), call, object);
            return new FileStatus(stat.st_size(st), stat.st_mode(st), stat.st_uid(st), stat.st_gid(st));
        } catch (IpcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int fchmod(int fd, int mode) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) FCHMOD.invokeExact(c, fd, mode), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Polls {@code fds} for {@code events}; fills {@code revents}. {@return the number ready, 0 on time-out, or -errno} */
    public static int poll(int[] fds, short[] events, short[] revents, int timeoutMillis) {
        MemorySegment c = CAPTURE.get();
        try (Arena arena = Arena.ofConfined()) {
            int n = fds.length;
            MemorySegment array = pollfd.allocateArray(n, arena);
            for (int i = 0; i < n; i++) {
                MemorySegment e = pollfd.asSlice(array, i);
                pollfd.fd(e, fds[i]);
                pollfd.events(e, events[i]);
                pollfd.revents(e, (short) 0);
            }
            int r = result((int) POLL.invokeExact(c, array, (long) n, timeoutMillis), c);
            for (int i = 0; i < n; i++) {
                revents[i] = pollfd.revents(pollfd.asSlice(array, i));
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- shared memory ----

    public static int shmOpen(MemorySegment name, int flags, int mode) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) SHM_OPEN.invokeExact(c, name, flags, mode), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int shmUnlink(MemorySegment name) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) SHM_UNLINK.invokeExact(c, name), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Maps {@code length} bytes of {@code fd} shared, read-write. {@return the address, or -errno} */
    public static long mmapShared(int fd, long length) {
        MemorySegment c = CAPTURE.get();
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(c, MemorySegment.NULL, length,
                    jipc_bindings_h.PROT_READ() | jipc_bindings_h.PROT_WRITE(), jipc_bindings_h.MAP_SHARED(), fd, 0L);
            if (p.address() == jipc_bindings_h.MAP_FAILED().address()) {
                return -errno(c);
            }
            return p.address();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int munmap(long address, long length) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) MUNMAP.invokeExact(c, MemorySegment.ofAddress(address), length), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- message queues ----

    /** mq_open with the optional mode and attributes; {@code attr} may be NULL. */
    public static int mqOpen(MemorySegment name, int flags, int mode, MemorySegment attr) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) MQ_OPEN.invokeExact(c, name, flags, mode, attr), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Allocates a {@code struct mq_attr} with the two sizes set. */
    public static MemorySegment mqAttr(Arena arena, long maxMessages, long messageSize) {
        MemorySegment a = arena.allocate(mq_attr.layout());
        mq_attr.mq_maxmsg(a, maxMessages);
        mq_attr.mq_msgsize(a, messageSize);
        return a;
    }

    /** The fields of {@code struct mq_attr}. */
    public record MqAttributes(long flags, long maxMessages, long messageSize, long currentMessages) {
    }

    public static MqAttributes mqGetattr(int mqd, String object) throws IpcException {
        MemorySegment c = CAPTURE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(mq_attr.layout());
            check(result((int) MQ_GETATTR.invokeExact(c, mqd, a), c), "mq_getattr", object);
            return new MqAttributes(mq_attr.mq_flags(a), mq_attr.mq_maxmsg(a), mq_attr.mq_msgsize(a),
                    mq_attr.mq_curmsgs(a));
        } catch (IpcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets only {@code mq_flags} (the one settable field: O_NONBLOCK). */
    public static int mqSetFlags(int mqd, long flags) {
        MemorySegment c = CAPTURE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(mq_attr.layout());
            mq_attr.mq_flags(a, flags);
            return result((int) MQ_SETATTR.invokeExact(c, mqd, a, MemorySegment.NULL), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int mqClose(int mqd) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) MQ_CLOSE.invokeExact(c, mqd), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int mqUnlink(MemorySegment name) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) MQ_UNLINK.invokeExact(c, name), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * mq_timedsend; {@code deadline} is an absolute CLOCK_REALTIME timespec, or NULL to
     * wait as the descriptor's O_NONBLOCK flag says. {@return 0 or -errno}
     */
    public static int mqTimedsend(int mqd, MemorySegment msg, long length, int priority, MemorySegment deadline) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) MQ_TIMEDSEND.invokeExact(c, mqd, msg, length, priority, deadline), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mq_timedreceive; {@code priority} is a 4-byte out-parameter or NULL. {@return the length or -errno} */
    public static long mqTimedreceive(int mqd, MemorySegment buf, long length, MemorySegment priority,
                                      MemorySegment deadline) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((long) MQ_TIMEDRECEIVE.invokeExact(c, mqd, buf, length, priority, deadline), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- named semaphores ----

    /** {@return the sem_t address, or -errno} */
    public static long semOpen(MemorySegment name, int flags, int mode, int value) {
        MemorySegment c = CAPTURE.get();
        try {
            MemorySegment p = (MemorySegment) SEM_OPEN.invokeExact(c, name, flags, mode, value);
            if (p.address() == jipc_bindings_h.SEM_FAILED().address()) {
                return -errno(c);
            }
            return p.address();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int semClose(long sem) {
        return semCall(SEM_CLOSE, sem);
    }

    public static int semUnlink(MemorySegment name) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) SEM_UNLINK.invokeExact(c, name), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int semWait(long sem) {
        return semCall(SEM_WAIT, sem);
    }

    public static int semTrywait(long sem) {
        return semCall(SEM_TRYWAIT, sem);
    }

    public static int semPost(long sem) {
        return semCall(SEM_POST, sem);
    }

    /** sem_clockwait on CLOCK_MONOTONIC, so a wall-clock jump cannot stretch a timeout. */
    public static int semClockwaitMonotonic(long sem, MemorySegment absoluteDeadline) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) SEM_CLOCKWAIT.invokeExact(c, MemorySegment.ofAddress(sem),
                    jipc_bindings_h.CLOCK_MONOTONIC(), absoluteDeadline), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@return the value, or -errno (a semaphore's value is never negative on Linux)} */
    public static int semGetvalue(long sem) {
        MemorySegment c = CAPTURE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            int r = result((int) SEM_GETVALUE.invokeExact(c, MemorySegment.ofAddress(sem), out), c);
            return r < 0 ? r : out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int semCall(MethodHandle h, long sem) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) h.invokeExact(c, MemorySegment.ofAddress(sem)), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- futexes ----

    /**
     * FUTEX_WAIT on a shared (not process-private) word: sleeps while {@code *word == expected}.
     * {@code relativeTimeout} is a timespec or NULL for no limit.
     * {@return 0 when woken, or -EAGAIN (value differed), -ETIMEDOUT, -EINTR}
     */
    public static int futexWait(MemorySegment word, int expected, MemorySegment relativeTimeout) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) result((long) SYSCALL_FUTEX.invokeExact(c, SYS_FUTEX, word, FUTEX_WAIT, expected,
                    relativeTimeout, MemorySegment.NULL, 0), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** FUTEX_WAKE on a shared word. {@return the number of waiters woken, or -errno} */
    public static int futexWake(MemorySegment word, int count) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) result((long) SYSCALL_FUTEX_WAKE.invokeExact(c, SYS_FUTEX, word, FUTEX_WAKE, count), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- processes ----

    public static int kill(int pid, int signal) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) KILL.invokeExact(c, pid, signal), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@return a pidfd for {@code pid} (close-on-exec), or -errno} */
    public static int pidfdOpen(int pid) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) result((long) SYSCALL_2.invokeExact(c, SYS_PIDFD_OPEN, pid, 0), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Signals through a pidfd, which cannot hit a recycled pid. {@return 0 or -errno} */
    public static int pidfdSendSignal(int pidfd, int signal) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) result((long) SYSCALL_4.invokeExact(c, SYS_PIDFD_SEND_SIGNAL, pidfd, signal,
                    MemorySegment.NULL, 0), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** waitpid; stores the raw status in {@code status[0]}. {@return the pid, 0 (WNOHANG, still running) or -errno} */
    public static int waitpid(int pid, int[] status, int options) {
        MemorySegment c = CAPTURE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            int r = result((int) WAITPID.invokeExact(c, pid, out, options), c);
            if (r > 0) {
                status[0] = out.get(ValueLayout.JAVA_INT, 0);
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Pointer size, for building argv arrays. */
    public static final AddressLayout POINTER = C_POINTER;

    // ---- pipes and readiness (io.jipc.pipe, io.jipc.poll) ----

    /** Writes up to this size are atomic on a pipe, and fit into one free pipe slot. */
    public static final int PIPE_BUF = jipc_bindings_h.PIPE_BUF();
    public static final int O_ACCMODE = jipc_bindings_h.O_ACCMODE();
    public static final int S_IFMT = jipc_bindings_h.S_IFMT();
    public static final int S_IFIFO = jipc_bindings_h.S_IFIFO();
    public static final int EBUSY = jipc_bindings_h.EBUSY();

    /** One {@code struct pollfd} per thread, for the single-descriptor waits of pipe ends. */
    private static final ThreadLocal<MemorySegment> ONE_POLLFD =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(pollfd.layout()));
    private static final long POLLFD_BYTES = pollfd.layout().byteSize();
    private static final long POLLFD_FD = pollfd.fd$offset();
    private static final long POLLFD_EVENTS = pollfd.events$offset();
    private static final long POLLFD_REVENTS = pollfd.revents$offset();

    /**
     * Polls one descriptor without allocating.
     * {@return its {@code revents} (not zero), 0 on time-out, or -errno}
     */
    public static int pollOne(int fd, int events, int timeoutMillis) {
        MemorySegment c = CAPTURE.get();
        MemorySegment p = ONE_POLLFD.get();
        p.set(ValueLayout.JAVA_INT, POLLFD_FD, fd);
        p.set(ValueLayout.JAVA_SHORT, POLLFD_EVENTS, (short) events);
        p.set(ValueLayout.JAVA_SHORT, POLLFD_REVENTS, (short) 0);
        try {
            int r = result((int) POLL.invokeExact(c, p, 1L, timeoutMillis), c);
            return r <= 0 ? r : p.get(ValueLayout.JAVA_SHORT, POLLFD_REVENTS) & 0xffff;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Nanoseconds to poll(2)'s milliseconds, rounded up so a wait is never short; 0 if none left. */
    public static int pollMillis(long nanos) {
        if (nanos <= 0) {
            return 0;
        }
        long ms = nanos / 1_000_000 + (nanos % 1_000_000 == 0 ? 0 : 1);
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }

    /** {@return a zeroed array of {@code count} {@code struct pollfd} in {@code arena}} */
    public static MemorySegment allocatePollfds(Arena arena, int count) {
        return pollfd.allocateArray(count, arena);
    }

    /** Fills entry {@code index} of a pollfd array and clears its {@code revents}. */
    public static void setPollfd(MemorySegment array, int index, int fd, int events) {
        long base = index * POLLFD_BYTES;
        array.set(ValueLayout.JAVA_INT, base + POLLFD_FD, fd);
        array.set(ValueLayout.JAVA_SHORT, base + POLLFD_EVENTS, (short) events);
        array.set(ValueLayout.JAVA_SHORT, base + POLLFD_REVENTS, (short) 0);
    }

    /** {@return the {@code revents} of entry {@code index}, as an unsigned value} */
    public static int revents(MemorySegment array, int index) {
        return array.get(ValueLayout.JAVA_SHORT, index * POLLFD_BYTES + POLLFD_REVENTS) & 0xffff;
    }

    /** poll(2) on the first {@code count} entries of a prepared array. {@return the number ready, 0 on time-out, or -errno} */
    public static int poll(MemorySegment array, int count, int timeoutMillis) {
        MemorySegment c = CAPTURE.get();
        try {
            return result((int) POLL.invokeExact(c, array, (long) count, timeoutMillis), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- absolute deadlines without allocation (message queues, semaphores) ----

    public static final int CLOCK_REALTIME = jipc_bindings_h.CLOCK_REALTIME();
    public static final int CLOCK_MONOTONIC = jipc_bindings_h.CLOCK_MONOTONIC();

    /** {@return a new {@code struct timespec}, for callers that keep one per thread} */
    public static MemorySegment allocateTimespec(Arena arena) {
        return arena.allocate(timespec.layout());
    }

    /**
     * Stores into {@code ts} the absolute time {@code nanosFromNow} (not negative) after now
     * on {@code clock}: the form mq_timedsend, mq_timedreceive (CLOCK_REALTIME) and
     * sem_clockwait want. Far-future deadlines stay valid timespecs; the kernel clamps them.
     *
     * @return {@code ts}
     */
    public static MemorySegment deadline(int clock, long nanosFromNow, MemorySegment ts) {
        try {
            int r = (int) CLOCK_GETTIME.invokeExact(clock, ts);
            if (r != 0) {
                throw new IllegalStateException("clock_gettime(" + clock + ") failed");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
        long sec = timespec.tv_sec(ts) + nanosFromNow / 1_000_000_000L;
        long nsec = timespec.tv_nsec(ts) + nanosFromNow % 1_000_000_000L;
        if (nsec >= 1_000_000_000L) {
            sec++;
            nsec -= 1_000_000_000L;
        }
        timespec.tv_sec(ts, sec);
        timespec.tv_nsec(ts, nsec);
        return ts;
    }
}
