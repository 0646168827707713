package io.jipc.shm;

import io.jipc.IpcException;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import io.jipc.testing.HostilePeer;
import io.jipc.testing.Leaks;
import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 1 of issue 12: any process that can open a named object for writing can
 * shrink it, and touching the mapping past the new end is SIGBUS. The victim runs in a
 * child JVM, so a crash fails the test instead of killing it; the shrinking peer is this
 * JVM, through a descriptor of its own and without a mapping.
 */
class ShrinkTest {
    /** Registered, not named in @ExtendWith: on the module path JUnit cannot instantiate it (io.jipc.testing is not opened). */
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private final String name = Leaks.uniqueName("shrink");

    @AfterEach
    void removeName() throws IpcException {
        SharedMemory.unlink(name);
    }

    @Test
    @Timeout(120)
    void aWaiterOfAMutexWhoseObjectWasShrunkIsToldNotKilled() throws Exception {
        SharedMemory.create(name, 4096).close();
        String out = runVictim("waiter", "WAITING", null, HostilePeer::stopInFutexWait);
        assertTrue(out.contains("REFUSED IpcException"), out);
        assertTrue(out.contains("shrunk"), out);
    }

    @Test
    @Timeout(120)
    void checkSizeReportsAShrinkAsIpcException() throws Exception {
        SharedMemory.create(name, 8192).close();
        String out = runVictim("check", "OPEN", "go\n", null);
        assertTrue(out.contains("OPEN 8192"), out);
        assertTrue(out.contains("REFUSED IpcException"), out);
        assertTrue(out.contains("8192") && out.contains(" 0 bytes"), out);
    }

    /** Starts the victim, shrinks the object to 0 once it prints {@code ready}, returns all it printed. */
    private String runVictim(String scenario, String ready, String then, Pause pause) throws Exception {
        int[] out = new int[2];
        int[] in = new int[2];
        Errno.check(Fds.pipe2(out, Fds.O_CLOEXEC), "pipe2", null);
        Errno.check(Fds.pipe2(in, Fds.O_CLOEXEC), "pipe2", null);
        StringBuilder text = new StringBuilder();
        try (ChildProcess victim = Spawn.java(ShrinkChildren.class, scenario, name)
                .mapDescriptor(0, in[0]).mapDescriptor(1, out[1]).start();
             Arena arena = Arena.ofConfined()) {
            Fds.close(out[1]);
            Fds.close(in[0]);
            out[1] = in[0] = -1;
            MemorySegment buf = arena.allocate(4096);
            while (!text.toString().contains(ready)) {
                long n = Fds.read(out[0], buf, buf.byteSize());
                if (n <= 0 && n != -Errno.EINTR) {
                    break;
                }
                if (n > 0) {
                    text.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
                }
            }
            assertTrue(text.toString().contains(ready), "victim never got ready: " + text);
            if (pause != null) {
                pause.stop(victim, text.toString());
            }
            HostilePeer.truncate(name, 0);
            if (pause != null) {
                assertTrue(victim.signal(HostilePeer.SIGCONT));
            }
            if (then != null) {
                MemorySegment msg = arena.allocateFrom(then);
                Fds.write(in[1], msg, then.length());
            }
            while (true) {
                long n = Fds.read(out[0], buf, buf.byteSize());
                if (n == -Errno.EINTR) {
                    continue;
                }
                if (n <= 0) {
                    break;
                }
                text.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            }
            ExitStatus status = victim.waitFor();
            assertEquals(0, status.code(), "the victim died (" + status + "): " + text);
        } finally {
            for (int fd : new int[] {out[0], out[1], in[0], in[1]}) {
                if (fd >= 0) {
                    Fds.close(fd);
                }
            }
        }
        return text.toString();
    }

    /** Stops the victim at a moment of the test's choosing; it is continued after the shrink. */
    private interface Pause {
        void stop(ChildProcess victim, String printed) throws Exception;
    }
}
