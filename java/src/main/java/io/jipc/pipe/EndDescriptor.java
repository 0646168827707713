package io.jipc.pipe;

// Long because reading and writing share the descriptor's lifetime, the try/wait pair and
// the fallback for kernels without RWF_NOWAIT; the two transfer loops could each move to a
// class of their own, at the cost of handing all of that across.

import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.internal.Deadline;
import io.jipc.internal.DescriptorBlocker;
import io.jipc.internal.Lifetime;
import io.jipc.internal.Wait;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.Poll;
import io.jipc.posix.Sysctl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.InterruptibleChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The machinery behind one {@link Pipe.End}: the descriptor and its {@link Lifetime}, the
 * tries and waits of reads and writes, the {@code fcntl} calls and the checks of an adopted
 * descriptor. {@link Pipe} keeps the public API and its contracts; this class keeps how.
 *
 * <p>A blocked transfer does what the JDK's channels do for a virtual thread, on every thread:
 * try the call without sleeping, and only when it would block sleep in poll on the
 * descriptor and a wake-up pipe, then try again. On a platform thread, a read that has to
 * wait for the other side's write is three system calls, a read that finds bytes one:
 * <pre>
 * preadv2(fd, [buf, n], 1, -1, RWF_NOWAIT) = -1 EAGAIN
 * poll([{fd, POLLIN}, {wake, POLLIN}], 2, 100) = 1 ([{fd, revents=POLLIN}])
 * preadv2(fd, [buf, n], 1, -1, RWF_NOWAIT) = 8
 * </pre>
 * and a write with room is one {@code pwritev2(RWF_NOWAIT)}. (Before: {@code poll(0)} before
 * every write; {@code poll(0)}, the sleeping poll, {@code poll(0)} and {@code read} per
 * blocked read.) {@code RWF_NOWAIT} leaves the descriptor's {@code O_NONBLOCK} alone, which
 * children holding a copy share. On a kernel whose pipes refuse it ({@code EOPNOTSUPP}), a
 * blocking-mode try is {@code poll(0)} and the plain call, and a try right after a sleep
 * trusts the readiness that poll reported: still three calls per blocked read.
 */
final class EndDescriptor {
    /** Each wait is a poll system call: sleep in it at once rather than spin on syscalls. */
    private static final WaitStrategy WAIT = WaitStrategy.spinThenSleep(0, 0);
    /** What {@link #once} returns when the call would have blocked (no count or errno is this low). */
    private static final long AGAIN = Long.MIN_VALUE;
    /** Whether this kernel's pipes take {@code RWF_NOWAIT}; cleared by the first {@code EOPNOTSUPP}. */
    private static volatile boolean noWait = true;

    /**
     * Chooses between {@code RWF_NOWAIT} and the poll-then-call path of older kernels; the
     * tests run every pipe test both ways, since this kernel would otherwise hide one.
     */
    static void useNoWait(boolean on) {
        noWait = on;
    }

    final String name;
    final int fd;
    /** Operations using {@link #fd}; the last one out after a close closes it. */
    final Lifetime life;
    /** Sleeps in poll on {@link #fd} for this end's direction, beside a wake-up pipe. */
    private final DescriptorBlocker ready;
    /** One read (or write) at a time; also guards the scratch buffer and the iovec. */
    private final ReentrantLock ioLock = new ReentrantLock();
    private volatile boolean blocking;
    private Arena arena;
    private MemorySegment scratch;
    private MemorySegment iov;

    EndDescriptor(int fd, String role, boolean blocking, int events) {
        this.fd = fd;
        this.name = "pipe " + role + ", fd " + fd;
        this.blocking = blocking;
        this.life = new Lifetime(name, this::wake, this::releaseDescriptor);
        this.ready = new DescriptorBlocker(life, fd, events);
    }

    private void wake() {
        ready.wake();
    }

    boolean isBlocking() {
        return blocking;
    }

    // ---- the descriptor's lifetime ----

    /** Marks an operation as using the descriptor. {@return the descriptor} */
    int acquire() throws ClosedChannelException {
        if (!life.tryEnter()) {
            throw new ClosedChannelException();
        }
        return fd;
    }

    void release() {
        life.exit();
    }

    /** The lifetime's release: the end is closed and nobody uses the descriptor. */
    private void releaseDescriptor() {
        // close(2) on Linux releases the descriptor even when it reports EINTR: never retry.
        Fds.close(fd);
        ready.close();
        if (arena != null) {
            arena.close();
            arena = null;
            scratch = null;
            iov = null;
        }
    }

    void ensureOpen() throws ClosedChannelException {
        if (!life.isOpen()) {
            throw new ClosedChannelException();
        }
    }

    /** After an operation that moved nothing: was it cut short by a close? */
    private void checkNotClosedDuring() throws AsynchronousCloseException {
        if (!life.isOpen()) {
            throw new AsynchronousCloseException();
        }
    }

    /** The native buffer heap transfers go through. Caller holds {@link #ioLock} and the descriptor. */
    private MemorySegment scratch() {
        if (scratch == null) {
            scratch = arena().allocate(Pipe.SCRATCH_BYTES, 64);
        }
        return scratch;
    }

    /** The {@code struct iovec} of {@link #once}. Caller holds {@link #ioLock} and the descriptor. */
    private MemorySegment iov() {
        if (iov == null) {
            iov = arena().allocate(Fds.IOVEC_BYTES, 8);
        }
        return iov;
    }

    private Arena arena() {
        if (arena == null) {
            // Shared, because any thread may be the one whose release frees it.
            arena = Arena.ofShared();
        }
        return arena;
    }

    // ---- fcntl ----

    void configureBlocking(boolean block) throws IOException {
        int d = acquire();
        try {
            synchronized (this) {
                int flags = Errno.check(Fds.fcntl(d, Fds.F_GETFL, 0), "fcntl(F_GETFL)", name);
                int wanted = block ? flags & ~Fds.O_NONBLOCK : flags | Fds.O_NONBLOCK;
                if (wanted != flags) {
                    Errno.check(Fds.fcntl(d, Fds.F_SETFL, wanted), "fcntl(F_SETFL)", name);
                }
                blocking = block;
            }
        } finally {
            release();
        }
    }

    int capacity() throws IOException {
        int d = acquire();
        try {
            return Errno.check(Fds.fcntl(d, Fds.F_GETPIPE_SZ, 0), "fcntl(F_GETPIPE_SZ)", name);
        } finally {
            release();
        }
    }

    int capacity(int bytes) throws IOException {
        if (bytes <= 0) {
            throw new IllegalArgumentException("pipe capacity must be positive, not " + bytes);
        }
        int d = acquire();
        try {
            int r = Fds.fcntl(d, Fds.F_SETPIPE_SZ, bytes);
            if (r == -Errno.EPERM) {
                throw capacityRefused(bytes);
            }
            if (r == -Errno.EBUSY) {
                throw new IpcException("fcntl(F_SETPIPE_SZ)", name, Errno.EBUSY, "EBUSY",
                        "the pipe holds more than the " + bytes + " bytes asked for; drain it first",
                        IpcException.Reason.LIMIT_EXCEEDED);
            }
            return Errno.check(r, "fcntl(F_SETPIPE_SZ)", name);
        } finally {
            release();
        }
    }

    private IpcException capacityRefused(int bytes) {
        long max = Sysctl.read(Sysctl.PIPE_MAX_SIZE);
        String why = max >= 0 && bytes > max
                ? bytes + " bytes is more than " + Sysctl.PIPE_MAX_SIZE + " (" + max
                        + ") allows a process without CAP_SYS_RESOURCE"
                : "this user's pipes already use the pages " + Sysctl.PIPE_USER_PAGES_HARD + " ("
                        + Sysctl.read(Sysctl.PIPE_USER_PAGES_HARD) + ") allows a process without CAP_SYS_RESOURCE";
        return new IpcException("fcntl(F_SETPIPE_SZ)", name, Errno.EPERM, "EPERM",
                "Operation not permitted: " + why, IpcException.Reason.LIMIT_EXCEEDED);
    }

    /** Checks that an inherited descriptor is a pipe (or FIFO) end usable in one direction. {@return whether it blocks} */
    static boolean adoptable(int fd, boolean reading) throws IpcException {
        if (fd < 0) {
            throw new IllegalArgumentException("descriptor must not be negative: " + fd);
        }
        String object = "fd " + fd;
        int type = Fds.fstat(fd, "fstat", object).mode() & Fds.S_IFMT;
        if (type != Fds.S_IFIFO) {
            throw new IllegalArgumentException(object + " is not a pipe (file type 0"
                    + Integer.toOctalString(type) + ")");
        }
        int flags = Errno.check(Fds.fcntl(fd, Fds.F_GETFL, 0), "fcntl(F_GETFL)", object);
        int access = flags & Fds.O_ACCMODE;
        if (reading ? access == Fds.O_WRONLY : access == Fds.O_RDONLY) {
            throw new IllegalArgumentException(object + " is a pipe's " + (reading ? "write" : "read")
                    + " end, not its " + (reading ? "read" : "write") + " end");
        }
        int fdFlags = Errno.check(Fds.fcntl(fd, Fds.F_GETFD, 0), "fcntl(F_GETFD)", object);
        Errno.check(Fds.fcntl(fd, Fds.F_SETFD, fdFlags | Fds.FD_CLOEXEC), "fcntl(F_SETFD)", object);
        return (flags & Fds.O_NONBLOCK) == 0;
    }

    // ---- one try, and the wait between tries ----

    /**
     * Tries one read or write that never sleeps: see the class comment.
     * {@return what the call returned, or {@link #AGAIN} if it would have blocked}
     */
    private long once(int d, MemorySegment buf, long length, boolean writing, boolean mayBlock) throws IpcException {
        while (true) {
            long r;
            if (noWait) {
                r = writing ? Fds.writeNoWait(d, iov(), buf, length) : Fds.readNoWait(d, iov(), buf, length);
                if (r == -Errno.ENOTSUP) {
                    noWait = false;  // a kernel before pipes took RWF_NOWAIT: poll, then the plain call
                    continue;
                }
            } else if (!mayBlock || ready.sawReady() || readyNow(d, writing ? Poll.POLLOUT : Poll.POLLIN)) {
                // POLLOUT promises room for PIPE_BUF bytes: no more on a blocking descriptor, or write(2) could block.
                long n = writing && mayBlock ? Math.min(length, Pipe.ATOMIC_WRITE_BYTES) : length;
                r = writing ? Fds.write(d, buf, n) : Fds.read(d, buf, n);
            } else {
                return AGAIN;
            }
            if (r == -Errno.EINTR) {
                continue;
            }
            return r == -Errno.EAGAIN ? AGAIN : r;
        }
    }

    /**
     * After a try found the pipe empty (full): jipc's one wait loop, asleep in poll on the
     * descriptor beside a wake-up pipe, trying again each time it wakes. A close wakes it
     * ({@link AsynchronousCloseException}); an interrupt closes the end and ends it
     * ({@link ClosedByInterruptException}, the flag left set), as for any
     * {@link InterruptibleChannel}; a virtual thread parks meanwhile.
     * {@return what the successful try returned, or {@link #AGAIN} if the deadline passed first}
     */
    private long await(int d, MemorySegment buf, long length, boolean writing, boolean mayBlock, Deadline deadline)
            throws IOException {
        if (deadline.isNow()) {
            return AGAIN;
        }
        try {
            Long got = Wait.until(() -> {
                long n = once(d, buf, length, writing, mayBlock);
                return n == AGAIN ? null : n;
            }, ready, WAIT, deadline, life, Wait.Interrupts.CLOSE);
            return got == null ? AGAIN : got;
        } catch (InterruptedException e) {
            throw new AssertionError("a channel's wait throws ClosedByInterruptException instead", e);
        }
    }

    private boolean readyNow(int d, int events) throws IpcException {
        while (true) {
            int r = Poll.one(d, events, 0);
            if (r >= 0) {
                return r > 0;
            }
            if (r != -Errno.EINTR) {
                throw Errno.exception("poll", name, -r);
            }
        }
    }

    // ---- reading ----

    /** A read into {@code dst} from its start; {@code timeout} null for the end's mode. */
    long read(MemorySegment dst, Deadline timeout) throws IOException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only segment");
        }
        long length = dst.byteSize();
        if (length == 0) {
            ensureOpen();
            return 0;
        }
        ioLock.lock();
        try {
            int d = acquire();
            long n;
            try {
                if (dst.isNative()) {
                    n = readNative(d, dst, length, timeout);
                } else {
                    MemorySegment s = scratch();
                    n = readNative(d, s, Math.min(length, Pipe.SCRATCH_BYTES), timeout);
                    if (n > 0) {
                        MemorySegment.copy(s, 0, dst, 0, n);
                    }
                }
            } finally {
                release();
            }
            if (n <= 0) {
                checkNotClosedDuring();
            }
            return n;
        } finally {
            ioLock.unlock();
        }
    }

    /**
     * One successful read into native memory: a try, and a wait only if the pipe is empty
     * and the call is timed or this end blocks. {@return bytes, 0 (nothing now or in time), -1 (end)}
     */
    private long readNative(int d, MemorySegment dst, long length, Deadline timeout) throws IOException {
        boolean mayBlock = isBlocking();
        long r = once(d, dst, length, false, mayBlock);
        if (r == AGAIN && (mayBlock || timeout != null)) {
            r = await(d, dst, length, false, mayBlock, timeout == null ? Deadline.FOREVER : timeout);
        }
        if (r == AGAIN) {
            return 0;
        }
        if (r > 0) {
            return r;
        }
        if (r == 0) {
            return -1;
        }
        throw Errno.exception("read", name, (int) -r);
    }

    // ---- writing ----

    /** A write of all of {@code src} (as the mode and {@code timeout} allow); null for the end's mode. */
    long write(MemorySegment src, Deadline timeout) throws IOException {
        long length = src.byteSize();
        if (length == 0) {
            ensureOpen();
            return 0;
        }
        ioLock.lock();
        try {
            int d = acquire();
            long done = 0;
            try {
                if (src.isNative()) {
                    done = writeNative(d, src, length, timeout);
                } else {
                    MemorySegment s = scratch();
                    while (done < length) {
                        long chunk = Math.min(length - done, Pipe.SCRATCH_BYTES);
                        MemorySegment.copy(src, done, s, 0, chunk);
                        long n = writeNative(d, s, chunk, timeout);
                        done += n;
                        if (n < chunk) {
                            break;
                        }
                    }
                }
            } finally {
                release();
            }
            if (done == 0) {
                checkNotClosedDuring();
            }
            return done;
        } finally {
            ioLock.unlock();
        }
    }

    /**
     * {@return the bytes written from native memory: all of them unless non-blocking or
     * timed} A close midway reports what went, as a partial write does.
     */
    private long writeNative(int d, MemorySegment src, long length, Deadline timeout) throws IOException {
        long[] done = {0};
        try {
            return writeNative(d, src, length, timeout, done);
        } catch (AsynchronousCloseException e) {
            if (done[0] > 0 && !(e instanceof ClosedByInterruptException)) {
                return done[0];
            }
            throw e;
        }
    }

    private long writeNative(int d, MemorySegment src, long length, Deadline timeout, long[] progress)
            throws IOException {
        boolean mayBlock = isBlocking();
        // Wait for room if the call is timed, or if this end promised to block.
        boolean waits = mayBlock || timeout != null;
        Deadline deadline = timeout == null ? Deadline.FOREVER : timeout;
        long done = 0;
        while (done < length) {
            MemorySegment from = done == 0 ? src : src.asSlice(done);
            long chunk = length - done;
            // RWF_NOWAIT writes what fits now; writes of at most PIPE_BUF bytes stay whole.
            long r = once(d, from, chunk, true, mayBlock);
            if (r == AGAIN && waits) {
                r = await(d, from, chunk, true, mayBlock, deadline);
            }
            if (r == AGAIN) {
                return done;
            }
            if (r == -Errno.EPIPE) {
                throw new IpcException("write", name, Errno.EPIPE, "EPIPE",
                        "Broken pipe: every read end of the pipe is closed", IpcException.Reason.BROKEN_PIPE);
            }
            if (r < 0) {
                throw Errno.exception("write", name, (int) -r);
            }
            done += r;
            progress[0] = done;
            if (r < chunk && !waits) {
                return done;
            }
        }
        return done;
    }
}
