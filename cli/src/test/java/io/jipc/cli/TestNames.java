package io.jipc.cli;

import io.jipc.IpcException;
import io.jipc.mq.MessageQueue;
import io.jipc.shm.SharedMemory;
import io.jipc.sync.Semaphore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Names for the objects tool tests make: all start with {@code jipc-test-cli-<pid>-}, so
 * a test can limit {@code jipc ls} and {@code jipc rm --stale} to its own objects, and
 * never touch another run's, on a machine other test runs share.
 */
public final class TestNames {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestNames() {
    }

    /** {@return the prefix of every name, without the slash: jipc-test-cli-PID-} */
    public static String prefix() {
        return "jipc-test-cli-" + ProcessHandle.current().pid() + "-";
    }

    /** {@return a name no other test or run uses, such as /jipc-test-cli-4242-stale-3-91827364} */
    public static String unique(String what) {
        return "/" + prefix() + what + "-" + COUNTER.incrementAndGet() + "-" + (System.nanoTime() & 0xffffffL);
    }

    /** {@return the files in /dev/shm and /dev/mqueue that carry this run's prefix} */
    public static Set<String> leftovers() {
        Set<String> found = new TreeSet<>();
        for (String dir : new String[] {"/dev/shm", "/dev/mqueue"}) {
            if (!Files.isDirectory(Path.of(dir))) {
                continue;
            }
            try (Stream<Path> s = Files.list(Path.of(dir))) {
                s.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith(prefix()) || n.startsWith("sem." + prefix()))
                        .forEach(n -> found.add(dir + "/" + n));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found;
    }

    /** Removes whatever {@link #leftovers()} lists; {@return what it found} */
    public static Set<String> removeLeftovers() throws IpcException {
        Set<String> found = leftovers();
        for (String f : found) {
            String file = f.substring(f.lastIndexOf('/') + 1);
            if (f.startsWith("/dev/mqueue/")) {
                MessageQueue.unlink("/" + file);
            } else if (file.startsWith("sem.")) {
                Semaphore.unlink("/" + file.substring(4));
            } else {
                SharedMemory.unlink("/" + file);
            }
        }
        return found;
    }
}
