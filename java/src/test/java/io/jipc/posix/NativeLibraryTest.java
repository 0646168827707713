package io.jipc.posix;

import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.JavaCommand;
import io.jipc.process.Spawn;
import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Where libjipc.so is loaded from when the usual places cannot run code, and what it leaves there. */
@ExtendWith(NoLeaks.class)
class NativeLibraryTest {

    @Test
    void otherPlatformsAreRefusedByName() {
        assertNull(NativeLibrary.unsupported("Linux", "amd64"));
        String mac = NativeLibrary.unsupported("Mac OS X", "aarch64");
        assertTrue(mac.contains("Linux on x86-64") && mac.contains("Mac OS X on aarch64"), mac);
        assertTrue(NativeLibrary.unsupported("Linux", "aarch64").contains("Linux on aarch64"));
    }

    /** A new version's folder replaces the folders of older ones that were left alone a while. */
    @Test
    @Timeout(120)
    void writingANewVersionRemovesOldVersionFolders(@TempDir Path cache) throws Exception {
        Path jipc = Files.createDirectory(cache.resolve("jipc"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path old = oldVersion(jipc, "0123456789abcdef01234567", Duration.ofHours(2));
        Path recent = oldVersion(jipc, "76543210fedcba9876543210", Duration.ZERO);
        Path other = Files.createDirectory(jipc.resolve("not-a-version"));
        String out = runChild(List.of(), "XDG_CACHE_HOME", cache.toString());
        assertTrue(out.contains("ORIGIN " + jipc), out);
        assertTrue(out.contains("SPAWNED true"), out);
        assertFalse(Files.exists(old), "an old version's folder stayed");
        assertTrue(Files.exists(recent), "a folder written moments ago may be a JVM of that version loading it");
        assertTrue(Files.exists(other), "only version folders are removed");
    }

    private static Path oldVersion(Path jipc, String hash, Duration age) throws Exception {
        Path dir = Files.createDirectory(jipc.resolve(hash));
        Files.write(dir.resolve("libjipc.so"), new byte[] {0x7f, 'E', 'L', 'F'});
        Files.setLastModifiedTime(dir, FileTime.from(Instant.now().minus(age)));
        return dir;
    }

    /**
     * The cache and temporary directories on noexec mounts (a private mount namespace, as
     * root): the library comes from the next place that can run code, and the attempts are
     * named.
     */
    @Test
    @Timeout(180)
    void noexecDirectoriesFallBackToTheNextPlaceAndSayWhy(@TempDir Path dir) throws Exception {
        assumeTrue(Procs.geteuid() == 0, "mounting a noexec tmpfs needs root");
        Path cache = Files.createDirectory(dir.resolve("cache"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        String mountCache = "mount -t tmpfs -o noexec,mode=700 jipc-noexec " + cache;
        String mountTmp = "mount -t tmpfs -o noexec,mode=1777 jipc-noexec " + tmp;

        Files.createDirectory(dir.resolve("exec-ok"));
        String cacheOnly = runChild(List.of(mountCache), "XDG_CACHE_HOME", cache.toString(),
                "-Djava.io.tmpdir=" + dir.resolve("exec-ok"));
        assertTrue(cacheOnly.contains("ORIGIN " + dir.resolve("exec-ok")), cacheOnly);
        assertTrue(cacheOnly.contains("after: " + cache.resolve("jipc")), cacheOnly);
        assertTrue(cacheOnly.contains("SPAWNED true"), cacheOnly);

        String both = runChild(List.of(mountCache, mountTmp), "XDG_CACHE_HOME", cache.toString(),
                "-Djava.io.tmpdir=" + tmp);
        assertTrue(both.contains("ORIGIN an anonymous memory file"), both);
        assertTrue(both.contains(cache.resolve("jipc").toString()) && both.contains(tmp.resolve("jipc-0").toString()), both);
        assertTrue(both.contains("SPAWNED true"), both);
    }

    /**
     * Runs NativeChildren in a child JVM, inside {@code unshare -m} after {@code mounts}
     * when there are any, with one environment variable set and extra JVM options.
     */
    private static String runChild(List<String> mounts, String envName, String envValue, String... jvmOptions)
            throws Exception {
        List<String> java = JavaCommand.of(List.of(jvmOptions), NativeChildren.class);
        Spawn spawn;
        if (mounts.isEmpty()) {
            spawn = Spawn.command(java.get(0), java.subList(1, java.size()).toArray(String[]::new));
        } else {
            List<String> args = new ArrayList<>(List.of("-m", "--propagation", "private", "/bin/sh", "-c",
                    String.join(" && ", mounts) + " && exec \"$@\"", "sh"));
            args.addAll(java);
            spawn = Spawn.command("/usr/bin/unshare", args.toArray(String[]::new));
        }
        int[] out = new int[2];
        Errno.check(Fds.pipe2(out, Fds.O_CLOEXEC), "pipe2", null);
        StringBuilder text = new StringBuilder();
        try (ChildProcess c = spawn.environment(envName, envValue).mapDescriptor(1, out[1]).start(); Arena arena = Arena.ofConfined()) {
            Fds.close(out[1]);
            out[1] = -1;
            MemorySegment buf = arena.allocate(4096);
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
            ExitStatus s = c.waitFor();
            assertEquals(0, s.code(), s + ": " + text);
        } finally {
            Fds.close(out[0]);
            if (out[1] >= 0) {
                Fds.close(out[1]);
            }
        }
        return text.toString();
    }
}
