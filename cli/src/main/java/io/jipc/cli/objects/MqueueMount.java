package io.jipc.cli.objects;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where this machine shows its POSIX message queues. The kernel lists them only through
 * an mqueue file system, conventionally mounted on /dev/mqueue; without one, a queue can
 * be opened by name but not found by listing.
 */
public final class MqueueMount {
    private static final Path CONVENTIONAL = Path.of("/dev/mqueue");

    private MqueueMount() {
    }

    /** {@return the directory an mqueue file system is mounted on, /dev/mqueue first, if any} */
    public static Optional<Path> find() {
        try {
            Path other = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[2].equals("mqueue")) {
                    Path dir = Path.of(unescape(f[1]));
                    if (dir.equals(CONVENTIONAL)) {
                        return Optional.of(dir);
                    }
                    other = other == null ? dir : other;
                }
            }
            return Optional.ofNullable(other);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The one line to show when there is none, with the command that fixes it. */
    public static String notMounted() {
        return "message queues: no mqueue file system is mounted, so they cannot be listed "
                + "(as root: mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue)";
    }

    /** /proc/self/mounts writes space, tab, newline and backslash in octal: \040. */
    private static String unescape(String field) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                try {
                    s.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // Not an escape: keep the backslash.
                }
            }
            s.append(c);
        }
        return s.toString();
    }
}
