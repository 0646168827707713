package io.jipc.bench;

import io.jipc.shm.SharedMemory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A fresh JVM's first jipc call, for {@link Startup}: {@code StartupProbe NAME FILE} creates
 * and closes (and unlinks) the shared-memory object {@code NAME}, then writes how long that
 * took inside the JVM, in nanoseconds, to {@code FILE}; {@code StartupProbe --empty} does
 * nothing, the floor of a JVM that starts a main class from this class path.
 */
public final class StartupProbe {
    private StartupProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--empty")) {
            return;
        }
        long t0 = System.nanoTime();
        SharedMemory.create(args[0], 4096).close();
        long t1 = System.nanoTime();
        SharedMemory.unlink(args[0]);
        Files.writeString(Path.of(args[1]), Long.toString(t1 - t0));
    }
}
