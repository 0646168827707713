package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.HostilePeer;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, finding 1, for rings: a peer that shrinks the named object under a ring makes
 * the ring throw, not the JVM die. The victim is a child JVM, so a SIGBUS fails the test
 * instead of killing it; the shrinking peer is this JVM, through a descriptor of its own.
 */
class RingShrinkTest {
    private static final int CAPACITY = 4096;
    private final String name = Leaks.uniqueName("ring-shrink");

    @AfterEach
    void removeName() throws IpcException {
        SharedMemory.unlink(name);
    }

    @Test
    @Timeout(120)
    void aReaderAsleepWhenTheObjectShrinksIsToldNotKilled() throws Exception {
        SharedMemory.create(name, RingDescriptor.regionLength(CAPACITY)).close();
        int[] out = new int[2];
        Errno.check(Fds.pipe2(out, Fds.O_CLOEXEC), "pipe2", null);
        StringBuilder text = new StringBuilder();
        try (ChildProcess victim = Spawn.java(RingShrinkChildren.class, name, Integer.toString(CAPACITY))
                .mapDescriptor(1, out[1]).start();
             Arena arena = Arena.ofConfined()) {
            Fds.close(out[1]);
            out[1] = -1;
            MemorySegment buf = arena.allocate(4096);
            while (!text.toString().contains("WAITING")) {
                if (!readSome(out[0], buf, text)) {
                    break;
                }
            }
            assertTrue(text.toString().contains("WAITING"), "victim never got ready: " + text);
            HostilePeer.stopInFutexWait(victim, text.toString());
            HostilePeer.truncate(name, 0);
            assertTrue(victim.signal(HostilePeer.SIGCONT));
            while (readSome(out[0], buf, text)) {
                // until the victim exits
            }
            ExitStatus status = victim.waitFor();
            assertEquals(0, status.code(), "the victim died (" + status + "): " + text);
        } finally {
            for (int fd : out) {
                if (fd >= 0) {
                    Fds.close(fd);
                }
            }
        }
        assertTrue(text.toString().contains("REFUSED IpcException"), text.toString());
        assertTrue(text.toString().contains("shrunk"), text.toString());
    }

    @Test
    void attachingToAShrunkObjectIsRefused() throws Exception {
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(CAPACITY) + 4096)) {
            SpscRing.create(shm.segment(), CAPACITY);
            HostilePeer.truncate(name, 4096);  // the header page stays, the data area goes
            // Before anything touches the data area: the object no longer covers the mapping.
            java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                    () -> SpscRing.attach(shm.segment()));
            assertTrue(e.getCause().getMessage().contains("shrunk"), e.getCause().getMessage());
        }
    }

    private static boolean readSome(int fd, MemorySegment buf, StringBuilder text) {
        while (true) {
            long n = Fds.read(fd, buf, buf.byteSize());
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n <= 0) {
                return false;
            }
            text.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            return true;
        }
    }
}
