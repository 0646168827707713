package io.jipc.cli.mq;

import io.jipc.cli.CliRun;
import io.jipc.cli.TestNames;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.jipc.cli.CliRun.execute;
import static io.jipc.cli.CliRun.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code jipc mq ...} in-process, on queues of the test's own. */
class MqCommandTest {
    @AfterEach
    void nothingLeftBehind() throws Exception {
        assertEquals(Set.of(), TestNames.removeLeftovers(), "queues left behind");
    }

    @Test
    @Timeout(60)
    void createSendReceiveInfoRemove() throws Exception {
        String q = TestNames.unique("q");
        CliRun run = execute("mq", "create", q.substring(1), "--max-messages", "3", "--max-size", "64",
                "--mode", "0640");
        assertEquals(0, run.code(), run.err());
        assertEquals("created " + q + ": 3 messages of up to 64 bytes, mode 0640\n", run.out());

        assertEquals(0, execute("mq", "send", q, "hello", "--priority", "2").code());
        run = sendFromStdin(q, "from stdin\n", "-p", "5");
        assertEquals(0, run.code(), run.err());

        run = execute("mq", "info", q);
        assertEquals(0, run.code(), run.err());
        assertEquals(2, number(run.out(), "messages"));
        assertEquals(64, number(run.out(), "max size"));
        if (TestNames.mqueueMounted()) {
            assertEquals(16, number(run.out(), "bytes queued"));
            assertTrue(run.out().contains("  mode          0640\n"), run.out());
        }

        // Highest priority first; stdin's bytes exactly, its newline not doubled.
        run = execute("mq", "recv", q, "--priority");
        assertEquals(new CliRun(0, "5\tfrom stdin\n", ""), run);
        run = execute("mq", "recv", q);
        assertEquals(new CliRun(0, "hello\n", ""), run);

        run = execute("mq", "recv", q, "--nonblock");
        assertEquals(new CliRun(3, "", "jipc: " + q + " is empty\n"), run);
        long start = System.nanoTime();
        run = execute("mq", "recv", q, "--timeout", "200ms");
        long took = System.nanoTime() - start;
        assertEquals(new CliRun(3, "", "jipc: no message on " + q + " within 200 ms\n"), run);
        assertTrue(took >= Duration.ofMillis(200).toNanos(), "gave up after " + took + " ns");

        for (int i = 0; i < 3; i++) {
            assertEquals(0, execute("mq", "send", q, "m" + i, "-n").code());
        }
        run = execute("mq", "send", q, "one too many", "--nonblock");
        assertEquals(new CliRun(3, "", "jipc: " + q + " is full (3 messages)\n"), run);
        run = execute("mq", "send", q, "one too many", "--timeout", "0.1");
        assertEquals(new CliRun(3, "", "jipc: " + q + " stayed full for 100 ms (3 messages)\n"), run);

        assertEquals(new CliRun(0, "", ""), execute("mq", "rm", q));
        run = execute("mq", "rm", q);
        assertEquals(new CliRun(1, "", "jipc: no such queue: " + q + "\n"), run);
        run = execute("mq", "info", q);
        assertEquals(1, run.code());
        assertTrue(run.err().startsWith("jipc: mq_open(\"" + q + "\"): No such file or directory (ENOENT)"),
                run.err());
    }

    @Test
    void badArgumentsAreUsageErrorsOrOneLineFailures() throws Exception {
        String q = TestNames.unique("bad");
        assertUsage(execute("mq", "create", q, "--mode", "0999"), "'0999' is not an octal mode");
        assertUsage(execute("mq", "create", q, "--max-messages", "0"), "maxMessages of " + q + " must be 1..");
        assertUsage(execute("mq", "create", "a/b"), "message queue name \"/a/b\" may contain no '/'");
        assertUsage(execute("mq", "recv", q, "--timeout", "soon"), "'soon' is not a duration");
        assertUsage(execute("mq", "recv", q, "-n", "-t", "1s"), "--timeout and --nonblock exclude each other");
        assertUsage(execute("mq", "send", q, "x", "-p", "40000"), "--priority must be between 0 and 32767");
        assertUsage(execute("mq"), "Missing a command: one of create, send, recv, info, rm");

        assertEquals(0, execute("mq", "create", q, "--max-size", "4").code());
        CliRun run = execute("mq", "send", q, "12345");
        assertEquals(new CliRun(1, "", "jipc: the message (5 bytes) is longer than " + q + "'s largest, 4 bytes\n"),
                run);
        run = execute("mq", "create", q);
        assertEquals(new CliRun(1, "", "jipc: mq_open(\"" + q + "\"): File exists (EEXIST)\n"), run);
        assertEquals(0, execute("mq", "rm", q).code());
    }

    /** A queue that is not there: one line that says how to make it, for send and recv alike. */
    @Test
    void aMissingQueueIsOneLineThatSaysHowToCreateIt() {
        String q = TestNames.unique("missing");
        String expected = "jipc: no queue " + q + "; create one with: jipc mq create " + q.substring(1) + "\n";
        assertEquals(new CliRun(1, "", expected), execute("mq", "send", q, "x"));
        assertEquals(new CliRun(1, "", expected), execute("mq", "recv", q, "--nonblock"));
    }

    /** A C program using plain mq_open/mq_receive/mq_send talks with the command. */
    @Test
    @Timeout(60)
    void interoperatesWithC(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")) || Files.isExecutable(Path.of("/usr/bin/cc")),
                "no C compiler");
        Path source = dir.resolve("peer.c");
        Files.writeString(source, """
                #include <fcntl.h>
                #include <mqueue.h>
                #include <stdio.h>
                #include <string.h>
                int main(int argc, char **argv) {
                    mqd_t q = mq_open(argv[1], O_RDWR);
                    if (q == (mqd_t) -1) { perror("mq_open"); return 2; }
                    char buf[64]; unsigned prio;
                    ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
                    if (n < 0) { perror("mq_receive"); return 3; }
                    printf("%u:%.*s\\n", prio, (int) n, buf);
                    if (mq_send(q, "from C", 6, 9) != 0) { perror("mq_send"); return 4; }
                    return mq_close(q) == 0 ? 0 : 5;
                }
                """);
        Path binary = dir.resolve("peer");
        assertEquals(0, run(dir, "cc", "-o", binary.toString(), source.toString(), "-lrt"), log(dir));

        String q = TestNames.unique("c");
        assertEquals(0, execute("mq", "create", q, "--max-size", "64").code());
        assertEquals(0, execute("mq", "send", q, "from jipc", "-p", "7").code());
        assertEquals(0, run(dir, binary.toString(), q), log(dir));
        assertEquals("7:from jipc\n", Files.readString(dir.resolve("out")));
        assertEquals(new CliRun(0, "9\tfrom C\n", ""), execute("mq", "recv", q, "--priority", "-n"));
        assertEquals(0, execute("mq", "rm", q).code());
    }

    private static CliRun sendFromStdin(String q, String input, String... options) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            String[] args = new String[options.length + 3];
            args[0] = "mq";
            args[1] = "send";
            args[2] = q;
            System.arraycopy(options, 0, args, 3, options.length);
            return execute(args);
        } finally {
            System.setIn(saved);
        }
    }

    /** A usage error: exit code 2, the reason on one line, then which help to read, not the help. */
    private static void assertUsage(CliRun run, String reason) {
        assertEquals(2, run.code(), run.toString());
        List<String> lines = run.err().lines().toList();
        assertEquals(2, lines.size(), run.err());
        assertTrue(lines.get(0).startsWith("jipc: ") && lines.get(0).contains(reason), run.err());
        assertTrue(lines.get(1).matches("Try 'jipc mq( [a-z]+)? --help' for more information\\."), run.err());
        assertEquals("", run.out());
    }

    /** Runs a program with its output in {@code dir}/out and /err; {@return its exit code} */
    private static int run(Path dir, String... command) throws Exception {
        String[] argv = new String[command.length + 3];
        argv[0] = "-c";
        argv[1] = "exec \"$@\" >\"$DIR/out\" 2>\"$DIR/err\"";
        argv[2] = "sh";
        System.arraycopy(command, 0, argv, 3, command.length);
        try (ChildProcess p = Spawn.command("/bin/sh", argv).environment("DIR", dir.toString()).start()) {
            Optional<ExitStatus> status = p.waitFor(Duration.ofSeconds(50));
            return status.filter(ExitStatus::exited).map(ExitStatus::code).orElse(-1);
        }
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("err"));
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
