package io.jipc.posix;

import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeaks.class)
class MemfdTest {
    @Test
    void sealsFreezeTheSizeAndThenTheSeals() throws Exception {
        int fd = Mman.memfdCreate("jipc-test", Mman.MFD_CLOEXEC | Mman.MFD_ALLOW_SEALING);
        assertTrue(fd >= 0, "memfd_create: " + fd);
        try {
            assertTrue(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().startsWith("/memfd:jipc-test"));
            assertEquals(Fds.FD_CLOEXEC, Fds.fcntl(fd, Fds.F_GETFD, 0) & Fds.FD_CLOEXEC);
            assertEquals(0, Fds.ftruncate(fd, 4096));
            assertEquals(0, Mman.seals(fd));

            assertEquals(0, Mman.addSeals(fd, Mman.F_SEAL_SHRINK | Mman.F_SEAL_GROW | Mman.F_SEAL_SEAL));
            assertEquals(Mman.F_SEAL_SHRINK | Mman.F_SEAL_GROW | Mman.F_SEAL_SEAL, Mman.seals(fd));
            assertEquals(-Errno.EPERM, Fds.ftruncate(fd, 1024), "a sealed memfd cannot shrink");
            assertEquals(-Errno.EPERM, Fds.ftruncate(fd, 8192), "nor grow");
            assertEquals(-Errno.EPERM, Mman.addSeals(fd, Mman.F_SEAL_WRITE), "nor gain seals after F_SEAL_SEAL");
            assertEquals(4096, Fds.fstat(fd, "fstat", "memfd").size());
        } finally {
            Fds.close(fd);
        }
    }

    @Test
    void withoutAllowSealingTheFileIsBornSealed() {
        int fd = Mman.memfdCreate("jipc-test", Mman.MFD_CLOEXEC);
        assertTrue(fd >= 0, "memfd_create: " + fd);
        try {
            assertEquals(Mman.F_SEAL_SEAL, Mman.seals(fd));
            assertEquals(-Errno.EPERM, Mman.addSeals(fd, Mman.F_SEAL_SHRINK));
        } finally {
            Fds.close(fd);
        }
    }

    @Test
    void aPipeHasNoSeals() {
        int[] p = new int[2];
        assertEquals(0, Fds.pipe2(p, Fds.O_CLOEXEC));
        try {
            assertEquals(-Errno.EINVAL, Mman.seals(p[0]));
        } finally {
            Fds.close(p[0]);
            Fds.close(p[1]);
        }
    }
}
