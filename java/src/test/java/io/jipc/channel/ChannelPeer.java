package io.jipc.channel;

import io.jipc.pipe.Pipe;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Entry point of the child JVMs the channel tests spawn: {@code ChannelPeer <scenario> <address> args...}.
 * It uses only the public API, except in the {@code raw} scenario, which plays a peer that
 * misbehaves on the wire. If the parent mapped descriptor {@value #READY_FD} (a pipe's write
 * end), the peer writes one byte to it when it has reached the state the test waits for.
 * Exit code 0 means the scenario ran as expected.
 */
public final class ChannelPeer {
    /** Where a child signals "ready", if the parent mapped it. */
    static final int READY_FD = 5;
    /** The descriptors a pipe peer gets its ends as. */
    static final int PIPE_READ_FD = 3;
    static final int PIPE_WRITE_FD = 4;

    private ChannelPeer() {
    }

    public static void main(String[] args) throws Exception {
        String address = args[1];
        switch (args[0]) {
            case "send" -> send(address, Integer.parseInt(args[2]));
            case "client-tagged" -> System.exit(clientTagged(address, args[2], Integer.parseInt(args[3])));
            case "client-echo" -> System.exit(clientEcho(address, Integer.parseInt(args[2]),
                    options(args.length > 3 ? args[3] : null)));
            case "expect-denied" -> System.exit(expectDenied(address, options(args.length > 2 ? args[2] : null)));
            case "crash-after" -> crashAfter(address, Integer.parseInt(args[2]));
            case "raw" -> System.exit(raw(address, HexFormat.of().parseHex(args[2]), args[3]));
            case "serve-echo" -> serveEcho(address, args[2], Integer.parseInt(args[3]),
                    options(args.length > 4 ? args[4] : null));
            case "expect-refused" -> System.exit(expectRefused(address));
            default -> {
                System.err.println("unknown scenario " + args[0]);
                System.exit(64);
            }
        }
    }

    /** Sends messages 0..count-1 and closes. */
    private static void send(String address, int count) throws IOException {
        try (MessageChannel c = Channels.connect(address)) {
            for (int i = 0; i < count; i++) {
                c.send(Messages.message(i, c.maxMessageSize()));
            }
        }
    }

    /** The default options, with the secret whose hex is {@code secretHex} if not null. */
    static ChannelOptions options(String secretHex) {
        ChannelOptions o = ChannelOptions.defaults();
        return secretHex == null ? o : o.secret(HexFormat.of().parseHex(secretHex));
    }

    /** {@return 0 if connecting is refused with PERMISSION_DENIED, 1 if it connects, 2 if it fails otherwise} */
    private static int expectDenied(String address, ChannelOptions options) {
        try (MessageChannel c = Channels.connect(address, options)) {
            System.err.println("connected to " + c.address() + ", which should have refused this end");
            return 1;
        } catch (io.jipc.IpcException e) {
            System.err.println("refused: " + e.getMessage());
            return e.reason() == io.jipc.IpcException.Reason.PERMISSION_DENIED ? 0 : 2;
        } catch (IOException e) {
            return 3;
        }
    }

    /**
     * Sends {@code count} requests "TAG i" and expects each reply to be "TAG i" too, within 30 s.
     * {@return 0 if every reply was this client's own, 1 if one was another's, 2 if one was missing}
     */
    private static int clientTagged(String address, String tag, int count) throws IOException {
        try (MessageChannel c = Channels.connect(address); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(c.maxMessageSize());
            for (int i = 0; i < count; i++) {
                String request = tag + " " + i;
                c.send(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                int n = c.receive(buffer, java.time.Duration.ofSeconds(30));
                if (n == MessageChannel.NOTHING) {
                    System.err.println(tag + ": no reply to " + request);
                    return 2;
                }
                String reply = new String(buffer.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                        java.nio.charset.StandardCharsets.US_ASCII);
                if (!reply.equals(request)) {
                    System.err.println(tag + ": asked " + request + ", got " + reply);
                    return 1;
                }
            }
        }
        return 0;
    }

    /** Sends each message and checks the reply is its reverse. {@return 0 if every reply was right} */
    private static int clientEcho(String address, int count, ChannelOptions options) throws IOException {
        try (MessageChannel c = Channels.connect(address, options); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(c.maxMessageSize());
            for (int i = 0; i < count; i++) {
                c.send(Messages.message(i, c.maxMessageSize()));
                int n = c.receive(buffer);
                byte[] expected = Messages.reply(i, c.maxMessageSize());
                if (!Messages.equal(expected, buffer, n)) {
                    System.err.println("reply " + i + ": " + Messages.describe(expected, buffer, n));
                    return 1;
                }
            }
        }
        return 0;
    }

    /**
     * Binds {@code address} and {@code alsoBind}, says it is ready, then answers {@code count}
     * messages on the first with their reverse ({@link #clientEcho} checks them).
     */
    private static void serveEcho(String address, String alsoBind, int count, ChannelOptions options)
            throws IOException {
        try (MessageChannel server = Channels.bind(address, options); MessageChannel other = Channels.bind(alsoBind);
             Arena arena = Arena.ofConfined()) {
            ready();
            MemorySegment buffer = arena.allocate(server.maxMessageSize());
            Peer from = new Peer();
            for (int i = 0; i < count; i++) {
                int n = server.receive(buffer, from);
                byte[] reversed = buffer.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                for (int l = 0, r = n - 1; l < r; l++, r--) {
                    byte t = reversed[l];
                    reversed[l] = reversed[r];
                    reversed[r] = t;
                }
                from.send(reversed);
            }
        }
    }

    /** {@return 0 if connecting fails because nothing listens there, 1 if it connects} */
    private static int expectRefused(String address) {
        try (MessageChannel c = Channels.connect(address)) {
            System.err.println("connected to " + c.address() + ", which should be unreachable");
            return 1;
        } catch (io.jipc.IpcException e) {
            System.err.println("refused as expected: " + e.getMessage());
            return e.reason() == io.jipc.IpcException.Reason.DOES_NOT_EXIST ? 0 : 2;
        } catch (IOException e) {
            return 3;
        }
    }

    /** Sends {@code count} whole messages, says it is ready, and waits to be killed. */
    private static void crashAfter(String address, int count) throws Exception {
        MessageChannel c = Channels.connect(address);
        for (int i = 0; i < count; i++) {
            c.send(Messages.message(i, c.maxMessageSize()));
        }
        ready();
        Thread.sleep(Long.MAX_VALUE);
    }

    /**
     * Plays a peer on the wire: reads the other side's hello, writes {@code bytes} (its own
     * hello and whatever the test wants), says it is ready, then {@code then}: "close" exits,
     * "hang" waits to be killed, "await-drop" waits for the other side to drop the connection.
     * {@return 0 as expected, 2 if the other side's hello was wrong, 3 if it did not drop us}
     */
    private static int raw(String address, byte[] bytes, String then) throws Exception {
        ReadableByteChannel in;
        WritableByteChannel out;
        URI uri = URI.create(address);
        if (uri.getScheme().equals("pipe")) {
            in = Pipe.ReadEnd.adopt(PIPE_READ_FD);
            out = Pipe.WriteEnd.adopt(PIPE_WRITE_FD);
        } else {
            SocketChannel s = uri.getScheme().equals("unix")
                    ? SocketChannel.open(UnixDomainSocketAddress.of(Path.of(uri.getPath())))
                    : SocketChannel.open(new InetSocketAddress(uri.getHost(), uri.getPort()));
            in = s;
            out = s;
        }
        ByteBuffer hello = ByteBuffer.allocate(FrameDescriptor.HELLO_LENGTH);
        while (hello.hasRemaining()) {
            if (in.read(hello) < 0) {
                return 2;
            }
        }
        if (FrameDescriptor.checkHello(hello, 0) != null) {
            return 2;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            out.write(b);
        }
        ready();
        switch (then) {
            case "hang" -> Thread.sleep(Long.MAX_VALUE);
            case "await-drop" -> {
                // The other side must drop us: our reads then see end of stream (or a reset).
                ByteBuffer sink = ByteBuffer.allocate(4096);
                long end = System.nanoTime() + 20_000_000_000L;
                while (System.nanoTime() < end) {
                    try {
                        if (in.read(sink.clear()) < 0) {
                            return 0;
                        }
                    } catch (IOException reset) {
                        return 0;
                    }
                }
                return 3;
            }
            default -> {
            }
        }
        in.close();
        out.close();
        return 0;
    }

    private static void ready() throws IOException {
        try {
            Pipe.WriteEnd w = Pipe.WriteEnd.adopt(READY_FD);
            w.write(ByteBuffer.wrap(new byte[] {'r'}));
            w.close();
        } catch (IllegalArgumentException | IOException e) {
            // Not mapped: nobody waits for the signal.
        }
    }

    /** For tests: the hex of a valid hello announcing {@code max}. */
    static String helloHex(int max) {
        ByteBuffer b = ByteBuffer.allocate(FrameDescriptor.HELLO_LENGTH);
        FrameDescriptor.putHello(b, max);
        return HexFormat.of().formatHex(b.array());
    }

    /** For tests: the hex of a frame header announcing {@code length} (an unsigned 32-bit value). */
    static String headerHex(long length) {
        return HexFormat.of().formatHex(ByteBuffer.allocate(4).putInt((int) length).array());
    }
}
