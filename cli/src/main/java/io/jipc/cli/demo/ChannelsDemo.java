package io.jipc.cli.demo;

import io.jipc.IpcException;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.ChannelPair;
import io.jipc.channel.Channels;
import io.jipc.channel.MessageChannel;
import io.jipc.channel.MessageHandler;
import io.jipc.channel.Peer;
import io.jipc.cli.Failure;
import io.jipc.cli.Report;
import io.jipc.cli.objects.IpcKind;
import io.jipc.mq.MessageQueue;
import io.jipc.mq.Received;
import io.jipc.pipe.Pipe;
import io.jipc.ring.RecordHandler;
import io.jipc.ring.RingDescriptor;
import io.jipc.ring.SpscRing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jipc demo channels}: one ping-pong, written once against {@link MessageChannel},
 * run over every transport in turn (shm, mq, pipe, unix, tcp), each next to the same
 * ping-pong on the raw mechanism underneath (a pair of {@link SpscRing}s, of message queues,
 * of pipes, a JDK {@link SocketChannel}), so the difference is what the channel API costs.
 * The echoing side is a worker JVM ({@link Echo}); public API only on both sides.
 */
@Command(name = "channels",
        mixinStandardHelpOptions = true,
        description = "The same ping-pong through the channel API over each transport (shm, mq, pipe, unix, "
                + "tcp), each next to the raw mechanism underneath: what the API costs.")
public final class ChannelsDemo implements Callable<Integer>, Lesson {
    /** Every transport, in the order of the table: fastest mechanism first. */
    static final List<String> TRANSPORTS = List.of("shm", "mq", "pipe", "unix", "tcp");
    private static final int MIN_SIZE = Long.BYTES;
    /** Below the default message size limit of message queues (msgsize_max, 8192). */
    private static final int MAX_SIZE = 4096;
    /** Far more than a round trip takes: only a broken run waits this long. */
    static final Duration SAFETY_TIMEOUT = Duration.ofSeconds(30);
    /** The pipe ends an echo worker gets: read, then write. */
    private static final int WORKER_READ_FD = 3;
    private static final int WORKER_WRITE_FD = 4;

    @Parameters(arity = "0..*", paramLabel = "TRANSPORT",
            description = "transports to measure, of shm, mq, pipe, unix, tcp (default: all, in that order)")
    private List<String> transports = new ArrayList<>();

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "64",
            description = "message size, " + MIN_SIZE + " to " + MAX_SIZE + " bytes (default: ${DEFAULT-VALUE})")
    private int size;

    @Mixin
    private RoundTripOptions roundTrips;

    @Spec
    private CommandSpec spec;

    private String summary = "";

    @Override
    public String summary() {
        return summary;
    }

    /** One line of the table. */
    private record Row(String transport, RoundTrips api, RoundTrips raw, String rawName) {
        double ratio() {
            return (double) api.median() / raw.median();
        }
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
        int warmUp = roundTrips.warmUp();
        int count = roundTrips.roundTrips();
        PrintWriter out = spec.commandLine().getOut();
        Report.paragraph(out, """
                Channels: one ping-pong, written once against MessageChannel, runs over each \
                transport in turn; a worker JVM echoes every message back. Next to it, the \
                same ping-pong on the raw mechanism underneath, without the channel API. \
                Only the address changes: shm:/name, mq:/name, a pipe pair, unix:/path, \
                tcp://host:port.""");
        out.println(String.format(Locale.ROOT, "  %d-byte messages; median of %s round trips, after %s to warm up",
                size, Report.grouped(count), Report.grouped(warmUp)));
        out.println();
        out.println(String.format(Locale.ROOT, "  %-9s %12s %12s   %-21s %7s", "transport", "channel API", "raw",
                "raw mechanism", "API/raw"));
        out.flush();
        List<Row> rows = new ArrayList<>();
        for (String t : chosen) {
            RoundTrips api = channel(t, warmUp, count);
            RoundTrips raw = raw(t, warmUp, count);
            Row row = new Row(t, api, raw, rawName(t));
            rows.add(row);
            out.println(String.format(Locale.ROOT, "  %-9s %9.1f us %9.1f us   %-21s %7.2f", t, api.median() / 1e3,
                    raw.median() / 1e3, row.rawName(), row.ratio()));
            out.flush();
        }
        out.println();
        summary = summarize(rows);
        Report.paragraph(out, """
                What the API adds, for every transport: an argument check and a count of \
                the threads inside, so that close is safe at any moment. For shm, a look at \
                the receiver's closed mark before each claim. For mq, waits cut into 50 ms \
                slices, so that a close is noticed. For the streams (pipe, unix, tcp), a \
                4-byte length before each message and a buffer that cuts the stream back \
                into messages, so that each arrives whole, never merged or split; and at a \
                bound socket end, turns among its connections. The ratio shows what that costs next to the \
                mechanism's own work; on a busy machine, run it twice.""");
        return 0;
    }

    /** {@return the medians through the API, short enough for the tour's summary table} */
    private static String summarize(List<Row> rows) {
        StringBuilder s = new StringBuilder();
        for (Row r : rows) {
            s.append(s.isEmpty() ? "" : ", ").append(r.transport()).append(' ')
                    .append(String.format(Locale.ROOT, r.api().median() < 100_000 ? "%.1f" : "%.0f",
                            r.api().median() / 1e3));
        }
        String full = s + " us a round trip";
        return full.length() <= 58 ? full : s + " us";
    }

    private static String rawName(String transport) {
        return switch (transport) {
            case "shm" -> "two SpscRings";
            case "mq" -> "two MessageQueues";
            case "pipe" -> "two Pipes";
            case "unix" -> "SocketChannel (unix)";
            default -> "SocketChannel (TCP)";
        };
    }

    // ---------------------------------------------------------------- through the channel API

    /** Round trips through {@link MessageChannel}s over {@code transport}; the worker echoes. */
    private RoundTrips channel(String transport, int warmUp, int count) throws Exception {
        ChannelOptions options = ChannelOptions.defaults().maxMessageSize(size);
        String total = Integer.toString(warmUp + count);
        String sizeArg = Integer.toString(size);
        try (DemoRun run = DemoRun.create("channels-" + transport, 0)) {
            switch (transport) {
                case "shm", "mq" -> {
                    // One-way transports: each side binds the channel it receives from.
                    IpcKind kind = transport.equals("shm") ? IpcKind.SHM : IpcKind.QUEUE;
                    String back = transport + ":" + run.name("back");
                    String there = transport + ":" + run.name("out");
                    try (MessageChannel replies = run.own(kind, run.name("back"), () -> bind(back, options))) {
                        // Bound by the worker; owned here so that a Ctrl-C removes it too.
                        run.<Void>own(kind, run.name("out"), () -> null);
                        run.spawn(1, Echo.class, "channel-oneway", there, back, sizeArg, total);
                        run.openGate();
                        try (MessageChannel requests = Channels.connect(there)) {
                            return pingPong(run, requests::send, replies, warmUp, count);
                        }
                    }
                }
                case "pipe" -> {
                    try (ChannelPair pair = Channels.pipe(options)) {
                        run.spawn(1, Echo.class, s -> s.mapDescriptor(WORKER_READ_FD, pair.peerReadFd())
                                        .mapDescriptor(WORKER_WRITE_FD, pair.peerWriteFd()), "channel",
                                "pipe:read=" + WORKER_READ_FD + ",write=" + WORKER_WRITE_FD, sizeArg, total);
                        pair.closePeer();
                        run.openGate();
                        return pingPong(run, pair.channel()::send, pair.channel(), warmUp, count);
                    }
                }
                default -> {
                    Path dir = transport.equals("unix") ? socketDirectory() : null;
                    String address = dir != null ? "unix:" + dir.resolve("channel.sock") : "tcp://:0";
                    try (MessageChannel server = Channels.bind(address, options)) {
                        run.spawn(1, Echo.class, "channel", server.address().toString(), sizeArg, total);
                        run.openGate();
                        // A bound end replies through the Peer of a message: the worker's first one names it.
                        Peer worker = new Peer();
                        if (!server.receive(m -> { }, worker, SAFETY_TIMEOUT)) {
                            throw new Failure("the echo worker did not say hello within "
                                    + SAFETY_TIMEOUT.toSeconds() + " s");
                        }
                        return pingPong(run, worker::send, server, warmUp, count);
                    } finally {
                        removeDirectory(dir);
                    }
                }
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

    /**
     * The parent's half of the ping-pong, the same for every transport: send a message that
     * starts with its sequence number, receive the echo in place, check the number.
     */
    private RoundTrips pingPong(DemoRun run, Sender out, MessageChannel in, int warmUp, int count)
            throws Exception {
        RoundTrips measured;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ping = arena.allocate(size);
            long[] echoed = new long[2];
            MessageHandler check = m -> {
                echoed[0] = m.byteSize();
                echoed[1] = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            };
            measured = RoundTrips.measure(warmUp, count, i -> {
                ping.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                out.send(ping);
                if (!in.receive(check, SAFETY_TIMEOUT)) {
                    throw new Failure("the echo worker did not answer within " + SAFETY_TIMEOUT.toSeconds() + " s");
                }
                checkEcho(i, echoed[0], echoed[1]);
            });
        }
        run.finish();
        return measured;
    }

    /** Where the parent's pings go: a channel's send, or a bound end's Peer's. */
    @FunctionalInterface
    private interface Sender {
        void send(MemorySegment message) throws IOException;
    }

    private void checkEcho(long sent, long length, long got) {
        if (length != size || got != sent) {
            throw new Failure("sent message " + sent + " (" + size + " bytes), got " + length + " bytes numbered "
                    + got + " back");
        }
    }

    // ---------------------------------------------------------------- through the raw mechanisms

    /** Round trips through the mechanism under {@code transport}, without the channel API. */
    private RoundTrips raw(String transport, int warmUp, int count) throws Exception {
        String total = Integer.toString(warmUp + count);
        String sizeArg = Integer.toString(size);
        return switch (transport) {
            case "shm" -> rawRings(warmUp, count);
            case "mq" -> {
                try (DemoRun run = DemoRun.create("channels-mq-raw", 0)) {
                    String outName = run.name("out");
                    String backName = run.name("back");
                    try (MessageQueue out = run.own(IpcKind.QUEUE, outName, () -> MessageQueue.create(outName,
                                 8, size));
                         MessageQueue back = run.own(IpcKind.QUEUE, backName, () -> MessageQueue.create(backName,
                                 8, size));
                         Arena arena = Arena.ofConfined()) {
                        run.spawn(1, Echo.class, "raw-mq", outName, backName, total);
                        run.openGate();
                        MemorySegment ping = arena.allocate(size);
                        MemorySegment pong = arena.allocate(size);
                        RoundTrips r = RoundTrips.measure(warmUp, count, i -> {
                            ping.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                            out.send(ping, 0);
                            long got = back.receive(pong, SAFETY_TIMEOUT);
                            if (got == Received.NOTHING) {
                                throw new Failure("the echo worker did not answer within "
                                        + SAFETY_TIMEOUT.toSeconds() + " s");
                            }
                            checkEcho(i, Received.length(got), pong.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                        });
                        run.finish();
                        yield r;
                    }
                }
            }
            case "pipe" -> {
                try (DemoRun run = DemoRun.create("channels-pipe-raw", 0);
                     Pipe ping = Pipe.open(); Pipe pong = Pipe.open(); Arena arena = Arena.ofConfined()) {
                    run.spawn(1, Echo.class, s -> s.mapDescriptor(WORKER_READ_FD, ping.readEnd().fd())
                            .mapDescriptor(WORKER_WRITE_FD, pong.writeEnd().fd()), "raw-pipe", sizeArg, total);
                    ping.readEnd().close();
                    pong.writeEnd().close();
                    run.openGate();
                    MemorySegment message = arena.allocate(size);
                    MemorySegment echoed = arena.allocate(size);
                    RoundTrips r = RoundTrips.measure(warmUp, count, i -> {
                        message.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                        ping.writeEnd().write(message);
                        readFully(pong.readEnd(), echoed);
                        checkEcho(i, size, echoed.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                    });
                    run.finish();
                    yield r;
                }
            }
            default -> rawSockets(transport.equals("unix"), warmUp, count);
        };
    }

    /** Two SPSC rings in the run's segment: one each way. */
    private RoundTrips rawRings(int warmUp, int count) throws Exception {
        int capacity = ringCapacity(size);
        long stride = ringStride(capacity);
        try (DemoRun run = DemoRun.create("channels-shm-raw", 2 * stride)) {
            SpscRing out = SpscRing.create(run.data().asSlice(0, stride), capacity);
            SpscRing back = SpscRing.create(run.data().asSlice(stride, stride), capacity);
            run.spawn(1, Echo.class, "raw-ring", Long.toString(stride), Integer.toString(warmUp + count));
            run.openGate();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ping = arena.allocate(size);
                long[] echoed = new long[2];
                RecordHandler check = (type, m) -> {
                    echoed[0] = m.byteSize();
                    echoed[1] = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                };
                RoundTrips r = RoundTrips.measure(warmUp, count, i -> {
                    ping.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                    out.put(ping);
                    if (back.read(check, 1, SAFETY_TIMEOUT) == 0) {
                        throw new Failure("the echo worker did not answer within " + SAFETY_TIMEOUT.toSeconds()
                                + " s");
                    }
                    checkEcho(i, echoed[0], echoed[1]);
                });
                run.finish();
                return r;
            }
        }
    }

    /** {@return a ring capacity whose largest message holds {@code size} bytes, and a few of them} */
    static int ringCapacity(int size) {
        int need = Math.max(1024, RingDescriptor.MAX_MESSAGE_DIVISOR * (size + Long.BYTES));
        return Integer.highestOneBit(need - 1) << 1;
    }

    /** {@return the bytes from one ring's region to the next: its length, on a fresh line pair} */
    static long ringStride(int capacity) {
        long line = RingDescriptor.REGION_LENGTH;
        return (RingDescriptor.regionLength(capacity) + line - 1) / line * line;
    }

    /** A JDK socket each way: a listener here, the worker connects. */
    private RoundTrips rawSockets(boolean unix, int warmUp, int count) throws Exception {
        Path dir = unix ? socketDirectory() : null;
        try (DemoRun run = DemoRun.create("channels-" + (unix ? "unix" : "tcp") + "-raw", 0);
             ServerSocketChannel server = ServerSocketChannel.open(unix ? StandardProtocolFamily.UNIX
                     : StandardProtocolFamily.INET)) {
            server.bind(unix ? UnixDomainSocketAddress.of(dir.resolve("raw.sock"))
                    : new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String where = unix ? "unix:" + dir.resolve("raw.sock")
                    : "tcp://127.0.0.1:" + ((InetSocketAddress) server.getLocalAddress()).getPort();
            run.spawn(1, Echo.class, "raw-socket", where, Integer.toString(size), Integer.toString(warmUp + count));
            run.openGate();
            try (SocketChannel s = server.accept()) {
                if (!unix) {
                    s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                ByteBuffer message = ByteBuffer.allocateDirect(size);
                ByteBuffer echoed = ByteBuffer.allocateDirect(size);
                RoundTrips r = RoundTrips.measure(warmUp, count, i -> {
                    writeFully(s, message.clear().putLong(0, i));
                    readFully(s, echoed.clear());
                    checkEcho(i, size, echoed.getLong(0));
                });
                run.finish();
                return r;
            }
        } finally {
            removeDirectory(dir);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A private directory for socket files; removed at exit even if Ctrl-C cuts the run short. */
    private static Path socketDirectory() throws IOException {
        Path dir = Files.createTempDirectory("jipc-demo-channels");
        dir.toFile().deleteOnExit();
        // Registered after the directory: deleted before it.
        dir.resolve("channel.sock").toFile().deleteOnExit();
        dir.resolve("raw.sock").toFile().deleteOnExit();
        return dir;
    }

    private static void removeDirectory(Path dir) throws IOException {
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("channel.sock"));
            Files.deleteIfExists(dir.resolve("raw.sock"));
            Files.deleteIfExists(dir);
        }
    }

    /** Blocking reads, as a plain pipe program does: a worker that dies closes its end, so this cannot hang. */
    private static void readFully(Pipe.ReadEnd in, MemorySegment into) throws IOException {
        for (long got = 0; got < into.byteSize(); ) {
            long n = in.read(into.asSlice(got));
            if (n < 0) {
                throw new EOFException("the other side closed its pipe");
            }
            got += n;
        }
    }

    private static void writeFully(SocketChannel s, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            s.write(b);
        }
    }

    private static void readFully(SocketChannel s, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (s.read(b) < 0) {
                throw new EOFException("the other side closed the connection");
            }
        }
    }

    // ---------------------------------------------------------------- the echo worker

    /**
     * The worker that echoes: {@code channel ADDRESS SIZE COUNT} connects (and says hello to
     * a bound socket end), {@code channel-oneway IN OUT SIZE COUNT} binds IN and connects to
     * OUT; both then run the same loop over {@link MessageChannel}. The {@code raw-…} scenarios
     * do the same on the mechanisms themselves.
     */
    public static final class Echo {
        private Echo() {
        }

        public static void main(String[] args) throws Exception {
            DemoRun.work(args, (data, index, rest) -> {
                long total = Long.parseLong(rest[rest.length - 1]);
                return switch (rest[0]) {
                    case "channel" -> {
                        MessageChannel c = Channels.connect(rest[1],
                                ChannelOptions.defaults().maxMessageSize(Integer.parseInt(rest[2])));
                        if (!rest[1].startsWith("pipe:")) {
                            c.send(new byte[0]);
                        }
                        yield () -> {
                            try (c) {
                                echo(c, c, total);
                            }
                        };
                    }
                    case "channel-oneway" -> {
                        MessageChannel in = Channels.bind(rest[1],
                                ChannelOptions.defaults().maxMessageSize(Integer.parseInt(rest[3])));
                        MessageChannel out = Channels.connect(rest[2]);
                        yield () -> {
                            try (in; out) {
                                echo(in, out, total);
                            }
                        };
                    }
                    case "raw-ring" -> {
                        long stride = Long.parseLong(rest[1]);
                        SpscRing in = SpscRing.attach(data.asSlice(0, stride));
                        SpscRing out = SpscRing.attach(data.asSlice(stride, stride));
                        yield () -> {
                            RecordHandler echo = (type, m) -> out.put(m);
                            for (long i = 0; i < total; i++) {
                                in.read(echo, 1);
                            }
                        };
                    }
                    case "raw-mq" -> {
                        MessageQueue in = MessageQueue.open(rest[1]);
                        MessageQueue out = MessageQueue.open(rest[2]);
                        yield () -> {
                            try (in; out; Arena arena = Arena.ofConfined()) {
                                MemorySegment buffer = arena.allocate(in.maxMessageSize());
                                for (long i = 0; i < total; i++) {
                                    long r = in.receive(buffer);
                                    out.send(buffer.asSlice(0, Received.length(r)), 0);
                                }
                            }
                        };
                    }
                    case "raw-pipe" -> {
                        int size = Integer.parseInt(rest[1]);
                        Pipe.ReadEnd in = Pipe.ReadEnd.adopt(WORKER_READ_FD);
                        Pipe.WriteEnd out = Pipe.WriteEnd.adopt(WORKER_WRITE_FD);
                        yield () -> {
                            try (in; out; Arena arena = Arena.ofConfined()) {
                                MemorySegment buffer = arena.allocate(size);
                                for (long i = 0; i < total; i++) {
                                    readFully(in, buffer);
                                    out.write(buffer);
                                }
                            }
                        };
                    }
                    case "raw-socket" -> {
                        URI uri = URI.create(rest[1]);
                        boolean unix = uri.getScheme().equals("unix");
                        SocketAddress address = unix ? UnixDomainSocketAddress.of(uri.getPath())
                                : new InetSocketAddress(uri.getHost(), uri.getPort());
                        SocketChannel s = SocketChannel.open(address);
                        if (!unix) {
                            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        }
                        ByteBuffer buffer = ByteBuffer.allocateDirect(Integer.parseInt(rest[2]));
                        yield () -> {
                            try (s) {
                                for (long i = 0; i < total; i++) {
                                    readFully(s, buffer.clear());
                                    writeFully(s, buffer.flip());
                                }
                            }
                        };
                    }
                    default -> throw new IllegalArgumentException("unknown echo " + rest[0]);
                };
            });
        }

        /** The worker's half of the ping-pong, the same for every transport: each message goes straight back. */
        static void echo(MessageChannel in, MessageChannel out, long total) throws IOException {
            MessageHandler back = m -> out.send(m);
            for (long i = 0; i < total; i++) {
                in.receive(back);
            }
        }
    }
}
