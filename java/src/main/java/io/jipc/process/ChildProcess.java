package io.jipc.process;

import io.jipc.IpcException;
import io.jipc.internal.Reclaim;
import io.jipc.posix.Clocks;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.Poll;
import io.jipc.posix.Procs;

import java.time.Duration;
import java.util.Optional;

/**
 * A child process started by {@link Spawn}, owned by this object until it is reaped.
 *
 * <p>The child is tracked through a pidfd, so signals never reach a recycled pid.
 * {@link #close()} makes sure no zombie and no orphan is left: a child still running is
 * killed with {@code SIGKILL}, then reaped. All methods are thread-safe.
 */
public final class ChildProcess implements AutoCloseable {
    private final String command;
    /** The kernel side, apart from this object so that the reclaim action can hold it. */
    private final Tracked tracked;
    private final Reclaim.Handle reclaim;

    ChildProcess(int pid, String command) throws IpcException {
        this.command = command;
        int fd = Procs.pidfdOpen(pid);
        if (fd < 0) {
            // Not expected for our own unreaped child; leave no zombie behind.
            Procs.kill(pid, Procs.SIGKILL);
            Procs.waitpid(pid, new int[1], 0);
            throw Errno.exception("pidfd_open", command, -fd);
        }
        this.tracked = new Tracked(pid, fd);
        // Never closed, it must still end with this JVM and be reaped, not left as an orphan or a zombie.
        this.reclaim = Reclaim.whenUnreachableOrAtExit(this, tracked::killAndReap);
    }

    /** {@return the child's process id} */
    public int pid() {
        return tracked.pid;
    }

    /**
     * Blocks until the child ends and reaps it; returns at once if it already has.
     * Waits in slices so that an interrupt is noticed promptly.
     *
     * @return how the child ended; the child is reaped
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    public ExitStatus waitFor() throws InterruptedException {
        while (true) {
            Optional<ExitStatus> s = waitFor(Duration.ofMillis(200));
            if (s.isPresent()) {
                return s.get();
            }
        }
    }

    /**
     * Waits at most {@code timeout} for the child to end.
     *
     * @param timeout the longest wait; zero or negative checks once without waiting; not null
     * @return the exit status, reaped, or empty if the child is still running
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long deadline = System.nanoTime() + Clocks.toNanos(timeout);
        while (true) {
            synchronized (tracked) {
                if (tracked.status != null || tracked.tryReap()) {
                    return Optional.of(tracked.status);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            // A pidfd becomes readable when the process ends.
            int millis = (int) Math.min(200, Math.max(1, (left + 999_999) / 1_000_000));
            int fd;
            synchronized (tracked) {
                fd = tracked.pidfd;
            }
            if (fd >= 0) {
                Poll.one(fd, Poll.POLLIN, millis);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /** {@return whether the child is still running (it is reaped if it has ended)} */
    public boolean isAlive() {
        synchronized (tracked) {
            return tracked.status == null && !tracked.tryReap();
        }
    }

    /**
     * Sends {@code signal} to the child. A child that has already ended is not signalled.
     *
     * @param signal the signal number, such as 15 for SIGTERM
     * @return {@code true} if the signal was sent, {@code false} if the child had ended
     * @throws IpcException if the kernel refused the signal
     */
    public boolean signal(int signal) throws IpcException {
        synchronized (tracked) {
            if (tracked.status != null || tracked.pidfd < 0) {
                return false;
            }
            int r = Procs.pidfdSendSignal(tracked.pidfd, signal);
            if (r == -Errno.ESRCH) {
                return false;
            }
            Errno.check(r, "pidfd_send_signal", command);
            return true;
        }
    }

    /**
     * {@return whether it was sent} Sends SIGKILL; a child that has already ended is not signalled.
     *
     * @throws IpcException if the kernel refused the signal
     */
    public boolean kill() throws IpcException {
        return signal(Procs.SIGKILL);
    }

    /** {@return the exit status if the child has ended (reaping it), else empty} */
    public Optional<ExitStatus> exitStatus() {
        synchronized (tracked) {
            if (tracked.status == null) {
                tracked.tryReap();
            }
            return Optional.ofNullable(tracked.status);
        }
    }

    /**
     * Kills the child if it still runs, reaps it and releases the pidfd. Idempotent. A
     * ChildProcess never closed is closed the same way once it is unreachable, or when this
     * JVM exits cleanly ({@code System.exit}, SIGTERM): a child started here never outlives
     * a JVM that ends normally, and never stays a zombie.
     */
    @Override
    public void close() {
        reclaim.run();
        tracked.killAndReap();  // also after the reclaim ran at exit or from the cleaner: idempotent
    }

    /** What the kernel knows: pid, pidfd, status once reaped. Guarded by its own monitor. */
    private static final class Tracked {
        private final int pid;
        private int pidfd;
        private ExitStatus status;

        Tracked(int pid, int pidfd) {
            this.pid = pid;
            this.pidfd = pidfd;
        }

        synchronized void killAndReap() {
            if (status == null && !tryReap()) {
                Procs.pidfdSendSignal(pidfd, Procs.SIGKILL);
                int[] st = new int[1];
                int r;
                do {
                    r = Procs.waitpid(pid, st, 0);
                } while (r == -Errno.EINTR);
                status = r == pid ? ExitStatus.fromWaitStatus(st[0]) : new ExitStatus(-1, Procs.SIGKILL);
            }
            closePidfd();
        }

        /** Caller holds the monitor. */
        boolean tryReap() {
            int[] st = new int[1];
            int r = Procs.waitpid(pid, st, Procs.WNOHANG);
            if (r == pid) {
                status = ExitStatus.fromWaitStatus(st[0]);
                closePidfd();
                return true;
            }
            if (r == -Errno.ECHILD) {
                // Reaped behind our back (someone else called wait): report what we can.
                status = new ExitStatus(-1, 0);
                closePidfd();
                return true;
            }
            return false;
        }

        private void closePidfd() {
            if (pidfd >= 0) {
                Fds.close(pidfd);
                pidfd = -1;
            }
        }
    }

    @Override
    public String toString() {
        synchronized (tracked) {
            return "ChildProcess[pid " + tracked.pid + ", " + command
                    + (tracked.status == null ? ", running" : ", " + tracked.status) + "]";
        }
    }
}
