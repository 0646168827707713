package io.jipc.process;

import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.Procs;
import io.jipc.testing.Leaks;
import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A ChildProcess nobody closed still ends with its owner: when unreachable, and at a clean JVM exit. */
@ExtendWith(NoLeaks.class)
class ReclaimTest {

    @Test
    @Timeout(60)
    void anUnclosedChildIsKilledAndReapedOnceUnreachable() throws Exception {
        int pid = startAndForget();
        assertTrue(Leaks.children().contains(pid));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (Leaks.children().contains(pid) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertFalse(Leaks.children().contains(pid), "the unreachable child " + pid + " was never killed and reaped");
    }

    private static int startAndForget() throws Exception {
        return Spawn.command("/bin/sleep", "60").start().pid();
    }

    /**
     * A child JVM starts a sleep it never closes, then ends cleanly (System.exit, SIGTERM,
     * or main returning): the sleep must end with it, not be left running as an orphan.
     */
    @ParameterizedTest
    @ValueSource(strings = {"exit", "term", "return"})
    @Timeout(120)
    void aCleanJvmExitEndsTheChildrenItNeverClosed(String how) throws Exception {
        int[] out = new int[2];
        Errno.check(Fds.pipe2(out, Fds.O_CLOEXEC), "pipe2", null);
        ProcessIdentity orphan = null;
        try (ChildProcess jvm = Spawn.java(SpawnChildren.class, "orphan", how.equals("term") ? "wait" : how)
                .mapDescriptor(1, out[1]).start()) {
            Fds.close(out[1]);
            out[1] = -1;
            String line = readLine(out[0]);
            int pid = Integer.parseInt(line.trim());
            orphan = ProcessIdentity.of(pid).orElse(null);
            if (how.equals("term")) {
                assertTrue(jvm.signal(Procs.SIGTERM));
            }
            ExitStatus status = jvm.waitFor();
            assertTrue(how.equals("term") ? status.code() == 128 + Procs.SIGTERM || status.signaled() : status.success(),
                    status.toString());
            assertTrue(orphan == null || !orphan.isAlive(), "the JVM exited (" + how + ") and left pid " + pid + " running");
        } finally {
            Fds.close(out[0]);
            if (out[1] >= 0) {
                Fds.close(out[1]);
            }
            if (orphan != null && orphan.isAlive()) {
                Procs.kill(orphan.pid(), Procs.SIGKILL);  // what the fix is for: do not leave it to run a minute
            }
        }
    }

    /** Reads up to the first newline, one byte at a time: the writer keeps the pipe open. */
    private static String readLine(int fd) {
        StringBuilder sb = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(1);
            while (true) {
                long n = Fds.read(fd, b, 1);
                if (n == -Errno.EINTR) {
                    continue;
                }
                if (n <= 0) {
                    break;
                }
                char c = (char) b.get(ValueLayout.JAVA_BYTE, 0);
                if (c == '\n') {
                    break;
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    @Test
    void closeStillWorksAndIsIdempotentWithTheReclaimRegistered() throws Exception {
        ChildProcess c = Spawn.command("/bin/sleep", "60").start();
        c.close();
        c.close();
        Optional<ExitStatus> s = c.exitStatus();
        assertEquals(Procs.SIGKILL, s.orElseThrow().signal());
    }
}
