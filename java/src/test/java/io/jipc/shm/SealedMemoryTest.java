package io.jipc.shm;

import io.jipc.IpcException;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.UnixSockets;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.ring.RingDescriptor;
import io.jipc.ring.SpscRing;
import io.jipc.testing.Leaks;
import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sealed anonymous memory: nobody can pull it away, it travels by descriptor, and it leaves nothing behind. */
class SealedMemoryTest {
    /** Registered, not named in @ExtendWith: on the module path JUnit cannot instantiate it (io.jipc.testing is not opened). */
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();


    /** The attack of ShrinkTest, against sealed memory: a peer holding the descriptor cannot shrink it. */
    @Test
    @Timeout(60)
    void aPeerWithTheDescriptorCannotShrinkOrGrowIt() throws Exception {
        try (SharedMemory shm = SharedMemory.anonymous(8192)) {
            assertEquals(-Errno.EPERM, Fds.ftruncate(shm.descriptor(), 0));
            try (ChildProcess peer = Spawn.command("/bin/sh", "-c",
                    "exec truncate -s 0 /proc/self/fd/3")
                    .mapDescriptor(3, shm.descriptor()).start()) {
                assertTrue(peer.waitFor().code() != 0, "a peer shrank sealed memory");
            }
            shm.checkSize();
            shm.segment().set(ValueLayout.JAVA_LONG, 8184, 7L);
            assertEquals(7L, shm.segment().get(ValueLayout.JAVA_LONG, 8184));
        }
    }

    /**
     * An unrelated process gets the memory over a Unix socket (SCM_RIGHTS) and a ring in it
     * carries every message, in order, from that process to this one.
     */
    @Test
    @Timeout(120)
    void aRingInSealedMemorySentOverAUnixSocketWorksBetweenTwoProcesses() throws Exception {
        int[] pair = new int[2];
        Errno.check(UnixSockets.socketpair(UnixSockets.SOCK_STREAM, pair), "socketpair", null);
        int capacity = 4096;
        try (SharedMemory shm = SharedMemory.anonymous(RingDescriptor.regionLength(capacity))) {
            SpscRing ring = SpscRing.create(shm.segment(), capacity);
            try (ChildProcess producer = Spawn.java(SealedChildren.class, "producer")
                    .mapDescriptor(3, pair[1]).start()) {
                Fds.close(pair[1]);
                pair[1] = -1;
                shm.sendTo(pair[0]);
                int[] next = {0};
                while (next[0] < SealedChildren.MESSAGES) {
                    ring.read((type, message) -> {
                        assertEquals(next[0], message.get(ValueLayout.JAVA_INT, 0));
                        next[0]++;
                    }, 64);
                }
                assertTrue(producer.waitFor().success());
            }
        } finally {
            Fds.close(pair[0]);
            if (pair[1] >= 0) {
                Fds.close(pair[1]);
            }
        }
    }

    /** A child that got the memory through Spawn's descriptor map is killed -9: /dev/shm is as before. */
    @Test
    @Timeout(120)
    void aChildGetsItThroughSpawnAndAKillLeavesNothingBehind() throws Exception {
        Set<String> before = Leaks.shmNames();
        try (SharedMemory shm = SharedMemory.anonymous(4096)) {
            try (ChildProcess holder = Spawn.java(SealedChildren.class, "hold").mapDescriptor(3, shm.descriptor()).start()) {
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (shm.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != 42L) {
                    assertTrue(System.nanoTime() < deadline && holder.isAlive(), "the child never wrote");
                    Thread.sleep(10);
                }
                holder.kill();
                holder.waitFor();
            }
            assertEquals(42L, shm.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        }
        assertEquals(0, openMemoryFiles(), "this JVM still holds a jipc memory file");
        // A sealed memory file has no name in /dev/shm, so nothing may appear there. Names of
        // other test classes (jipc-test-…) are not compared: their children and cleaners may
        // still be removing theirs while this runs, which CI once caught.
        Set<String> added = new TreeSet<>(Leaks.shmNames());
        added.removeAll(before);
        added.removeIf(n -> n.startsWith("jipc-test-"));
        assertEquals(Set.of(), added, "new names in /dev/shm");
    }

    /** {@return how many descriptors of this JVM are jipc's memory files (memfd "jipc")} */
    private static long openMemoryFiles() throws IOException {
        long n = 0;
        for (String fd : Leaks.descriptors()) {
            try {
                if (Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString().startsWith("/memfd:jipc ")) {
                    n++;
                }
            } catch (IOException gone) {
                // the listing's own descriptor
            }
        }
        return n;
    }

    @Test
    void memoryThatIsNotSealedIsRefused() throws Exception {
        int[] pipe = new int[2];
        Errno.check(Fds.pipe2(pipe, Fds.O_CLOEXEC), "pipe2", null);
        try {
            IpcException e = assertThrows(IpcException.class, () -> SharedMemory.fromDescriptor(pipe[0]));
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());
        } finally {
            Fds.close(pipe[0]);
            Fds.close(pipe[1]);
        }
        try (SharedMemory named = SharedMemory.anonymous(4096)) {
            assertThrows(IllegalArgumentException.class, () -> SharedMemory.anonymous(0));
            assertEquals("(sealed anonymous)", named.name());
        }
    }
}
