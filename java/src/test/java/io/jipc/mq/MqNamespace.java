package io.jipc.mq;

import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Lists the message queues of this IPC namespace, to prove tests leave none behind.
 *
 * <p>Queues are visible only through an mqueue file system. If one is mounted at
 * /dev/mqueue it is read; else, when allowed, a private mount namespace
 * ({@code unshare -m}, private propagation) mounts one on a temporary directory just for
 * the listing, so the machine's mount table is never changed. Where neither works the
 * listing is empty and tests fall back on checking their own names.
 */
final class MqNamespace {
    private MqNamespace() {
    }

    /** {@return the queue names (without '/') in this IPC namespace, or empty if they cannot be listed} */
    static Optional<Set<String>> list() {
        Path mounted = Path.of("/dev/mqueue");
        if (Files.isDirectory(mounted) && isMqueueMount(mounted)) {
            try (Stream<Path> s = Files.list(mounted)) {
                return Optional.of(s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new)));
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return listThroughPrivateMount();
    }

    /** {@return the queues whose names start with {@code prefix} (no '/'), or empty if unknown} */
    static Optional<Set<String>> listStartingWith(String prefix) {
        return list().map(all -> all.stream().filter(n -> n.startsWith(prefix))
                .collect(Collectors.toCollection(TreeSet::new)));
    }

    private static boolean isMqueueMount(Path dir) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 2 && f[1].equals(dir.toString()) && f[2].equals("mqueue"));
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<Set<String>> listThroughPrivateMount() {
        Path dir = null;
        Path out = null;
        try {
            dir = Files.createTempDirectory("jipc-mqueue");
            out = Files.createTempFile("jipc-mqueue", ".txt");
            try (ChildProcess p = Spawn.command("unshare", "-m", "--propagation", "private", "sh", "-c",
                    "mount -t mqueue none \"$0\" && ls -A \"$0\" > \"$1\"", dir.toString(), out.toString()).start()) {
                Optional<ExitStatus> status = p.waitFor(Duration.ofSeconds(30));
                if (status.isEmpty() || !status.get().success()) {
                    return Optional.empty();
                }
            }
            return Optional.of(Files.readAllLines(out).stream().filter(s -> !s.isBlank())
                    .collect(Collectors.toCollection(TreeSet::new)));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            for (Path p : new Path[] {out, dir}) {
                if (p != null) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        // A temporary file; nothing depends on it.
                    }
                }
            }
        }
    }
}
