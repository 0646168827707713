package io.jipc.process;

import io.jipc.IpcException;
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
    private final int pid;
    private final String command;
    private int pidfd;
    private ExitStatus status;

    ChildProcess(int pid, String command) throws IpcException {
        this.pid = pid;
        this.command = command;
        int fd = Procs.pidfdOpen(pid);
        if (fd < 0) {
            // Not expected for our own unreaped child; leave no zombie behind.
            Procs.kill(pid, Procs.SIGKILL);
            Procs.waitpid(pid, new int[1], 0);
            throw Errno.exception("pidfd_open", command, -fd);
        }
        this.pidfd = fd;
    }

    /** {@return the child's process id} */
    public int pid() {
        return pid;
    }

    /**
     * Blocks until the child ends and reaps it; returns at once if it already has.
     * Waits in slices so that an interrupt is noticed promptly.
     *
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
     * @return the exit status, reaped, or empty if the child is still running
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long deadline = System.nanoTime() + Clocks.toNanos(timeout);
        while (true) {
            synchronized (this) {
                if (status != null) {
                    return Optional.of(status);
                }
                if (tryReap()) {
                    return Optional.of(status);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            // A pidfd becomes readable when the process ends.
            int millis = (int) Math.min(200, Math.max(1, (left + 999_999) / 1_000_000));
            int fd;
            synchronized (this) {
                fd = pidfd;
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
    public synchronized boolean isAlive() {
        return status == null && !tryReap();
    }

    /**
     * Sends {@code signal} to the child. A child that has already ended is not signalled.
     *
     * @return {@code true} if the signal was sent, {@code false} if the child had ended
     * @throws IpcException if the kernel refused the signal
     */
    public synchronized boolean signal(int signal) throws IpcException {
        if (status != null || pidfd < 0) {
            return false;
        }
        int r = Procs.pidfdSendSignal(pidfd, signal);
        if (r == -Errno.ESRCH) {
            return false;
        }
        Errno.check(r, "pidfd_send_signal", command);
        return true;
    }

    /** Sends SIGKILL. {@return whether it was sent} */
    public boolean kill() throws IpcException {
        return signal(Procs.SIGKILL);
    }

    /** {@return the exit status if the child has ended (reaping it), else empty} */
    public synchronized Optional<ExitStatus> exitStatus() {
        if (status == null) {
            tryReap();
        }
        return Optional.ofNullable(status);
    }

    /** Kills the child if it still runs, reaps it and releases the pidfd. Idempotent. */
    @Override
    public synchronized void close() {
        if (status == null) {
            if (!tryReap()) {
                Procs.pidfdSendSignal(pidfd, Procs.SIGKILL);
                int[] st = new int[1];
                int r;
                do {
                    r = Procs.waitpid(pid, st, 0);
                } while (r == -Errno.EINTR);
                status = r == pid ? ExitStatus.fromWaitStatus(st[0]) : new ExitStatus(-1, Procs.SIGKILL);
            }
        }
        closePidfd();
    }

    /** Caller holds the monitor. */
    private boolean tryReap() {
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

    @Override
    public synchronized String toString() {
        return "ChildProcess[pid " + pid + ", " + command + (status == null ? ", running" : ", " + status) + "]";
    }
}
