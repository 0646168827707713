package io.jipc.pipe;

import io.jipc.IpcException;
import io.jipc.Pollable;
import io.jipc.posix.Clocks;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.Poll;
import io.jipc.posix.Sysctl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An anonymous pipe: a {@link ReadEnd} and a {@link WriteEnd} over one kernel buffer.
 *
 * <p>The modes of operation, end of stream, visibility and closing rules are defined once,
 * in the {@linkplain io.jipc.pipe package documentation}. Closing this object closes
 * whichever ends are still open in this process; each end can also be closed on its own,
 * which is what a process does with the end it has handed to a child.
 */
public final class Pipe implements AutoCloseable {
    /**
     * Writes of at most this many bytes ({@code PIPE_BUF}) are atomic: never interleaved
     * with bytes of other writers, and in non-blocking mode all or nothing.
     */
    public static final int ATOMIC_WRITE_BYTES = Fds.PIPE_BUF;

    /** The native buffer heap transfers go through: the default pipe size, one call drains it. */
    static final int SCRATCH_BYTES = 64 * 1024;


    private final ReadEnd readEnd;
    private final WriteEnd writeEnd;

    private Pipe(ReadEnd readEnd, WriteEnd writeEnd) {
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
    }

    /**
     * Makes a new pipe ({@code pipe2} with {@code O_CLOEXEC}); both ends are in
     * <a href="package-summary.html#blocking">blocking mode</a>.
     *
     * @throws IpcException with {@code LIMIT_EXCEEDED} if this process or the system is out of descriptors
     */
    public static Pipe open() throws IpcException {
        int[] fds = new int[2];
        Errno.check(Fds.pipe2(fds, Fds.O_CLOEXEC), "pipe2", null);
        return new Pipe(new ReadEnd(fds[0], true), new WriteEnd(fds[1], true));
    }

    /** {@return the read end (open or not)} */
    public ReadEnd readEnd() {
        return readEnd;
    }

    /** {@return the write end (open or not)} */
    public WriteEnd writeEnd() {
        return writeEnd;
    }

    /** Closes both ends, if they are still open. Idempotent. */
    @Override
    public void close() {
        readEnd.close();
        writeEnd.close();
    }

    @Override
    public String toString() {
        return "Pipe[" + readEnd + ", " + writeEnd + "]";
    }

    /**
     * What both ends have: a descriptor, a blocking mode, the pipe's capacity and the
     * closing rules of the {@linkplain io.jipc.pipe package documentation}.
     */
    public abstract static sealed class End implements Channel, Pollable permits ReadEnd, WriteEnd {
        final String name;
        /** Guards {@link #fd}, {@link #open}, {@link #users}; never held across a system call. */
        private final Object state = new Object();
        private int fd;
        private boolean open = true;
        /** Operations inside a system call on {@link #fd}: its release waits for them. */
        private int users;
        /** One read (or write) at a time; also guards the scratch buffer. */
        final ReentrantLock ioLock = new ReentrantLock();
        private volatile boolean blocking;
        private Arena scratchArena;
        private MemorySegment scratch;

        End(int fd, String role, boolean blocking) {
            this.fd = fd;
            this.name = "pipe " + role + ", fd " + fd;
            this.blocking = blocking;
        }

        /**
         * {@return the descriptor, for {@link io.jipc.process.Spawn#mapDescriptor(int, int)}}
         * It stays owned by this end: closing the end closes it.
         *
         * @throws IllegalStateException if this end is closed
         */
        @Override
        public final int fd() {
            synchronized (state) {
                if (!open) {
                    throw new IllegalStateException(name + " is closed");
                }
                return fd;
            }
        }

        @Override
        public final boolean isOpen() {
            synchronized (state) {
                return open;
            }
        }

        /**
         * Closes this end in this process. Idempotent; never fails. Copies held by children
         * are not affected. If another thread is blocked on this end, the descriptor is
         * released when that operation returns (see
         * <a href="package-summary.html#closing">Closing</a>).
         */
        @Override
        public final void close() {
            synchronized (state) {
                if (!open) {
                    return;
                }
                open = false;
                if (users == 0) {
                    releaseLocked();
                }
            }
        }

        /**
         * Switches between <a href="package-summary.html#blocking">blocking</a> and
         * <a href="package-summary.html#non-blocking">non-blocking</a> mode by setting or
         * clearing {@code O_NONBLOCK}, which every process holding a copy of this end shares.
         * Operations already in progress keep the mode they started with.
         *
         * @throws ClosedChannelException if this end is closed
         * @throws IpcException           if {@code fcntl} fails
         */
        public final void configureBlocking(boolean block) throws IOException {
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

        /** {@return whether this end is in blocking mode (as this end last set it)} */
        public final boolean isBlocking() {
            return blocking;
        }

        /**
         * {@return how many bytes the pipe can hold ({@code F_GETPIPE_SZ})}
         *
         * @throws ClosedChannelException if this end is closed
         */
        public final int capacity() throws IOException {
            int d = acquire();
            try {
                return Errno.check(Fds.fcntl(d, Fds.F_GETPIPE_SZ, 0), "fcntl(F_GETPIPE_SZ)", name);
            } finally {
                release();
            }
        }

        /**
         * Asks the kernel to make the pipe hold {@code bytes} ({@code F_SETPIPE_SZ}). The
         * kernel rounds up to a power of two pages, at least one page.
         *
         * @return the capacity the pipe now has, at least {@code bytes}
         * @throws IllegalArgumentException if {@code bytes} is not positive
         * @throws ClosedChannelException   if this end is closed
         * @throws IpcException             with {@code LIMIT_EXCEEDED} if an unprivileged process asks for
         *                                  more than {@code /proc/sys/fs/pipe-max-size} or its user's pipes
         *                                  are over {@code /proc/sys/fs/pipe-user-pages-hard}; or if the pipe
         *                                  holds more bytes than the new size ({@code EBUSY})
         */
        public final int capacity(int bytes) throws IOException {
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
                    throw Errno.exception("fcntl(F_SETPIPE_SZ)", name, Errno.EBUSY,
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
            return Errno.exception("fcntl(F_SETPIPE_SZ)", name, Errno.EPERM, why, IpcException.Reason.LIMIT_EXCEEDED);
        }

        @Override
        public String toString() {
            String kind = getClass().getSimpleName();
            synchronized (state) {
                return open ? kind + "[fd " + fd + (blocking ? ", blocking" : ", non-blocking") + "]"
                        : kind + "[closed]";
            }
        }

        // ---- the descriptor's lifetime ----

        /** Marks an operation as using the descriptor. {@return the descriptor} */
        final int acquire() throws ClosedChannelException {
            synchronized (state) {
                if (!open) {
                    throw new ClosedChannelException();
                }
                users++;
                return fd;
            }
        }

        final void release() {
            synchronized (state) {
                if (--users == 0 && !open) {
                    releaseLocked();
                }
            }
        }

        /** Caller holds {@link #state}, the end is closed and nobody uses the descriptor. */
        private void releaseLocked() {
            // close(2) on Linux releases the descriptor even when it reports EINTR: never retry.
            Fds.close(fd);
            fd = -1;
            if (scratchArena != null) {
                scratchArena.close();
                scratchArena = null;
                scratch = null;
            }
        }

        final void ensureOpen() throws ClosedChannelException {
            if (!isOpen()) {
                throw new ClosedChannelException();
            }
        }

        /** After an operation that moved nothing: was it cut short by a close? */
        final void checkNotClosedDuring() throws AsynchronousCloseException {
            if (!isOpen()) {
                throw new AsynchronousCloseException();
            }
        }

        /** The native buffer heap transfers go through. Caller holds {@link #ioLock} and the descriptor. */
        final MemorySegment scratch() {
            if (scratch == null) {
                // Shared, because any thread may be the one whose release frees it.
                scratchArena = Arena.ofShared();
                scratch = scratchArena.allocate(SCRATCH_BYTES, 64);
            }
            return scratch;
        }

        // ---- waiting ----

        /**
         * Waits for {@code events} until {@code budget} nanoseconds after {@code start}.
         * {@return the revents, or 0 when the time is up}
         */
        final int await(int d, int events, long start, long budget) throws IpcException {
            while (true) {
                long left = budget - (System.nanoTime() - start);
                int r = Poll.one(d, events, Poll.millis(left));
                if (r > 0) {
                    return r;
                }
                if (r == 0 && budget - (System.nanoTime() - start) <= 0) {
                    return 0;
                }
                if (r < 0 && r != -Errno.EINTR) {
                    throw Errno.exception("poll", name, -r);
                }
            }
        }

        /** Waits without limit; for a descriptor that is non-blocking behind this end's back. */
        final void awaitForever(int d, int events) throws IpcException {
            int r;
            do {
                r = Poll.one(d, events, -1);
            } while (r == -Errno.EINTR);
            if (r < 0) {
                throw Errno.exception("poll", name, -r);
            }
        }

        /** Checks that an inherited descriptor is a pipe (or FIFO) end usable in one direction. */
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
    }

    /**
     * The end bytes come out of. A {@link ReadableByteChannel}, so
     * {@link java.nio.channels.Channels#newInputStream} works on it (in blocking mode).
     */
    public static final class ReadEnd extends End implements ReadableByteChannel {
        ReadEnd(int fd, boolean blocking) {
            super(fd, "read end", blocking);
        }

        /**
         * Takes over an inherited descriptor that is the read end of a pipe or FIFO, such as
         * one a parent mapped with {@code Spawn.mapDescriptor}. This end becomes its owner and
         * marks it close-on-exec; its mode is whatever {@code O_NONBLOCK} says now. Adopt a
         * descriptor once: two owners would close it twice.
         *
         * @throws IllegalArgumentException if {@code fd} is negative, not a pipe, or open for writing only
         * @throws IpcException             if {@code fd} is not open ({@code EBADF})
         */
        public static ReadEnd adopt(int fd) throws IpcException {
            return new ReadEnd(fd, adoptable(fd, true));
        }

        /**
         * Reads into {@code dst} from its position, as the end's mode says:
         * <a href="package-summary.html#blocking">blocking</a> (waits for at least one byte) or
         * <a href="package-summary.html#non-blocking">non-blocking</a> (returns 0 if the pipe is
         * empty). The position advances by the count; the limit is unchanged.
         *
         * @return the number of bytes read, 0, or -1 at <a href="package-summary.html#eof">end of stream</a>
         * @throws IllegalArgumentException    if {@code dst} is read-only
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the read waited
         * @throws IpcException                if {@code read(2)} fails otherwise
         */
        @Override
        public int read(ByteBuffer dst) throws IOException {
            return readBuffer(dst, false, 0);
        }

        /**
         * Reads into {@code dst}, waiting at most {@code timeout} for a byte
         * (<a href="package-summary.html#timed">timed</a>), in either mode.
         *
         * @return the number of bytes read, 0 if none arrived in time, or -1 at end of stream
         * @throws IllegalArgumentException    if {@code dst} is read-only
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the read waited
         * @throws IpcException                if {@code poll(2)} or {@code read(2)} fails
         */
        public int read(ByteBuffer dst, Duration timeout) throws IOException {
            return readBuffer(dst, true, Clocks.toNanos(Objects.requireNonNull(timeout, "timeout")));
        }

        /**
         * Reads into {@code dst}, from its start, as the end's mode says; see
         * {@link #read(ByteBuffer)}. A native segment is read into directly.
         *
         * @return the number of bytes read, 0, or -1 at end of stream
         * @throws IllegalArgumentException    if {@code dst} is read-only
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the read waited
         * @throws IpcException                if {@code read(2)} fails otherwise
         */
        public long read(MemorySegment dst) throws IOException {
            return readSegment(dst, false, 0);
        }

        /**
         * Reads into {@code dst}, from its start, waiting at most {@code timeout}; see
         * {@link #read(ByteBuffer, Duration)}.
         *
         * @return the number of bytes read, 0 if none arrived in time, or -1 at end of stream
         * @throws IllegalArgumentException    if {@code dst} is read-only
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the read waited
         * @throws IpcException                if {@code poll(2)} or {@code read(2)} fails
         */
        public long read(MemorySegment dst, Duration timeout) throws IOException {
            return readSegment(dst, true, Clocks.toNanos(Objects.requireNonNull(timeout, "timeout")));
        }

        private int readBuffer(ByteBuffer dst, boolean timed, long budget) throws IOException {
            if (dst.isReadOnly()) {
                throw new IllegalArgumentException("cannot read into a read-only buffer");
            }
            int n = (int) readSegment(MemorySegment.ofBuffer(dst), timed, budget);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }

        private long readSegment(MemorySegment dst, boolean timed, long budget) throws IOException {
            if (dst.isReadOnly()) {
                throw new IllegalArgumentException("cannot read into a read-only segment");
            }
            long start = timed ? System.nanoTime() : 0;
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
                        n = readNative(d, dst, length, timed, start, budget);
                    } else {
                        MemorySegment s = scratch();
                        n = readNative(d, s, Math.min(length, SCRATCH_BYTES), timed, start, budget);
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

        /** One successful read(2) into native memory. {@return bytes, 0 (nothing now or in time), -1 (end)} */
        private long readNative(int d, MemorySegment dst, long length, boolean timed, long start, long budget)
                throws IpcException {
            boolean mayBlock = isBlocking();
            // A blocking descriptor must not be read before poll says so, or the time limit is lost.
            if (timed && mayBlock && await(d, Poll.POLLIN, start, budget) == 0) {
                return 0;
            }
            while (true) {
                long r = Fds.read(d, dst, length);
                if (r > 0) {
                    return r;
                }
                if (r == 0) {
                    return -1;
                }
                if (r == -Errno.EINTR) {
                    continue;
                }
                if (r != -Errno.EAGAIN) {
                    throw Errno.exception("read", name, (int) -r);
                }
                if (timed) {
                    if (await(d, Poll.POLLIN, start, budget) == 0) {
                        return 0;
                    }
                } else if (mayBlock) {
                    // Another holder of the description set O_NONBLOCK: keep the blocking promise.
                    awaitForever(d, Poll.POLLIN);
                } else {
                    return 0;
                }
            }
        }
    }

    /**
     * The end bytes go into. A {@link WritableByteChannel}, so
     * {@link java.nio.channels.Channels#newOutputStream} works on it (in blocking mode).
     */
    public static final class WriteEnd extends End implements WritableByteChannel {
        WriteEnd(int fd, boolean blocking) {
            super(fd, "write end", blocking);
        }

        /**
         * Takes over an inherited descriptor that is the write end of a pipe or FIFO; see
         * {@link ReadEnd#adopt(int)}.
         *
         * @throws IllegalArgumentException if {@code fd} is negative, not a pipe, or open for reading only
         * @throws IpcException             if {@code fd} is not open ({@code EBADF})
         */
        public static WriteEnd adopt(int fd) throws IpcException {
            return new WriteEnd(fd, adoptable(fd, false));
        }

        /**
         * Writes the bytes of {@code src} from its position, as the end's mode says:
         * <a href="package-summary.html#blocking">blocking</a> (returns when every remaining byte
         * is written) or <a href="package-summary.html#non-blocking">non-blocking</a> (writes
         * what fits now, perhaps nothing). The position advances by the count.
         *
         * @return the number of bytes written: {@code src.remaining()} in blocking mode
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the write waited
         * @throws IpcException                with {@code BROKEN_PIPE} ({@code EPIPE}) if every read end
         *                                     is closed, or if {@code write(2)} fails otherwise
         */
        @Override
        public int write(ByteBuffer src) throws IOException {
            return writeBuffer(src, false, 0);
        }

        /**
         * Writes the bytes of {@code src}, waiting at most {@code timeout} for room
         * (<a href="package-summary.html#timed">timed</a>), in either mode.
         *
         * @return the number of bytes written before the time was up, perhaps 0
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the write waited
         * @throws IpcException                with {@code BROKEN_PIPE} if every read end is closed, or
         *                                     if {@code poll(2)} or {@code write(2)} fails
         */
        public int write(ByteBuffer src, Duration timeout) throws IOException {
            return writeBuffer(src, true, Clocks.toNanos(Objects.requireNonNull(timeout, "timeout")));
        }

        /**
         * Writes all of {@code src} as the end's mode says; see {@link #write(ByteBuffer)}. A
         * native segment is written from directly.
         *
         * @return the number of bytes written: {@code src.byteSize()} in blocking mode
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the write waited
         * @throws IpcException                with {@code BROKEN_PIPE} if every read end is closed, or
         *                                     if {@code write(2)} fails otherwise
         */
        public long write(MemorySegment src) throws IOException {
            return writeSegment(src, false, 0);
        }

        /**
         * Writes {@code src}, waiting at most {@code timeout} for room; see
         * {@link #write(ByteBuffer, Duration)}.
         *
         * @return the number of bytes written from the start of {@code src} before the time was up
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the write waited
         * @throws IpcException                with {@code BROKEN_PIPE} if every read end is closed, or
         *                                     if {@code poll(2)} or {@code write(2)} fails
         */
        public long write(MemorySegment src, Duration timeout) throws IOException {
            return writeSegment(src, true, Clocks.toNanos(Objects.requireNonNull(timeout, "timeout")));
        }

        private int writeBuffer(ByteBuffer src, boolean timed, long budget) throws IOException {
            int n = (int) writeSegment(MemorySegment.ofBuffer(src), timed, budget);
            src.position(src.position() + n);
            return n;
        }

        private long writeSegment(MemorySegment src, boolean timed, long budget) throws IOException {
            long start = timed ? System.nanoTime() : 0;
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
                        done = writeNative(d, src, length, timed, start, budget);
                    } else {
                        MemorySegment s = scratch();
                        while (done < length) {
                            long chunk = Math.min(length - done, SCRATCH_BYTES);
                            MemorySegment.copy(src, done, s, 0, chunk);
                            long n = writeNative(d, s, chunk, timed, start, budget);
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

        /** {@return the bytes written from native memory: all of them unless non-blocking or timed} */
        private long writeNative(int d, MemorySegment src, long length, boolean timed, long start, long budget)
                throws IpcException {
            boolean mayBlock = isBlocking();
            long done = 0;
            while (done < length) {
                long chunk = length - done;
                if (timed && mayBlock) {
                    // POLLOUT promises one free page: PIPE_BUF bytes fit without blocking.
                    if (await(d, Poll.POLLOUT, start, budget) == 0) {
                        return done;
                    }
                    chunk = Math.min(chunk, ATOMIC_WRITE_BYTES);
                }
                long r = Fds.write(d, done == 0 ? src : src.asSlice(done), chunk);
                if (r >= 0) {
                    done += r;
                    if (r < chunk && !mayBlock && !timed) {
                        return done;
                    }
                    continue;
                }
                if (r == -Errno.EINTR) {
                    continue;
                }
                if (r == -Errno.EPIPE) {
                    throw Errno.exception("write", name, Errno.EPIPE, "every read end of the pipe is closed",
                            IpcException.Reason.BROKEN_PIPE);
                }
                if (r != -Errno.EAGAIN) {
                    throw Errno.exception("write", name, (int) -r);
                }
                if (timed) {
                    if (await(d, Poll.POLLOUT, start, budget) == 0) {
                        return done;
                    }
                } else if (mayBlock) {
                    awaitForever(d, Poll.POLLOUT);
                } else {
                    return done;
                }
            }
            return done;
        }
    }
}
