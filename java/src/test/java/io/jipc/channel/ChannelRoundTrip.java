package io.jipc.channel;

import io.jipc.mq.MessageQueue;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Round trips between this JVM and a child JVM that echoes, per transport, through the
 * channel API and through the raw mechanism underneath (a {@link MessageQueue} pair, a
 * {@link Pipe} pair, a JDK {@link SocketChannel}), so the cost of the API is the difference.
 * Uses only public API: it is also the code behind a demo.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp java/target/test-classes:java/target/classes:bindings/target/classes \
 *      io.jipc.channel.ChannelRoundTrip [transport...] [--iterations N] [--warmup N] [--size BYTES]
 * </pre>
 *
 * Transports: mq, pipe, unix, tcp (default: all). Each line gives the median and other
 * percentiles of one ping-pong: send {@code size} bytes, wait for them to come back.
 */
public final class ChannelRoundTrip {
    private ChannelRoundTrip() {
    }

    /** The sorted round-trip times of one run. */
    public record Result(String transport, String path, int size, long[] nanos) {
        public double micros(double quantile) {
            return nanos[(int) Math.min(nanos.length - 1, Math.round(quantile * (nanos.length - 1)))] / 1e3;
        }

        @Override
        public String toString() {
            return String.format("%-5s %-8s %6d B  median %7.1f us  p10 %7.1f  p90 %7.1f  p99 %8.1f", transport, path,
                    size, micros(0.5), micros(0.1), micros(0.9), micros(0.99));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].startsWith("echo-")) {
            echoMain(args);
            return;
        }
        List<String> transports = new ArrayList<>();
        int iterations = 20_000;
        int warmUp = 20_000;
        int size = 64;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--warmup" -> warmUp = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                default -> transports.add(args[i]);
            }
        }
        if (transports.isEmpty()) {
            transports = List.of("mq", "pipe", "unix", "tcp");
        }
        System.out.printf("ping-pong with a child JVM, %d round trips after %d warm-up, %d-byte messages%n",
                iterations, warmUp, size);
        for (String t : transports) {
            Result api = channel(t, iterations, warmUp, size);
            Result raw = raw(t, iterations, warmUp, size);
            System.out.println(api);
            System.out.println(raw);
            System.out.printf("%-5s channel API / raw, medians: %.2f%n", t, api.micros(0.5) / raw.micros(0.5));
        }
    }

    // ---- through the channel API ----

    /** Round trips through {@link MessageChannel}s over {@code transport}. */
    public static Result channel(String transport, int iterations, int warmUp, int size) throws Exception {
        int total = iterations + warmUp;
        ChannelOptions options = ChannelOptions.defaults().maxMessageSize(Math.max(size, 64));
        switch (transport) {
            case "mq" -> {
                // A queue carries one way: each side binds the queue it receives from.
                String back = "/jipc-rt-" + ProcessHandle.current().pid() + "-back";
                String out = "/jipc-rt-" + ProcessHandle.current().pid() + "-out";
                try (MessageChannel replies = Channels.bind("mq:" + back, options);
                     ChildProcess child = Spawn.java(ChannelRoundTrip.class, "echo-mq", "mq:" + out, "mq:" + back,
                             Integer.toString(total)).start()) {
                    replies.receive(MemorySegment.ofArray(new byte[replies.maxMessageSize()]));
                    try (MessageChannel requests = Channels.connect("mq:" + out)) {
                        return measure(transport, requests, replies, iterations, warmUp, size, child);
                    }
                }
            }
            case "pipe" -> {
                try (ChannelPair pipes = Channels.pipe(options);
                     ChildProcess child = Spawn.java(ChannelRoundTrip.class, "echo-channel", "pipe:read=3,write=4",
                             Integer.toString(total)).mapDescriptor(3, pipes.peerReadFd())
                             .mapDescriptor(4, pipes.peerWriteFd()).start()) {
                    pipes.closePeer();
                    return measure(transport, pipes.channel(), pipes.channel(), iterations, warmUp, size, child);
                }
            }
            case "unix", "tcp" -> {
                Path dir = transport.equals("unix") ? Files.createTempDirectory("jipc-rt") : null;
                String address = dir != null ? "unix:" + dir.resolve("rt.sock") : "tcp://:0";
                try (MessageChannel server = Channels.bind(address, options);
                     ChildProcess child = Spawn.java(ChannelRoundTrip.class, "echo-channel",
                             server.address().toString(), Integer.toString(total)).start()) {
                    // The child's first message makes it the peer that the bound end's sends reply to.
                    server.receive(MemorySegment.ofArray(new byte[server.maxMessageSize()]));
                    return measure(transport, server, server, iterations, warmUp, size, child);
                } finally {
                    if (dir != null) {
                        Files.deleteIfExists(dir);
                    }
                }
            }
            default -> throw new IllegalArgumentException("transport must be mq, pipe, unix or tcp, not " + transport);
        }
    }

    private static Result measure(String transport, MessageChannel out, MessageChannel in, int iterations, int warmUp,
                                  int size, ChildProcess child) throws Exception {
        long[] nanos = new long[iterations];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ping = arena.allocate(size);
            MemorySegment pong = arena.allocate(in.maxMessageSize());
            for (int i = 0; i < warmUp + iterations; i++) {
                if (size >= 8) {
                    ping.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                }
                long t0 = System.nanoTime();
                out.send(ping);
                int n = in.receive(pong);
                long t1 = System.nanoTime();
                if (n != size || (size >= 8 && pong.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != i)) {
                    throw new IllegalStateException("round trip " + i + " came back as " + n + " bytes");
                }
                if (i >= warmUp) {
                    nanos[i - warmUp] = t1 - t0;
                }
            }
        }
        if (!child.waitFor().success()) {
            throw new IllegalStateException("the echoing child failed: " + child);
        }
        Arrays.sort(nanos);
        return new Result(transport, "channel", size, nanos);
    }

    // ---- through the raw mechanisms ----

    /** Round trips through the mechanism under {@code transport}, without the channel API. */
    public static Result raw(String transport, int iterations, int warmUp, int size) throws Exception {
        int total = iterations + warmUp;
        long[] nanos = new long[iterations];
        switch (transport) {
            case "mq" -> {
                String out = "/jipc-rt-raw-" + ProcessHandle.current().pid() + "-out";
                String back = "/jipc-rt-raw-" + ProcessHandle.current().pid() + "-back";
                int max = Math.max(size, 64);
                try (MessageQueue o = MessageQueue.create(out, 10, max); MessageQueue b = MessageQueue.create(back, 10, max);
                     Arena arena = Arena.ofConfined();
                     ChildProcess child = Spawn.java(ChannelRoundTrip.class, "echo-raw-mq", out, back,
                             Integer.toString(total)).start()) {
                    MemorySegment ping = arena.allocate(size);
                    MemorySegment pong = arena.allocate(max);
                    for (int i = 0; i < total; i++) {
                        long t0 = System.nanoTime();
                        o.send(ping, 0);
                        b.receive(pong);
                        long t1 = System.nanoTime();
                        if (i >= warmUp) {
                            nanos[i - warmUp] = t1 - t0;
                        }
                    }
                    check(child);
                } finally {
                    MessageQueue.unlink(out);
                    MessageQueue.unlink(back);
                }
            }
            case "pipe" -> {
                try (Pipe ping = Pipe.open(); Pipe pong = Pipe.open(); Arena arena = Arena.ofConfined();
                     ChildProcess child = Spawn.java(ChannelRoundTrip.class, "echo-raw-pipe", Integer.toString(size),
                             Integer.toString(total)).mapDescriptor(3, ping.readEnd().fd())
                             .mapDescriptor(4, pong.writeEnd().fd()).start()) {
                    ping.readEnd().close();
                    pong.writeEnd().close();
                    MemorySegment out = arena.allocate(size);
                    MemorySegment back = arena.allocate(size);
                    for (int i = 0; i < total; i++) {
                        long t0 = System.nanoTime();
                        ping.writeEnd().write(out);
                        for (long got = 0; got < size; ) {
                            long n = pong.readEnd().read(back.asSlice(got));
                            if (n < 0) {
                                throw new EOFException("echo child closed its pipe");
                            }
                            got += n;
                        }
                        long t1 = System.nanoTime();
                        if (i >= warmUp) {
                            nanos[i - warmUp] = t1 - t0;
                        }
                    }
                    check(child);
                }
            }
            case "unix", "tcp" -> {
                boolean unix = transport.equals("unix");
                Path dir = unix ? Files.createTempDirectory("jipc-rt") : null;
                SocketAddress address = unix ? UnixDomainSocketAddress.of(dir.resolve("raw.sock"))
                        : new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
                try (ServerSocketChannel server = ServerSocketChannel.open(unix ? StandardProtocolFamily.UNIX
                        : StandardProtocolFamily.INET)) {
                    server.bind(address);
                    String where = unix ? "unix:" + dir.resolve("raw.sock")
                            : "tcp://127.0.0.1:" + ((InetSocketAddress) server.getLocalAddress()).getPort();
                    try (ChildProcess child = Spawn.java(ChannelRoundTrip.class, "echo-raw-socket", where,
                            Integer.toString(size), Integer.toString(total)).start();
                         SocketChannel s = server.accept()) {
                        if (!unix) {
                            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        }
                        ByteBuffer out = ByteBuffer.allocateDirect(size);
                        ByteBuffer back = ByteBuffer.allocateDirect(size);
                        for (int i = 0; i < total; i++) {
                            long t0 = System.nanoTime();
                            writeFully(s, out.clear());
                            readFully(s, back.clear());
                            long t1 = System.nanoTime();
                            if (i >= warmUp) {
                                nanos[i - warmUp] = t1 - t0;
                            }
                        }
                        check(child);
                    }
                } finally {
                    if (dir != null) {
                        Files.deleteIfExists(dir.resolve("raw.sock"));
                        Files.deleteIfExists(dir);
                    }
                }
            }
            default -> throw new IllegalArgumentException("transport must be mq, pipe, unix or tcp, not " + transport);
        }
        Arrays.sort(nanos);
        return new Result(transport, "raw", size, nanos);
    }

    private static void check(ChildProcess child) throws InterruptedException {
        if (!child.waitFor().success()) {
            throw new IllegalStateException("the echoing child failed: " + child);
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
                throw new EOFException("the peer closed the connection");
            }
        }
    }

    // ---- the echoing child ----

    private static void echoMain(String[] args) throws Exception {
        switch (args[0]) {
            case "echo-channel" -> {
                int count = Integer.parseInt(args[2]);
                try (MessageChannel c = Channels.connect(args[1]); Arena arena = Arena.ofConfined()) {
                    if (!args[1].startsWith("pipe:")) {
                        c.send(new byte[0]); // hello for the bound end's replies
                    }
                    echo(c, c, count, arena);
                }
            }
            case "echo-mq" -> {
                int count = Integer.parseInt(args[3]);
                try (MessageChannel in = Channels.bind(args[1]); MessageChannel out = Channels.connect(args[2]);
                     Arena arena = Arena.ofConfined()) {
                    out.send(new byte[0]); // bound: the parent may connect
                    echo(in, out, count, arena);
                }
            }
            case "echo-raw-mq" -> {
                int count = Integer.parseInt(args[3]);
                try (MessageQueue in = MessageQueue.open(args[1]); MessageQueue out = MessageQueue.open(args[2]);
                     Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(in.maxMessageSize());
                    for (int i = 0; i < count; i++) {
                        long r = in.receive(buffer);
                        out.send(buffer.asSlice(0, io.jipc.mq.Received.length(r)), 0);
                    }
                }
            }
            case "echo-raw-pipe" -> {
                int size = Integer.parseInt(args[1]);
                int count = Integer.parseInt(args[2]);
                try (Pipe.ReadEnd in = Pipe.ReadEnd.adopt(3); Pipe.WriteEnd out = Pipe.WriteEnd.adopt(4);
                     Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(size);
                    for (int i = 0; i < count; i++) {
                        for (long got = 0; got < size; ) {
                            long n = in.read(buffer.asSlice(got));
                            if (n < 0) {
                                throw new EOFException("parent closed its pipe");
                            }
                            got += n;
                        }
                        out.write(buffer);
                    }
                }
            }
            case "echo-raw-socket" -> {
                int size = Integer.parseInt(args[2]);
                int count = Integer.parseInt(args[3]);
                java.net.URI uri = java.net.URI.create(args[1]);
                SocketAddress address = uri.getScheme().equals("unix")
                        ? UnixDomainSocketAddress.of(uri.getPath()) : new InetSocketAddress(uri.getHost(), uri.getPort());
                try (SocketChannel s = SocketChannel.open(address)) {
                    if (!uri.getScheme().equals("unix")) {
                        s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    }
                    ByteBuffer buffer = ByteBuffer.allocateDirect(size);
                    for (int i = 0; i < count; i++) {
                        readFully(s, buffer.clear());
                        writeFully(s, buffer.flip());
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown echo " + args[0]);
        }
    }

    private static void echo(MessageChannel in, MessageChannel out, int count, Arena arena) throws IOException {
        MemorySegment buffer = arena.allocate(in.maxMessageSize());
        for (int i = 0; i < count; i++) {
            int n = in.receive(buffer);
            out.send(buffer.asSlice(0, n));
        }
    }
}
