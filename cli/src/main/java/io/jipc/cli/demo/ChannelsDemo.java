package io.jipc.cli.demo;

import io.jipc.IpcException;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.ChannelPair;
import io.jipc.channel.Channels;
import io.jipc.channel.MessageChannel;
import io.jipc.cli.Failure;
import io.jipc.cli.Report;
import io.jipc.cli.objects.IpcKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jipc demo channels}: one piece of code, written once against {@link MessageChannel},
 * sends a message over every transport in turn (shm, mq, pipe, unix, tcp); only the address
 * changes. Then it says what the API adds over each raw mechanism and which benchmark
 * measures that cost: the numbers come from the harness ({@code ./jipc bench}, rows
 * {@code chan-…} next to their raw transports), which runs real processes with warm-up,
 * rounds and a C twin; {@code --measure} runs it. Public API only.
 */
@Command(name = "channels",
        mixinStandardHelpOptions = true,
        description = "One piece of code sends a message through the channel API over each transport (shm, mq, "
                + "pipe, unix, tcp): only the address changes. Then what the API adds over each raw mechanism, and "
                + "the benchmark that measures it (--measure runs it).")
public final class ChannelsDemo implements Callable<Integer>, Lesson {
    /** Every transport, in the order of the table: fastest mechanism first. */
    static final List<String> TRANSPORTS = List.of("shm", "mq", "pipe", "unix", "tcp");
    private static final int MIN_SIZE = Long.BYTES;
    /** Below the default message size limit of message queues (msgsize_max, 8192). */
    private static final int MAX_SIZE = 4096;
    /** Far more than one message takes: only a broken run waits this long. */
    static final Duration SAFETY_TIMEOUT = Duration.ofSeconds(30);

    /** The harness's name of each channel row's raw transport, and what that is. */
    private static final Map<String, String[]> RAW = Map.of(
            "shm", new String[] {"jipc-ring-sleep", "two SpscRings"},
            "mq", new String[] {"mq", "two MessageQueues"},
            "pipe", new String[] {"pipe", "two Pipes"},
            "unix", new String[] {"uds", "SocketChannel (unix)"},
            "tcp", new String[] {"tcp", "SocketChannel (TCP)"});

    /** What the API adds over each mechanism, in a few words. */
    private static final Map<String, String> ADDS = Map.of(
            "shm", "an MPSC ring (many senders) and a look at the receiver's closed mark before each claim",
            "mq", "a timed receive, so that a close is noticed",
            "pipe", "a 4-byte length before each message, a buffer that cuts the stream into messages",
            "unix", "length-prefixed frames; a bound end takes turns among its connections",
            "tcp", "length-prefixed frames; a bound end takes turns among its connections");

    @Parameters(arity = "0..*", paramLabel = "TRANSPORT",
            description = "transports to show, of shm, mq, pipe, unix, tcp (default: all, in that order)")
    private List<String> transports = new ArrayList<>();

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "64",
            description = "message size, " + MIN_SIZE + " to " + MAX_SIZE + " bytes (default: ${DEFAULT-VALUE})")
    private int size;

    @Option(names = "--measure", description = "run the benchmark it names (./jipc bench …, a few minutes): "
            + "each channel next to its raw transport, Java, 3 rounds")
    private boolean measure;

    @Spec
    private CommandSpec spec;

    private String summary = "";

    @Override
    public String summary() {
        return summary;
    }

    @Override
    public Integer call() throws Exception {
        List<String> chosen = transports.isEmpty() ? TRANSPORTS : transports;
        for (String t : chosen) {
            if (!TRANSPORTS.contains(t)) {
                throw new ParameterException(spec.commandLine(), "unknown transport '" + t + "': choose from "
                        + String.join(", ", TRANSPORTS));
            }
        }
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw new ParameterException(spec.commandLine(), "--size must be between " + MIN_SIZE + " and "
                    + MAX_SIZE + ", not " + size);
        }
        PrintWriter out = spec.commandLine().getOut();
        Report.paragraph(out, """
                Channels: one method, written once against MessageChannel, sends a message and \
                receives it at the other end, over each transport in turn. Only the address \
                changes: shm:/name, mq:/name, a pipe pair, unix:/path, tcp://host:port.""");
        out.println(String.format(Locale.ROOT, "  %-5s %-17s %s", "", "delivered", "address"));
        for (String t : chosen) {
            String address = deliver(t);
            out.println(String.format(Locale.ROOT, "  %-5s %-17s %s", t, size + " bytes, whole", address));
            out.flush();
        }
        out.println();
        Report.paragraph(out, "What the API adds over the mechanism underneath, for every transport: an "
                + "argument check and a count of the threads inside, so that close is safe at any moment; and:");
        for (String t : chosen) {
            Report.item(out, String.format(Locale.ROOT, "  %-4s", t), "over " + RAW.get(t)[1] + ": " + ADDS.get(t));
        }
        out.println();
        String command = benchCommand(chosen);
        Report.paragraph(out, "What that costs is measured by the benchmark harness, with real processes on both "
                + "sides, warm-up, rounds and the cache-line probe that tells a busy machine from a slow API; each "
                + "chan- row sits next to its raw transport, with the ratio of the two:");
        // Two lines, so that it fits the terminal; a shell joins them again.
        int cut = command.indexOf(" --sizes ");
        out.println("  " + command.substring(0, cut) + " \\");
        out.println("      " + command.substring(cut + 1));
        out.println();
        out.flush();
        summary = "one API over " + String.join(", ", chosen);
        if (measure) {
            return runBench(command, out);
        }
        return 0;
    }

    /** {@return the bench command that measures the chosen channels next to their raw transports} */
    String benchCommand(List<String> chosen) {
        List<String> rows = new ArrayList<>();
        for (String t : chosen) {
            rows.add(RAW.get(t)[0]);
            rows.add("chan-" + t);
        }
        // "channels": the harness's name for every chan- row with its raw transport.
        String list = chosen.equals(TRANSPORTS) ? "channels" : String.join(",", rows);
        return "./jipc bench --transports " + list + " --impl java --metrics rtt --sizes " + size + " --startup-runs 0";
    }

    // ---------------------------------------------------------------- the one method, over each address

    /** Sends one message from one end to the other over {@code transport}. {@return the address used} */
    private String deliver(String transport) throws Exception {
        ChannelOptions options = ChannelOptions.defaults().maxMessageSize(size);
        try (DemoRun run = DemoRun.create("channels-" + transport, 0)) {
            switch (transport) {
                case "shm", "mq" -> {
                    IpcKind kind = transport.equals("shm") ? IpcKind.SHM : IpcKind.QUEUE;
                    String name = run.name("in");
                    String address = transport + ":" + name;
                    try (MessageChannel in = run.own(kind, name, () -> bind(address, options));
                         MessageChannel out = Channels.connect(address)) {
                        sendAndReceive(out, in);
                        return address;
                    }
                }
                case "pipe" -> {
                    try (ChannelPair pair = Channels.pipe(options)) {
                        // Where a child would connect; here another end in this process takes it.
                        String far = ChannelPair.peerAddress(pair.peerReadFd(), pair.peerWriteFd()).toString();
                        try (MessageChannel end = pair.peerChannel()) {
                            sendAndReceive(pair.channel(), end);
                        }
                        return "Channels.pipe(), far end " + far;
                    }
                }
                default -> {
                    Path dir = transport.equals("unix") ? Files.createTempDirectory("jipc-") : null;
                    try (MessageChannel in = Channels.bind(dir != null ? "unix:" + dir.resolve("in.sock") : "tcp://:0",
                            options); MessageChannel out = Channels.connect(in.address().toString())) {
                        sendAndReceive(out, in);
                        return in.address().toString();
                    } finally {
                        if (dir != null) {
                            Files.deleteIfExists(dir.resolve("in.sock"));
                            Files.delete(dir);
                        }
                    }
                }
            }
        }
    }

    /** The lesson's one piece of code: the same for every transport. */
    private void sendAndReceive(MessageChannel out, MessageChannel in) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(size);
            message.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42);
            out.send(message);
            long[] got = new long[2];
            if (!in.receive(m -> {
                got[0] = m.byteSize();
                got[1] = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            }, SAFETY_TIMEOUT)) {
                throw new Failure("the message did not arrive within " + SAFETY_TIMEOUT.toSeconds() + " s");
            }
            if (got[0] != size || got[1] != 42) {
                throw new Failure("sent " + size + " bytes starting with 42, received " + got[0] + " starting with "
                        + got[1]);
            }
        }
    }

    /** Bind for {@link DemoRun#own}, whose maker may throw only what a named object's creation throws. */
    private static MessageChannel bind(String address, ChannelOptions options) throws IpcException {
        try {
            return Channels.bind(address, options);
        } catch (IpcException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- the measurement, by the harness

    /** Runs {@code command} with the repository's launcher, its output on this terminal. */
    private static int runBench(String command, PrintWriter out) throws Exception {
        Path launcher = launcher();
        if (launcher == null) {
            throw new Failure("--measure needs the repository's ./jipc launcher, and this jipc runs from elsewhere: "
                    + "run the command above in a clone of jipc");
        }
        List<String> argv = new ArrayList<>(List.of(command.substring("./jipc ".length()).split(" ")));
        argv.addFirst(launcher.toString());
        out.flush();
        Process p = new ProcessBuilder(argv).inheritIO().start();
        try {
            return p.waitFor();
        } finally {
            p.destroy();
        }
    }

    /** {@return the ./jipc beside the cli/ this class was loaded from, or null} */
    private static Path launcher() throws URISyntaxException {
        Path here = Path.of(ChannelsDemo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("jipc")) && Files.isExecutable(dir.resolve("bench/run"))) {
                return dir.resolve("jipc");
            }
        }
        return null;
    }
}
