package io.jipc.cli.demo;

import io.jipc.cli.Failure;
import io.jipc.cli.Report;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code jipc demo pipe}: a child writes into a pipe, the parent reads until end of
 * stream; the parent that forgets to close its write end; the round-trip time.
 */
@Command(name = "pipe",
        mixinStandardHelpOptions = true,
        description = "A child process writes lines into a pipe, the parent reads them until end of stream; "
                + "what happens when the parent forgets to close its write end; the round trip through two pipes.")
public final class PipeDemo implements Callable<Integer>, Lesson {
    /** The child's descriptors: the lesson pipe's write end, then the two round-trip pipes. */
    private static final int CHILD_WRITE_FD = 3;
    private static final int CHILD_PING_FD = 4;
    private static final int CHILD_PONG_FD = 5;
    private static final int MAX_LINES = 20;
    private static final Duration CHILD_PAUSE = Duration.ofMillis(100);
    private static final Duration FORGOTTEN_READ_TIMEOUT = Duration.ofMillis(500);
    /** Far more than any step takes: only a broken run waits this long. */
    private static final Duration SAFETY_TIMEOUT = Duration.ofSeconds(30);
    private static final String ECHO_TEXT = "hello from echo";

    @Option(names = {"-l", "--lines"}, paramLabel = "N", defaultValue = "3",
            description = "lines the child writes, 1 to " + MAX_LINES + " (default: ${DEFAULT-VALUE})")
    private int lines;

    @Mixin
    private RoundTripOptions roundTrips;

    @Spec
    private CommandSpec spec;

    private String summary = "";

    @Override
    public String summary() {
        return summary;
    }

    @Override
    public Integer call() throws Exception {
        if (lines < 1 || lines > MAX_LINES) {
            throw new ParameterException(spec.commandLine(), "--lines must be between 1 and " + MAX_LINES
                    + ", not " + lines);
        }
        int warmUp = roundTrips.warmUp();
        int count = roundTrips.roundTrips();
        PrintWriter out = spec.commandLine().getOut();
        Report.paragraph(out, """
                Pipe: a child process writes lines into a pipe, the parent reads them \
                until end of stream. The child is a JVM that takes the write end over as \
                its descriptor 3 (Pipe.WriteEnd.adopt(3)).""");
        RoundTrips measured;
        try (DemoRun run = DemoRun.create("pipe", 0);
             Pipe lesson = Pipe.open(); Pipe ping = Pipe.open(); Pipe pong = Pipe.open()) {
            int readFd = lesson.readEnd().fd();
            int writeFd = lesson.writeEnd().fd();
            Report.item(out, "  1.", "pipe2() gave this process a pipe: read end fd " + readFd + ", write end fd "
                    + writeFd + ", both close-on-exec.");
            run.spawn(1, Worker.class, s -> s.mapDescriptor(CHILD_WRITE_FD, writeFd)
                            .mapDescriptor(CHILD_PING_FD, ping.readEnd().fd())
                            .mapDescriptor(CHILD_PONG_FD, pong.writeEnd().fd()),
                    Integer.toString(lines), Long.toString(CHILD_PAUSE.toMillis()), Long.toString(warmUp + count));
            int child = run.pids().getFirst();
            Report.item(out, "  2.", "Started the child, pid " + child + ", with the write end as its fd "
                    + CHILD_WRITE_FD + " (Spawn.mapDescriptor); it gets no other descriptor of ours, so not the read "
                    + "end. Two processes now hold a write end.");
            // The child has its own copies now; ours would keep the pipes open.
            lesson.writeEnd().close();
            ping.readEnd().close();
            pong.writeEnd().close();
            Report.item(out, "  3.", "The parent closed its own write end (fd " + writeFd
                    + "): the child's copy is the only one left.");
            run.openGate();
            Report.item(out, "  4.", "The parent reads until end of stream:");
            readToEnd(out, lesson.readEnd());
            boolean childRuns = run.isRunning(0);
            Report.item(out, "  5.", "End of stream came when the child closed its write end"
                    + (childRuns ? "; the child still runs (pid " + child + ")" : "") + ". A read returns -1 only "
                    + "when the pipe is empty and no process holds a write end any more: only then can the kernel "
                    + "know that no byte will ever come.");
            out.println();
            forgottenWriteEnd(out, run);
            measured = measure(ping.writeEnd(), pong.readEnd(), warmUp, count);
            run.finish();
        }
        Report.paragraph(out, """
                Round trip: the parent writes an 8-byte number into one pipe, the child \
                reads it and writes it back into another; both read in blocking mode, \
                asleep in the kernel until the bytes arrive.""");
        measured.addTo(new Report()).printTable(out);
        summary = "EOF when the last write end closed; round trip "
                + String.format(Locale.ROOT, "%.1f us", measured.median() / 1e3);
        return 0;
    }

    /** Step 4: blocking reads, each printed with its time, until -1. */
    private static void readToEnd(PrintWriter out, Pipe.ReadEnd in) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(512);
        long start = System.nanoTime();
        while (true) {
            buffer.clear();
            int n = in.read(buffer);
            printRead(out, start, n, buffer, n < 0 ? "end of stream" : "");
            if (n < 0) {
                return;
            }
        }
    }

    /** Steps 6 to 8: a real program writes and exits, but the parent still holds a write end. */
    private static void forgottenWriteEnd(PrintWriter out, DemoRun run) throws Exception {
        Report.paragraph(out, "What if the parent forgets to close its write end?");
        try (Pipe pipe = Pipe.open()) {
            int writeFd = pipe.writeEnd().fd();
            ChildProcess echo = run.startProgram(Spawn.command("echo", ECHO_TEXT).mapDescriptor(1, writeFd));
            Report.item(out, "  6.", "A new pipe: read end fd " + pipe.readEnd().fd() + ", write end fd " + writeFd
                    + ". The child is a plain program now, echo (pid " + echo.pid()
                    + "), with the write end as its standard output.");
            Optional<ExitStatus> status = echo.waitFor(SAFETY_TIMEOUT);
            if (status.isEmpty() || !status.get().success()) {
                throw new Failure("echo (pid " + echo.pid() + ") " + status.map(s -> "failed: " + s)
                        .orElse("did not exit"));
            }
            Report.item(out, "  7.", "echo wrote its line and exited. The parent reads, its own write end (fd "
                    + writeFd + ") still open:");
            ByteBuffer buffer = ByteBuffer.allocate(512);
            long start = System.nanoTime();
            int n;
            do {
                buffer.clear();
                n = pipe.readEnd().read(buffer, SAFETY_TIMEOUT);
                printRead(out, start, n, buffer, "");
            } while (n > 0 && buffer.get(buffer.position() - 1) != '\n');
            buffer.clear();
            n = pipe.readEnd().read(buffer, FORGOTTEN_READ_TIMEOUT);
            printRead(out, start, n, buffer, n == 0
                    ? "a read with a " + FORGOTTEN_READ_TIMEOUT.toMillis() + " ms time-out: nothing, and no end of stream"
                    : "");
            if (n != 0) {
                throw new Failure("the timed read returned " + n + ", not 0");
            }
            Report.item(out, "    ", "A plain read() would wait forever: this process holds a write end and might "
                    + "still write, so the kernel cannot call it the end. The writer exiting does not matter; the "
                    + "last write end closing does. Forgetting to close it is the classic pipe hang.");
            pipe.writeEnd().close();
            buffer.clear();
            start = System.nanoTime();
            n = pipe.readEnd().read(buffer, SAFETY_TIMEOUT);
            long took = System.nanoTime() - start;
            Report.item(out, "  8.", "The parent closes its write end (fd " + writeFd + "); the next read returns "
                    + n + (n < 0 ? String.format(Locale.ROOT, ", end of stream, at once (%.1f ms).", took / 1e6) : "."));
            out.println();
        }
    }

    /** The round trip, timed: the parent's side. */
    private static RoundTrips measure(Pipe.WriteEnd ping, Pipe.ReadEnd pong, int warmUp, int count) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(Long.BYTES);
            MemorySegment echoed = arena.allocate(Long.BYTES);
            return RoundTrips.measure(warmUp, count, i -> {
                message.set(ValueLayout.JAVA_LONG, 0, i);
                ping.write(message);
                if (!readFully(pong, echoed)) {
                    throw new Failure("the child closed its end of the round-trip pipe early");
                }
                long back = echoed.get(ValueLayout.JAVA_LONG, 0);
                if (back != i) {
                    throw new Failure("sent " + i + " through the pipes, got " + back + " back");
                }
            });
        }
    }

    /** One read, as {@code +12 ms  read 26 bytes  "text\n"}, the text's lines under each other. */
    private static void printRead(PrintWriter out, long start, int n, ByteBuffer buffer, String note) {
        String result = n > 0 ? n + (n == 1 ? " byte" : " bytes") : Integer.toString(n);
        String prefix = String.format(Locale.ROOT, "       +%3d ms  read %-8s ", millis(System.nanoTime() - start),
                result);
        if (n <= 0) {
            Report.item(out, prefix, note);
            return;
        }
        String text = new String(buffer.array(), 0, n, StandardCharsets.UTF_8);
        String indent = " ".repeat(prefix.length() + 1);
        String[] parts = text.split("(?<=\n)");
        for (int i = 0; i < parts.length; i++) {
            out.println((i == 0 ? prefix + " " : indent) + quote(parts[i]));
        }
        out.flush();
    }

    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }

    /** {@return {@code s} in double quotes, with newlines and other controls escaped} */
    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\n' -> q.append("\\n");
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                default -> q.append(c < ' ' || c > '~' ? String.format(Locale.ROOT, "\\x%02x", (int) c) : c);
            }
        }
        return q.append('"').toString();
    }

    /** Reads exactly {@code dst.byteSize()} bytes, blocking; {@return false at a premature end of stream} */
    private static boolean readFully(Pipe.ReadEnd in, MemorySegment dst) throws IOException {
        long got = 0;
        while (got < dst.byteSize()) {
            long n = in.read(dst.asSlice(got));
            if (n < 0) {
                return false;
            }
            got += n;
        }
        return true;
    }

    /** The main class of the child: writes the lines, closes its write end, then echoes. */
    public static final class Worker {
        private Worker() {
        }

        public static void main(String[] args) throws Exception {
            DemoRun.work(args, (data, index, rest) -> {
                int lines = Integer.parseInt(rest[0]);
                long pauseMillis = Long.parseLong(rest[1]);
                long echoes = Long.parseLong(rest[2]);
                Pipe.WriteEnd out = Pipe.WriteEnd.adopt(CHILD_WRITE_FD);
                Pipe.ReadEnd ping = Pipe.ReadEnd.adopt(CHILD_PING_FD);
                Pipe.WriteEnd pong = Pipe.WriteEnd.adopt(CHILD_PONG_FD);
                return () -> {
                    long pid = ProcessHandle.current().pid();
                    try (out) {
                        for (int i = 1; i <= lines; i++) {
                            out.write(ByteBuffer.wrap(("line " + i + " of " + lines + " from pid " + pid + "\n")
                                    .getBytes(StandardCharsets.US_ASCII)));
                            if (i < lines) {
                                Thread.sleep(pauseMillis);
                            }
                        }
                    }
                    // The last write end is closed: the parent sees end of stream while this process runs on.
                    echo(ping, pong, echoes);
                };
            });
        }

        private static void echo(Pipe.ReadEnd ping, Pipe.WriteEnd pong, long count) throws Exception {
            try (ping; pong; Arena arena = Arena.ofConfined()) {
                MemorySegment message = arena.allocate(Long.BYTES);
                for (long i = 0; i < count; i++) {
                    if (!readFully(ping, message)) {
                        throw new IllegalStateException("the parent closed the round-trip pipe after " + i);
                    }
                    pong.write(message);
                }
            }
        }
    }
}
