package io.jipc.pipe;

import io.jipc.IpcException;
import io.jipc.Pollable;
import io.jipc.internal.Deadline;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.Poll;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.InterruptibleChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;

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
        /** The descriptor, its lifetime and the transfers' tries and waits. */
        final EndDescriptor io;

        End(int fd, String role, boolean blocking, int events) {
            this.io = new EndDescriptor(fd, role, blocking, events);
        }

        /**
         * {@return the descriptor, for {@link io.jipc.process.Spawn#mapDescriptor(int, int)}}
         * It stays owned by this end: closing the end closes it.
         *
         * @throws IllegalStateException if this end is closed
         */
        @Override
        public final int fd() {
            if (!io.life.isOpen()) {
                throw new IllegalStateException(io.name + " is closed");
            }
            return io.fd;
        }

        @Override
        public final boolean isOpen() {
            return io.life.isOpen();
        }

        /**
         * Closes this end in this process. Idempotent; never blocks, never fails. Copies held
         * by children are not affected. A thread blocked on this end wakes with
         * {@link AsynchronousCloseException}; the descriptor is released when the last
         * operation on it has returned (see <a href="package-summary.html#closing">Closing</a>).
         */
        @Override
        public final void close() {
            io.life.close();
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
            io.configureBlocking(block);
        }

        /** {@return whether this end is in blocking mode (as this end last set it)} */
        public final boolean isBlocking() {
            return io.isBlocking();
        }

        /**
         * {@return how many bytes the pipe can hold ({@code F_GETPIPE_SZ})}
         *
         * @throws ClosedChannelException if this end is closed
         */
        public final int capacity() throws IOException {
            return io.capacity();
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
            return io.capacity(bytes);
        }

        @Override
        public String toString() {
            String kind = getClass().getSimpleName();
            return io.life.isOpen() ? kind + "[fd " + io.fd + (io.isBlocking() ? ", blocking" : ", non-blocking") + "]"
                    : kind + "[closed]";
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
            return new ReadEnd(fd, EndDescriptor.adoptable(fd, true));
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
            return io.read(dst, null);
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
            return io.read(dst, Deadline.after(timeout));
        }

        private int readBuffer(ByteBuffer dst, Deadline timeout) throws IOException {
            if (dst.isReadOnly()) {
                throw new IllegalArgumentException("cannot read into a read-only buffer");
            }
            int n = (int) io.read(MemorySegment.ofBuffer(dst), timeout);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
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
            return new WriteEnd(fd, EndDescriptor.adoptable(fd, false));
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
            return io.write(src, null);
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
            return io.write(src, Deadline.after(timeout));
        }

        private int writeBuffer(ByteBuffer src, Deadline timeout) throws IOException {
            int n = (int) io.write(MemorySegment.ofBuffer(src), timeout);
            src.position(src.position() + n);
            return n;
        }
    }
}
