package io.jipc.cli.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** What a demo may not leave behind: child processes and shared-memory names. */
final class Leftovers {
    private Leftovers() {
    }

    /** {@return the children of process {@code pid}, zombies included, over all its threads} */
    static Set<Integer> children(long pid) {
        Set<Integer> pids = new TreeSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String s = Files.readString(t.resolve("children")).trim();
                    if (!s.isEmpty()) {
                        for (String child : s.split("\\s+")) {
                            pids.add(Integer.parseInt(child));
                        }
                    }
                } catch (IOException e) {
                    // The thread ended while we looked.
                }
            }
        } catch (NoSuchFileException e) {
            return pids;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    /** {@return the children of this process} */
    static Set<Integer> children() {
        return children(ProcessHandle.current().pid());
    }

    /** {@return the demo segments in /dev/shm that a jipc run in process {@code pid} made} */
    static Set<String> demoSegments(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            Set<String> names = new TreeSet<>();
            s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("jipc-demo-") && n.endsWith("-" + pid))
                    .forEach(names::add);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@return every name a jipc run in process {@code pid} made: segments and semaphores in
     * /dev/shm ("sem." names), and message queues in /dev/mqueue if it is mounted}
     */
    static Set<String> demoObjects(long pid) {
        Set<String> names = new TreeSet<>(demoSegments(pid));
        for (String dir : new String[] {"/dev/shm", "/dev/mqueue"}) {
            Path d = Path.of(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                s.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith(dir.equals("/dev/shm") ? "sem.jipc-demo-" : "jipc-demo-"))
                        .filter(n -> n.endsWith("-" + pid))
                        .forEach(n -> names.add(dir + "/" + n));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return names;
    }

    /** {@return whether {@code pid} is a process that still runs (a zombie does not)} */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The state follows the command name, which is in parentheses and may contain spaces.
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
