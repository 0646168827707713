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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Names for the objects tool tests make: all start with {@code jipc-test-cli-<pid>-}, so
 * a test can limit {@code jipc ls} and {@code jipc rm --stale} to its own objects, and
 * never touch another run's, on a machine other test runs share.
 */
public final class TestNames {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    /** Every name handed out: without an mqueue mount, queues can only be found by name. */
    private static final Set<String> ISSUED = ConcurrentHashMap.newKeySet();

    private TestNames() {
    }

    /** {@return the prefix of every name, without the slash: jipc-test-cli-PID-} */
    public static String prefix() {
        return "jipc-test-cli-" + ProcessHandle.current().pid() + "-";
    }

    /** {@return a name no other test or run uses, such as /jipc-test-cli-4242-stale-3-91827364} */
    public static String unique(String what) {
        String name = "/" + prefix() + what + "-" + COUNTER.incrementAndGet() + "-" + (System.nanoTime() & 0xffffffL);
        ISSUED.add(name);
        return name;
    }

    /** {@return whether an mqueue file system is mounted on /dev/mqueue, so queues can be listed} */
    public static boolean mqueueMounted() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 2 && f[1].equals("/dev/mqueue") && f[2].equals("mqueue"));
        } catch (IOException e) {
            return false;
        }
    }

    /** {@return the files in /dev/shm and /dev/mqueue that carry this run's prefix} */
    public static Set<String> leftovers() {
        Set<String> found = new TreeSet<>();
        for (String dir : new String[] {"/dev/shm", "/dev/mqueue"}) {
            if (!Files.isDirectory(Path.of(dir)) || dir.equals("/dev/mqueue") && !mqueueMounted()) {
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
        if (!mqueueMounted()) {
            // Unlisted queues: unlink each name this run handed out; one that existed was left behind.
            for (String name : ISSUED) {
                if (MessageQueue.unlink(name)) {
                    found.add("/dev/mqueue" + name);
                }
            }
        }
        return found;
    }
}
