package io.jipc.posix;

import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeaks.class)
class UnixSocketsTest {
    @Test
    void aPassedPipeEndWritesIntoTheSamePipe() {
        int[] s = pair();
        int[] p = new int[2];
        assertEquals(0, Fds.pipe2(p, Fds.O_CLOEXEC));
        int[] got = new int[2];
        try {
            assertEquals(0, UnixSockets.sendFd(s[0], p[1]));
            assertEquals(1, UnixSockets.recvFds(s[1], got));
            assertNotEquals(p[1], got[0], "a new descriptor for the same pipe");
            assertEquals(Fds.FD_CLOEXEC, Fds.fcntl(got[0], Fds.F_GETFD, 0) & Fds.FD_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment b = arena.allocateFrom("x");
                assertEquals(1, Fds.write(got[0], b, 1));
                MemorySegment in = arena.allocate(1);
                assertEquals(1, Fds.read(p[0], in, 1));
                assertEquals('x', in.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            }
        } finally {
            Fds.close(got[0]);
            closeAll(p);
            closeAll(s);
        }
    }

    @Test
    void moreDescriptorsThanAskedForAreRefusedAndNoneLeaks() {
        int[] s = pair();
        int[] p = new int[2];
        assertEquals(0, Fds.pipe2(p, Fds.O_CLOEXEC));
        try {
            assertEquals(0, UnixSockets.sendFds(s[0], new int[] {p[0], p[1], p[0]}));
            assertEquals(-Errno.EMSGSIZE, UnixSockets.recvFds(s[1], new int[1]));
            // NoLeaks checks that the one descriptor which did arrive was closed.
        } finally {
            closeAll(p);
            closeAll(s);
        }
    }

    @Test
    void aClosedPeerIsEndOfStreamOrEpipeNeverASignal() {
        int[] s = pair();
        try {
            assertEquals(0, Fds.close(s[0]));
            assertEquals(UnixSockets.END_OF_STREAM, UnixSockets.recvFds(s[1], new int[1]));
            assertEquals(-Errno.EPIPE, UnixSockets.sendFd(s[1], s[1]));
        } finally {
            Fds.close(s[1]);
        }
    }

    @Test
    void aBoundSocketAcceptsAndCarriesDescriptors(@TempDir Path dir) {
        String path = dir.resolve("s").toString();
        int listener = UnixSockets.socket(UnixSockets.SOCK_STREAM);
        int client = UnixSockets.socket(UnixSockets.SOCK_STREAM);
        assertTrue(listener >= 0 && client >= 0, listener + " " + client);
        int server = -1;
        int[] got = {-1};
        try {
            assertEquals(0, UnixSockets.bind(listener, path));
            assertEquals(0, UnixSockets.listen(listener, 4));
            assertEquals(0, UnixSockets.connect(client, path));
            server = UnixSockets.accept(listener);
            assertTrue(server >= 0, "accept: " + server);
            assertEquals(Fds.FD_CLOEXEC, Fds.fcntl(server, Fds.F_GETFD, 0) & Fds.FD_CLOEXEC);
            assertEquals(0, UnixSockets.sendFd(server, listener));
            assertEquals(1, UnixSockets.recvFds(client, got));
            assertTrue(got[0] >= 0);
        } finally {
            Fds.close(got[0]);
            Fds.close(server);
            Fds.close(listener);
            Fds.close(client);
        }
    }

    @Test
    void badPathsAreRefusedBeforeTheKernel() {
        int fd = UnixSockets.socket(UnixSockets.SOCK_STREAM);
        try {
            assertEquals(-Errno.ENAMETOOLONG, UnixSockets.bind(fd, "/tmp/" + "x".repeat(UnixSockets.MAX_PATH_BYTES)));
            assertEquals(-Errno.EINVAL, UnixSockets.connect(fd, "/tmp/a\0b"));
            assertEquals(-Errno.EINVAL, UnixSockets.connect(fd, ""));
        } finally {
            Fds.close(fd);
        }
    }

    @Test
    void cmsgArithmeticMatchesGlibcAndRefusesOverflow() {
        assertEquals(20, UnixSockets.cmsgLen(4));
        assertEquals(24, UnixSockets.cmsgSpace(4));
        assertEquals(24, UnixSockets.cmsgSpace(8));
        assertEquals(32, UnixSockets.cmsgSpace(12));
        assertEquals(16 + 1016, UnixSockets.cmsgSpace(UnixSockets.MAX_FDS * 4L));
        assertThrows(ArithmeticException.class, () -> UnixSockets.cmsgAlign(Long.MAX_VALUE - 3));
        assertThrows(IllegalArgumentException.class, () -> UnixSockets.sendFds(0, new int[0]));
        assertThrows(IllegalArgumentException.class, () -> UnixSockets.recvFds(0, new int[UnixSockets.MAX_FDS + 1]));
    }

    private static int[] pair() {
        int[] s = new int[2];
        assertEquals(0, UnixSockets.socketpair(UnixSockets.SOCK_STREAM, s));
        return s;
    }

    private static void closeAll(int[] fds) {
        for (int fd : fds) {
            Fds.close(fd);
        }
    }
}
