package io.jipc.cli.demo;

import io.jipc.IpcException;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.Channels;
import io.jipc.channel.MessageChannel;
import io.jipc.channel.MessageHandler;
import io.jipc.channel.Peer;
import io.jipc.cli.Failure;
import io.jipc.cli.Main;
import io.jipc.cli.Report;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code jipc demo remote}: a second machine on this one. Two network namespaces joined by a
 * veth pair ({@link NamespacePair}); a consumer JVM in one binds a TCP channel on its end of
 * the cable, a producer JVM in the other connects, sends a few messages and times round trips,
 * all through {@link MessageChannel}: the same code as between processes, over a network.
 * Needs root and the {@code ip} command.
 */
@Command(name = "remote",
        mixinStandardHelpOptions = true,
        description = "A second machine on this one: a consumer and a producer JVM in two network namespaces "
                + "joined by a virtual cable, talking TCP through the channel API. Needs root and ip (iproute2).")
public final class RemoteDemo implements Callable<Integer> {
    private static final int PORT = 7000;
    private static final int MAX_MESSAGES = 100;
    private static final int MESSAGE_SIZE = 64;
    /** Generous: on a busy two-core machine a JVM can take seconds to start. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(300);
    static final String LISTENING = "listening on ";
    /** Signal number of Ctrl-C on Linux. */
    private static final int SIGINT = 2;

    @Option(names = {"-m", "--messages"}, paramLabel = "N", defaultValue = "5",
            description = "messages the producer sends (and shows) before the round trips, 1 to " + MAX_MESSAGES
                    + " (default: ${DEFAULT-VALUE})")
    private int messages;

    @Option(names = "--transport", paramLabel = "T", defaultValue = "tcp",
            description = "tcp, or aeron: Aeron's reliable UDP through the jipc-aeron module (default: ${DEFAULT-VALUE})")
    private String transport;

    @Option(names = "--multicast", description = "with --transport aeron: one publisher, a subscriber in each "
            + "namespace, one multicast stream")
    private boolean multicast;

    @Mixin
    private RoundTripOptions roundTrips;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (messages < 1 || messages > MAX_MESSAGES) {
            throw new ParameterException(spec.commandLine(), "--messages must be between 1 and " + MAX_MESSAGES
                    + ", not " + messages);
        }
        boolean aeron = switch (transport) {
            case "tcp" -> false;
            case "aeron" -> true;
            default -> throw new ParameterException(spec.commandLine(), "--transport must be tcp or aeron, not "
                    + transport);
        };
        if (multicast && !aeron) {
            throw new ParameterException(spec.commandLine(), "--multicast needs --transport aeron");
        }
        int warmUp = roundTrips.warmUp();
        int count = roundTrips.roundTrips();
        String missing = NamespacePair.missing();
        if (missing != null) {
            throw new Failure(missing);
        }
        PrintWriter out = spec.commandLine().getOut();
        Report.paragraph(out, """
                Remote: a second machine on this one. A network namespace has its own \
                interfaces, addresses, routes and ports; a veth pair is a virtual cable \
                whose two ends can sit in two namespaces. A consumer JVM runs in one, a \
                producer JVM in the other, and they talk %s through the channel API, \
                exactly as across a real network.""".formatted(aeron ? "Aeron's reliable UDP" : "TCP"));
        Report.item(out, "  1.", "Two namespaces, a cable between them, an address at each end:");
        NamespacePair made;
        try (NamespacePair net = NamespacePair.create(ProcessHandle.current().pid(), out)) {
            made = net;
            out.println();
            Report.item(out, "  2.", "The routes in " + net.b() + ", the producer's machine: its own cable, "
                    + "and nothing beyond it.");
            for (String line : net.show("-n", net.b(), "route").strip().split("\n")) {
                out.println("       " + line.strip());
            }
            out.println();
            if (aeron) {
                AeronRemote.run(out, net, messages, warmUp, count, multicast);
            } else {
                String address = "tcp://" + net.addressA() + ":" + PORT;
                Report.item(out, "  3.", "The consumer binds " + address + " in " + net.a() + ": the address of "
                        + "its end of the cable, chosen explicitly (tcp://:" + PORT + " would listen on loopback "
                        + "only, which the other machine cannot reach). The producer connects from " + net.b() + ":");
                out.flush();
                run(out, net, address, warmUp, count);
            }
            out.println();
            Report.item(out, "  4.", "Both programs are done. Deleting the namespaces (the cable goes with them; "
                    + "a Ctrl-C at any point does the same):");
        }
        if (made.namespaces().contains(made.a()) || made.namespaces().contains(made.b())) {
            throw new Failure("ip netns list still shows " + made.a() + " or " + made.b());
        }
        out.println("  $ ip netns list: neither " + made.a() + " nor " + made.b() + " is left");
        out.println();
        Report.paragraph(out, """
                The code is the code of a channel between two processes of one machine; only \
                the address changed. What changed underneath: every message now crosses a \
                TCP/IP stack twice and a (virtual) network device, which the round trip shows \
                next to jipc demo channels.""");
        return 0;
    }

    /** Starts the consumer, then the producer; relays their output; checks that both succeed. */
    private void run(PrintWriter out, NamespacePair net, String address, int warmUp, int count)
            throws IpcException, InterruptedException {
        try (Pipe aOut = Pipe.open(); Pipe bOut = Pipe.open()) {
            ChildProcess consumer = net.startJava(net.a(), aOut.writeEnd(), Consumer.class, net.a(), address,
                    Integer.toString(messages), Integer.toString(warmUp + count));
            aOut.writeEnd().close();
            CountDownLatch listening = new CountDownLatch(1);
            Thread relayA = relay(out, "a", aOut.readEnd(), listening);
            awaitListening(listening, consumer);
            ChildProcess producer = net.startJava(net.b(), bOut.writeEnd(), Producer.class, net.b(), address,
                    Integer.toString(messages), Integer.toString(warmUp), Integer.toString(count));
            bOut.writeEnd().close();
            Thread relayB = relay(out, "b", bOut.readEnd(), null);
            ExitStatus p = finished("producer", producer);
            ExitStatus c = finished("consumer", consumer);
            relayA.join(RUN_TIMEOUT.toMillis());
            relayB.join(RUN_TIMEOUT.toMillis());
            if (interrupted(p) || interrupted(c)) {
                throw new Failure("interrupted");
            }
            if (!p.success() || !c.success()) {
                throw new Failure("the producer " + p + ", the consumer " + c + " (their errors are above)");
            }
        }
    }

    static void awaitListening(CountDownLatch listening, ChildProcess consumer) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!listening.await(50, TimeUnit.MILLISECONDS)) {
            Optional<ExitStatus> ended = consumer.exitStatus();
            if (ended.isPresent()) {
                throw new Failure(interrupted(ended.get()) ? "interrupted"
                        : "the consumer ended before it listened: " + ended.get());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new Failure("the consumer did not listen within " + START_TIMEOUT.toSeconds() + " s");
            }
        }
    }

    /** Ctrl-C reaches the whole process group: a JVM ends with 130, anything else with the signal. */
    static boolean interrupted(ExitStatus s) {
        return s.signal() == SIGINT || (s.exited() && s.code() == Main.EXIT_INTERRUPTED);
    }

    static ExitStatus finished(String who, ChildProcess child) throws InterruptedException {
        return child.waitFor(RUN_TIMEOUT).orElseThrow(() -> new Failure("the " + who + " did not finish within "
                + RUN_TIMEOUT.toSeconds() + " s"));
    }

    /** Copies a child's lines to {@code out} as {@code [ns] line}; counts {@code listening} down at its line. */
    static Thread relay(PrintWriter out, String ns, Pipe.ReadEnd in, CountDownLatch listening) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(java.nio.channels.Channels.newReader(in,
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (out) {
                        out.println("  [" + ns + "] " + line);
                        out.flush();
                    }
                    if (listening != null && line.startsWith(LISTENING)) {
                        listening.countDown();
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                // The pipe was closed under us: the run is being cleaned up.
            }
        }, "jipc-relay-" + ns);
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ---------------------------------------------------------------- the two machines

    /**
     * Runs in namespace "a": {@code Consumer NAMESPACE ADDRESS MESSAGES ROUND_TRIPS}. Binds the
     * address, acknowledges each message, then echoes the round trips.
     */
    public static final class Consumer {
        private Consumer() {
        }

        public static void main(String[] args) throws Exception {
            String ns = args[0];
            int messages = Integer.parseInt(args[2]);
            long roundTrips = Long.parseLong(args[3]);
            // A namespace pair of the demo's own: nobody else can reach the address, so no secret.
            try (MessageChannel server = Channels.bind(args[1], ChannelOptions.defaults().maxMessageSize(1024)
                    .insecure(true));
                 Arena arena = Arena.ofConfined()) {
                System.out.println("consumer, pid " + ProcessHandle.current().pid() + " in " + ns);
                System.out.println(LISTENING + server.address());
                System.out.flush();
                MemorySegment buffer = arena.allocate(server.maxMessageSize());
                // A bound socket end answers each message through its sender, the Peer the receive fills in.
                Peer from = new Peer();
                for (int i = 1; i <= messages; i++) {
                    int n = server.receive(buffer, from);
                    from.send(("ack " + i + " from a: " + n + " bytes arrived").getBytes(StandardCharsets.UTF_8));
                }
                MessageHandler echo = from::send;
                for (long i = 0; i < roundTrips; i++) {
                    server.receive(echo, from);
                }
                System.out.println("acknowledged " + messages + " messages, echoed " + Report.grouped(roundTrips)
                        + " round trips");
            }
        }
    }

    /**
     * The producer's part of both remote demos: sends {@code messages} greetings on {@code out}
     * and prints each answer from {@code in}, then times {@code count} round trips of
     * {@value #MESSAGE_SIZE} bytes after {@code warmUp} untimed ones. {@code in} is {@code out}
     * for a two-way channel ({@code tcp:}), the producer's own bound channel for {@code aeron:}.
     */
    static void greetAndTime(MessageChannel out, MessageChannel in, Arena arena, int messages, int warmUp, int count)
            throws Exception {
        MemorySegment buffer = arena.allocate(in.maxMessageSize());
        for (int i = 1; i <= messages; i++) {
            String text = "hello " + i + " from b";
            out.send(text.getBytes(StandardCharsets.UTF_8)); // over aeron: waits for the subscription
            int n = in.receive(buffer);
            System.out.println("sent \"" + text + "\", reply \""
                    + new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8) + "\"");
        }
        MemorySegment ping = arena.allocate(MESSAGE_SIZE);
        long[] echoed = new long[1];
        MessageHandler check = m -> echoed[0] = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        RoundTrips measured = RoundTrips.measure(warmUp, count, i -> {
            ping.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
            out.send(ping);
            in.receive(check);
            if (echoed[0] != i) {
                throw new IllegalStateException("sent " + i + ", got " + echoed[0] + " back");
            }
        });
        System.out.println(String.format(Locale.ROOT, "%s round trips of %d bytes: median %.1f us, "
                + "90th percentile %.1f us", Report.grouped(count), MESSAGE_SIZE, measured.median() / 1e3,
                measured.percentile(90) / 1e3));
    }

    /**
     * Runs in namespace "b": {@code Producer NAMESPACE ADDRESS MESSAGES WARM_UP ROUND_TRIPS}.
     * Connects, sends the messages and prints each reply, then times the round trips.
     */
    public static final class Producer {
        private Producer() {
        }

        public static void main(String[] args) throws Exception {
            String ns = args[0];
            int messages = Integer.parseInt(args[2]);
            int warmUp = Integer.parseInt(args[3]);
            int count = Integer.parseInt(args[4]);
            try (MessageChannel c = Channels.connect(args[1]); Arena arena = Arena.ofConfined()) {
                System.out.println("producer, pid " + ProcessHandle.current().pid() + " in " + ns);
                System.out.println("connected to " + c.address());
                greetAndTime(c, c, arena, messages, warmUp, count);
            }
        }
    }
}
