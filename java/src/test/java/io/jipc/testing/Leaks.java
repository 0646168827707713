package io.jipc.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** What a test may not leave behind: descriptors, children, shared-memory names. */
public final class Leaks {
    private Leaks() {
    }

    /** {@return the open descriptors of this process} */
    public static Set<String> descriptors() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            Set<String> fds = new TreeSet<>();
            s.forEach(p -> fds.add(p.getFileName().toString()));
            return fds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the number of open descriptors, not counting the one used to list them} */
    public static int descriptorCount() {
        return descriptors().size() - 1;
    }

    /** {@return the pids of this process's children, zombies included, over all threads} */
    public static Set<Integer> children() {
        Set<Integer> pids = new TreeSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String s = Files.readString(t.resolve("children")).trim();
                    if (!s.isEmpty()) {
                        for (String pid : s.split("\\s+")) {
                            pids.add(Integer.parseInt(pid));
                        }
                    }
                } catch (IOException e) {
                    // The thread ended while we looked.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    /** {@return the names in /dev/shm} */
    public static Set<String> shmNames() {
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            Set<String> names = new TreeSet<>();
            s.forEach(p -> names.add(p.getFileName().toString()));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A name no other test run uses. */
    public static String uniqueName(String prefix) {
        return "/jipc-test-" + prefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }
}
