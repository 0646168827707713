package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.internal.Deadline;
import io.jipc.internal.Nap;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.FileLocks;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The lock that binders of one {@code unix:} path hold while they probe, replace and bind
 * its socket file (see {@link ListenerDoor}): an exclusive open-file-description lock on
 * {@code PATH.lock}, made {@code 0600} beside the socket and removed by its holder before it
 * lets go.
 *
 * <p>Why the removal is safe: whoever holds the lock removes the file, then closes its
 * descriptor. A binder that opened the old file meanwhile gets the lock on a file that no
 * longer has the name; it checks, after locking, that the path still refers to the file it
 * locked (device and inode of a fresh open), and starts over if not. Two binders can thus
 * never both hold "the" lock. An OFD lock belongs to the open description, so two threads of
 * one JVM exclude each other as two processes do, and a holder killed by SIGKILL lets go.
 */
final class BindLock implements AutoCloseable {
    private final String lockFile;
    private final int fd;

    private BindLock(String lockFile, int fd) {
        this.lockFile = lockFile;
        this.fd = fd;
    }

    /**
     * Waits for the lock of {@code socketFile}, at most {@code limit} (a holder only probes and
     * binds; one that dies lets go at once).
     *
     * @throws IpcException if the lock file cannot be made, or another binder held it too long
     */
    static BindLock acquire(Path socketFile, String who, Duration limit) throws IpcException {
        String path = socketFile + ".lock";
        Deadline deadline = Deadline.after(limit);
        while (true) {
            int fd = Errno.check(FileLocks.open(path, Fds.O_RDWR | Fds.O_CREAT | Fds.O_CLOEXEC | FileLocks.O_NOFOLLOW,
                    0600), "open", path);
            boolean ok = false;
            try {
                Integer r = Nap.until(() -> {
                    int x = FileLocks.tryLockExclusive(fd);
                    return x == -Errno.EAGAIN ? null : x;
                }, deadline);
                if (r == null) {
                    throw new IpcException("bind", who, 0, null, "another binder held " + path + " for longer "
                            + "than " + limit.toMillis() + " ms", IpcException.Reason.OTHER);
                }
                Errno.check(r, "fcntl(F_OFD_SETLK)", path);
                if (stillNamed(fd, path)) {
                    ok = true;
                    return new BindLock(path, fd);
                }
                // The holder before us removed the file we locked: lock the one under the name now.
            } finally {
                if (!ok) {
                    Fds.close(fd);
                }
            }
        }
    }

    private static boolean stillNamed(int fd, String path) throws IpcException {
        int now = FileLocks.open(path, Fds.O_RDONLY | Fds.O_CLOEXEC | FileLocks.O_NOFOLLOW, 0);
        if (now < 0) {
            return false;
        }
        try {
            return FileLocks.identity(fd, path).equals(FileLocks.identity(now, path));
        } finally {
            Fds.close(now);
        }
    }

    /** Removes the lock file, then lets go (in that order: see the class comment). */
    @Override
    public void close() {
        try {
            java.nio.file.Files.deleteIfExists(Path.of(lockFile));
        } catch (java.io.IOException e) {
            // Left behind: the next binder locks and removes it.
        } finally {
            Fds.close(fd);
        }
    }
}
