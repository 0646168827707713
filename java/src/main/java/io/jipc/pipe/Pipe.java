package io.jipc.pipe;

// Long because both ends, their modes, interrupts and the adoption of inherited descriptors
// share the End base class here; each end could move to a file of its own.

import io.jipc.posix.Poll;

import io.jipc.IpcException;
import io.jipc.Pollable;
import io.jipc.WaitStrategy;
import io.jipc.internal.Deadline;
import io.jipc.internal.DescriptorBlocker;
import io.jipc.internal.Lifetime;
import io.jipc.internal.Wait;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.InterruptibleChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private static final Path PIPE_MAX_SIZE = Path.of("/proc/sys/fs/pipe-max-size");
    private static final Path PIPE_USER_PAGES_HARD = Path.of("/proc/sys/fs/pipe-user-pages-hard");

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
     * @return the new pipe, both ends open; the caller closes them
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
    public abstract static sealed class End implements InterruptibleChannel, Pollable permits ReadEnd, WriteEnd {
        /** Each wait is a poll system call: sleep in it at once rather than spin on syscalls. */
        private static final WaitStrategy WAIT = WaitStrategy.spinThenSleep(0, 0);

        final String name;
        private final int fd;
        /** Operations using {@link #fd}; the last one out after a close closes it. */
        private final Lifetime life;
        /** Sleeps in poll on {@link #fd} for this end's direction, beside a wake-up pipe. */
        private final DescriptorBlocker ready;
        /** One read (or write) at a time; also guards the scratch buffer. */
        final ReentrantLock ioLock = new ReentrantLock();
        private volatile boolean blocking;
        private Arena scratchArena;
        private MemorySegment scratch;

        End(int fd, String role, boolean blocking, int events) {
            this.fd = fd;
            this.name = "pipe " + role + ", fd " + fd;
            this.blocking = blocking;
            this.life = new Lifetime(name, this::wake, this::releaseDescriptor);
            this.ready = new DescriptorBlocker(life, fd, events);
        }

        private void wake() {
            ready.wake();
        }

        /**
         * {@return the descriptor, for {@link io.jipc.process.Spawn#mapDescriptor(int, int)}}
         * It stays owned by this end: closing the end closes it.
         *
         * @throws IllegalStateException if this end is closed
         */
        @Override
        public final int fd() {
            if (!life.isOpen()) {
                throw new IllegalStateException(name + " is closed");
            }
            return fd;
        }

        @Override
        public final boolean isOpen() {
            return life.isOpen();
        }

        /**
         * Closes this end in this process. Idempotent; never blocks, never fails. Copies held
         * by children are not affected. A thread blocked on this end wakes with
         * {@link AsynchronousCloseException}; the descriptor is released when the last
         * operation on it has returned (see <a href="package-summary.html#closing">Closing</a>).
         */
        @Override
        public final void close() {
            life.close();
        }

        /**
         * Switches between <a href="package-summary.html#blocking">blocking</a> and
         * <a href="package-summary.html#non-blocking">non-blocking</a> mode by setting or
         * clearing {@code O_NONBLOCK}, which every process holding a copy of this end shares.
         * Operations already in progress keep the mode they started with.
         *
         * @param block {@code true} for blocking mode, {@code false} for non-blocking
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
         * @param bytes the capacity asked for, in bytes; positive
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
            long max = readLimit(PIPE_MAX_SIZE);
            String why = max >= 0 && bytes > max
                    ? bytes + " bytes is more than " + PIPE_MAX_SIZE + " (" + max
                            + ") allows a process without CAP_SYS_RESOURCE"
                    : "this user's pipes already use the pages " + PIPE_USER_PAGES_HARD + " ("
                            + readLimit(PIPE_USER_PAGES_HARD) + ") allows a process without CAP_SYS_RESOURCE";
            return new IpcException("fcntl(F_SETPIPE_SZ)", name, Errno.EPERM, "EPERM",
                    "Operation not permitted: " + why, IpcException.Reason.LIMIT_EXCEEDED);
        }

        private static long readLimit(Path file) {
            // One read from offset 0: sysctl files answer a read at any other offset with
            // end of file, so Files.readString (which probes with a 1-byte read) sees "1".
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[32];
                int n = in.read(buf);
                return Long.parseLong(new String(buf, 0, Math.max(n, 0), StandardCharsets.US_ASCII).trim());
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
        }

        @Override
        public String toString() {
            String kind = getClass().getSimpleName();
            return life.isOpen() ? kind + "[fd " + fd + (blocking ? ", blocking" : ", non-blocking") + "]"
                    : kind + "[closed]";
        }

        // ---- the descriptor's lifetime ----

        /** Marks an operation as using the descriptor. {@return the descriptor} */
        final int acquire() throws ClosedChannelException {
            if (!life.tryEnter()) {
                throw new ClosedChannelException();
            }
            return fd;
        }

        final void release() {
            life.exit();
        }

        /** The lifetime's release: the end is closed and nobody uses the descriptor. */
        private void releaseDescriptor() {
            // close(2) on Linux releases the descriptor even when it reports EINTR: never retry.
            Fds.close(fd);
            ready.close();
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
         * Waits until the descriptor is ready for this end's direction, through jipc's one wait
         * loop: asleep in poll beside a wake-up pipe, so a close wakes it
         * ({@link AsynchronousCloseException}) and an interrupt closes the end and ends it
         * ({@link ClosedByInterruptException}, the flag left set), as for any
         * {@link InterruptibleChannel}; a virtual thread parks meanwhile.
         * {@return false if the deadline passed first}
         */
        final boolean awaitReady(int d, int events, Deadline deadline) throws IOException {
            if (ready(d, events)) {
                return true;
            }
            if (deadline.isNow()) {
                return false;
            }
            try {
                return Wait.until(() -> ready(d, events) ? Boolean.TRUE : null, ready, WAIT, deadline, life,
                        Wait.Interrupts.CLOSE) != null;
            } catch (InterruptedException e) {
                throw new AssertionError("a channel's wait throws ClosedByInterruptException instead", e);
            }
        }

        private boolean ready(int d, int events) throws IpcException {
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
            super(fd, "read end", blocking, Poll.POLLIN);
        }

        /**
         * Takes over an inherited descriptor that is the read end of a pipe or FIFO, such as
         * one a parent mapped with {@code Spawn.mapDescriptor}. This end becomes its owner and
         * marks it close-on-exec; its mode is whatever {@code O_NONBLOCK} says now. Adopt a
         * descriptor once: two owners would close it twice.
         *
         * @param fd the inherited descriptor, which the returned end owns from then on
         * @return the read end that owns {@code fd}
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
            return readBuffer(dst, null);
        }

        /**
         * Reads into {@code dst}, waiting at most {@code timeout} for a byte
         * (<a href="package-summary.html#timed">timed</a>), in either mode.
         *
         * @param dst where the bytes go, from its position up to its limit; its position advances
         *     by the count read
         * @param timeout the longest wait; zero or negative tries once without waiting; not null
         * @return the number of bytes read, 0 if none arrived in time, or -1 at end of stream
         * @throws IllegalArgumentException    if {@code dst} is read-only
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the read waited
         * @throws IpcException                if {@code poll(2)} or {@code read(2)} fails
         */
        public int read(ByteBuffer dst, Duration timeout) throws IOException {
            return readBuffer(dst, Deadline.after(timeout));
        }

        /**
         * Reads into {@code dst}, from its start, as the end's mode says; see
         * {@link #read(ByteBuffer)}. A native segment is read into directly.
         *
         * @param dst where the bytes go, from its start; at most {@code dst.byteSize()} bytes are
         *     read
         * @return the number of bytes read, 0, or -1 at end of stream
         * @throws IllegalArgumentException    if {@code dst} is read-only
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the read waited
         * @throws IpcException                if {@code read(2)} fails otherwise
         */
        public long read(MemorySegment dst) throws IOException {
            return readSegment(dst, null);
        }

        /**
         * Reads into {@code dst}, from its start, waiting at most {@code timeout}; see
         * {@link #read(ByteBuffer, Duration)}.
         *
         * @param dst where the bytes go, from its start; at most {@code dst.byteSize()} bytes are
         *     read
         * @param timeout the longest wait; zero or negative tries once without waiting; not null
         * @return the number of bytes read, 0 if none arrived in time, or -1 at end of stream
         * @throws IllegalArgumentException    if {@code dst} is read-only
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the read waited
         * @throws IpcException                if {@code poll(2)} or {@code read(2)} fails
         */
        public long read(MemorySegment dst, Duration timeout) throws IOException {
            return readSegment(dst, Deadline.after(timeout));
        }

        private int readBuffer(ByteBuffer dst, Deadline timeout) throws IOException {
            if (dst.isReadOnly()) {
                throw new IllegalArgumentException("cannot read into a read-only buffer");
            }
            int n = (int) readSegment(MemorySegment.ofBuffer(dst), timeout);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }

        private long readSegment(MemorySegment dst, Deadline timeout) throws IOException {
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
                        n = readNative(d, s, Math.min(length, SCRATCH_BYTES), timeout);
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
         * One successful read(2) into native memory; {@code timeout} null for an untimed read.
         * A blocking descriptor is read only once poll says it is readable, so the wait
         * happens in jipc's wait loop (wakeable by close and interrupt, parking a virtual
         * thread) and never inside read(2). {@return bytes, 0 (nothing now or in time), -1 (end)}
         */
        private long readNative(int d, MemorySegment dst, long length, Deadline timeout) throws IOException {
            boolean mayBlock = isBlocking();
            Deadline deadline = timeout == null ? Deadline.FOREVER : timeout;
            if (mayBlock && !awaitReady(d, Poll.POLLIN, deadline)) {
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
                // Non-blocking now (this end's mode, or another holder's O_NONBLOCK): wait
                // if the call is timed, or if this end promised to block.
                if (!(mayBlock || timeout != null) || !awaitReady(d, Poll.POLLIN, deadline)) {
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
            super(fd, "write end", blocking, Poll.POLLOUT);
        }

        /**
         * Takes over an inherited descriptor that is the write end of a pipe or FIFO; see
         * {@link ReadEnd#adopt(int)}.
         *
         * @param fd the inherited descriptor, which the returned end owns from then on
         * @return the write end that owns {@code fd}
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
            return writeBuffer(src, null);
        }

        /**
         * Writes the bytes of {@code src}, waiting at most {@code timeout} for room
         * (<a href="package-summary.html#timed">timed</a>), in either mode.
         *
         * @param src the bytes to write, from its position up to its limit; its position advances
         *     by the count written
         * @param timeout the longest wait; zero or negative tries once without waiting; not null
         * @return the number of bytes written before the time was up, perhaps 0
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the write waited
         * @throws IpcException                with {@code BROKEN_PIPE} if every read end is closed, or
         *                                     if {@code poll(2)} or {@code write(2)} fails
         */
        public int write(ByteBuffer src, Duration timeout) throws IOException {
            return writeBuffer(src, Deadline.after(timeout));
        }

        /**
         * Writes all of {@code src} as the end's mode says; see {@link #write(ByteBuffer)}. A
         * native segment is written from directly.
         *
         * @param src the bytes to write, all of the segment
         * @return the number of bytes written: {@code src.byteSize()} in blocking mode
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the write waited
         * @throws IpcException                with {@code BROKEN_PIPE} if every read end is closed, or
         *                                     if {@code write(2)} fails otherwise
         */
        public long write(MemorySegment src) throws IOException {
            return writeSegment(src, null);
        }

        /**
         * Writes {@code src}, waiting at most {@code timeout} for room; see
         * {@link #write(ByteBuffer, Duration)}.
         *
         * @param src the bytes to write, all of the segment
         * @param timeout the longest wait; zero or negative tries once without waiting; not null
         * @return the number of bytes written from the start of {@code src} before the time was up
         * @throws ClosedChannelException      if this end is closed
         * @throws AsynchronousCloseException  if another thread closed this end while the write waited
         * @throws IpcException                with {@code BROKEN_PIPE} if every read end is closed, or
         *                                     if {@code poll(2)} or {@code write(2)} fails
         */
        public long write(MemorySegment src, Duration timeout) throws IOException {
            return writeSegment(src, Deadline.after(timeout));
        }

        private int writeBuffer(ByteBuffer src, Deadline timeout) throws IOException {
            int n = (int) writeSegment(MemorySegment.ofBuffer(src), timeout);
            src.position(src.position() + n);
            return n;
        }

        private long writeSegment(MemorySegment src, Deadline timeout) throws IOException {
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
                            long chunk = Math.min(length - done, SCRATCH_BYTES);
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
         * timed} {@code timeout} null for an untimed write. On a blocking descriptor each
         * write(2) follows a POLLOUT and is at most {@link #ATOMIC_WRITE_BYTES} long, which
         * POLLOUT promises room for, so it never blocks in the kernel: the waits happen in
         * jipc's wait loop, which close and interrupt can end.
         */
        private long writeNative(int d, MemorySegment src, long length, Deadline timeout) throws IOException {
            long[] done = {0};
            try {
                return writeNative(d, src, length, timeout, done);
            } catch (AsynchronousCloseException e) {
                if (done[0] > 0 && !(e instanceof ClosedByInterruptException)) {
                    return done[0];  // closed midway: report what went, as a partial write does
                }
                throw e;
            }
        }

        private long writeNative(int d, MemorySegment src, long length, Deadline timeout, long[] progress)
                throws IOException {
            boolean mayBlock = isBlocking();
            Deadline deadline = timeout == null ? Deadline.FOREVER : timeout;
            long done = 0;
            while (done < length) {
                long chunk = length - done;
                if (mayBlock) {
                    if (!awaitReady(d, Poll.POLLOUT, deadline)) {
                        return done;
                    }
                    chunk = Math.min(chunk, ATOMIC_WRITE_BYTES);
                }
                long r = Fds.write(d, done == 0 ? src : src.asSlice(done), chunk);
                if (r >= 0) {
                    done += r;
                    progress[0] = done;
                    if (r < chunk && !mayBlock && timeout == null) {
                        return done;
                    }
                    continue;
                }
                if (r == -Errno.EINTR) {
                    continue;
                }
                if (r == -Errno.EPIPE) {
                    throw new IpcException("write", name, Errno.EPIPE, "EPIPE",
                            "Broken pipe: every read end of the pipe is closed", IpcException.Reason.BROKEN_PIPE);
                }
                if (r != -Errno.EAGAIN) {
                    throw Errno.exception("write", name, (int) -r);
                }
                if (!(mayBlock || timeout != null) || !awaitReady(d, Poll.POLLOUT, deadline)) {
                    return done;
                }
            }
            return done;
        }
    }
}
