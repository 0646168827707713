package io.jipc.testing;

import io.jipc.IpcException;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.Mman;
import io.jipc.process.ChildProcess;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the shrink tests do to a victim process: catch it asleep in FUTEX_WAIT, and cut the
 * shared-memory object under it as a hostile peer of the same user can.
 */
public final class HostilePeer {
    public static final int SIGSTOP = 19;
    public static final int SIGCONT = 18;
    private static final int SYS_FUTEX = 202;

    private HostilePeer() {
    }

    /**
     * Stops the victim while its waiting thread is inside FUTEX_WAIT on the word it printed,
     * so a shrink lands where the library promises to notice it (on waking) and not in the
     * documented race between a check and the next access. Stops and continues until it
     * finds it there; the victim is left stopped (send {@link #SIGCONT}).
     *
     * @param printed the victim's output, with {@code WAITING <tid> <word address>} in it
     */
    public static void stopInFutexWait(ChildProcess victim, String printed) throws Exception {
        String[] f = printed.substring(printed.indexOf("WAITING")).trim().split("\\s+");
        Path task = Path.of("/proc", Integer.toString(victim.pid()), "task", f[1]);
        String inFutexOnWord = SYS_FUTEX + " " + f[2] + " 0x0 ";
        for (int i = 0; i < 2000; i++) {
            assertTrue(victim.signal(SIGSTOP));
            while (stateOf(task) != 'T') {
                Thread.sleep(1);
            }
            if (Files.readString(task.resolve("syscall")).startsWith(inFutexOnWord)) {
                return;
            }
            assertTrue(victim.signal(SIGCONT));
            Thread.sleep(3);
        }
        throw new AssertionError("the waiter was never seen in FUTEX_WAIT on " + f[2]);
    }

    private static char stateOf(Path task) throws Exception {
        String stat = Files.readString(task.resolve("stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    /** Opens the shared-memory object {@code name} and ftruncates it to {@code size} bytes. */
    public static void truncate(String name, long size) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            int fd = Errno.check(Mman.shmOpen(a.allocateFrom(name), Fds.O_RDWR | Fds.O_CLOEXEC, 0), "shm_open", name);
            try {
                Errno.check(Fds.ftruncate(fd, size), "ftruncate", name);
            } finally {
                Fds.close(fd);
            }
        }
    }
}
