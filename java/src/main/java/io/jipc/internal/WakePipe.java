package io.jipc.internal;

import io.jipc.posix.Errno;
import io.jipc.posix.Fds;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A descriptor that a poll can sleep on beside the one it waits for, so that another
 * thread can cut the sleep short: {@link #signal()} makes it readable, and it stays readable
 * (level-triggered: every sleeper, present and future, returns) until {@link #drain()}.
 *
 * <p>A non-blocking close-on-exec pipe, made on the first sleep (an object that never
 * sleeps never pays two descriptors for it) and closed by the owner's release. A signal
 * that comes before the pipe exists is remembered and written when it is made.
 */
public final class WakePipe {
    private static final MemorySegment BYTE = Arena.global().allocate(1);
    private static final MemorySegment SINK = Arena.global().allocate(64);

    private int readFd = -1;
    private int writeFd = -1;
    private boolean signalled;
    private boolean closed;

    /**
     * {@return the descriptor to poll for POLLIN, made if need be; -1 once closed}
     *
     * @throws IllegalStateException if no pipe can be made (descriptors exhausted)
     */
    public synchronized int fd() {
        if (readFd < 0 && !closed) {
            int[] fds = new int[2];
            int r = Fds.pipe2(fds, Fds.O_CLOEXEC | Fds.O_NONBLOCK);
            if (r < 0) {
                throw new IllegalStateException(Errno.exception("pipe2", "a wake-up pipe", -r).getMessage());
            }
            readFd = fds[0];
            writeFd = fds[1];
            if (signalled) {
                Fds.write(writeFd, BYTE, 1);
            }
        }
        return readFd;
    }

    /** Makes every poll on {@link #fd()} return, now and until {@link #drain()}. Never blocks. */
    public synchronized void signal() {
        signalled = true;
        if (writeFd >= 0) {
            Fds.write(writeFd, BYTE, 1);  // EAGAIN on a full pipe is fine: it is readable
        }
    }

    /** Makes the descriptor quiet again (after a wake-up meant for one interrupted thread). */
    public synchronized void drain() {
        signalled = false;
        if (readFd >= 0) {
            while (Fds.read(readFd, SINK, SINK.byteSize()) > 0) {
                // empty it
            }
        }
    }

    /** Closes the pipe; for the owner's release, when no thread sleeps on it any more. */
    public synchronized void close() {
        closed = true;
        if (readFd >= 0) {
            Fds.close(readFd);
            Fds.close(writeFd);
            readFd = writeFd = -1;
        }
    }
}
