package io.jipc.process;

import io.jipc.posix.Errno;
import io.jipc.posix.Fds;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** Child JVMs of {@link SpawnTest}: {@code SpawnChildren <scenario>}. */
public final class SpawnChildren {
    private SpawnChildren() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            // The ignored signals of a child, started by jipc and by ProcessBuilder.
            case "ignored" -> {
                System.out.println("jipc " + sigIgn(viaJipc()));
                System.out.println("pb " + sigIgn(viaProcessBuilder()));
            }
            // Starts a sleep it never closes, says its pid, then ends as args[1] says.
            case "orphan" -> {
                ChildProcess sleeper = Spawn.command("/bin/sleep", "60").start();
                System.out.println(sleeper.pid());
                System.out.flush();
                switch (args[1]) {
                    case "exit" -> System.exit(0);
                    case "return" -> {
                        return;
                    }
                    default -> Thread.sleep(60_000);  // "wait": for the test's SIGTERM
                }
            }
            default -> {
                System.err.println("unknown scenario " + args[0]);
                System.exit(64);
            }
        }
    }

    private static String viaJipc() throws Exception {
        int[] out = new int[2];
        Errno.check(Fds.pipe2(out, Fds.O_CLOEXEC), "pipe2", null);
        try (ChildProcess c = Spawn.command("/bin/cat", "/proc/self/status").mapDescriptor(1, out[1]).start()) {
            Fds.close(out[1]);
            String text = readAll(out[0]);
            c.waitFor();
            return text;
        } finally {
            Fds.close(out[0]);
        }
    }

    private static String viaProcessBuilder() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/cat", "/proc/self/status").start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return text;
    }

    private static String sigIgn(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("SigIgn:")) {
                return line.substring("SigIgn:".length()).trim();
            }
        }
        return "missing";
    }

    static String readAll(int fd) {
        StringBuilder sb = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            while (true) {
                long n = Fds.read(fd, buf, buf.byteSize());
                if (n == -Errno.EINTR) {
                    continue;
                }
                if (n <= 0) {
                    break;
                }
                sb.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            }
        }
        return sb.toString();
    }
}
