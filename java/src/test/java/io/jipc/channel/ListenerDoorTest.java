package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.posix.Procs;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The door of a bound stream end: what a stranger that connects can make it do. Raw JDK
 * sockets play the misbehaving peers, so that every byte on the wire is the test's choice.
 */
class ListenerDoorTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final java.util.concurrent.Executor VIRTUAL = r -> Thread.ofVirtual().start(r);
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        opened.add(c);
        return c;
    }

    private SocketChannel raw(MessageChannel listener) throws IOException {
        SocketChannel s = track(SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                listener.address().getPort())));
        return s;
    }

    private static ByteBuffer hello(int max) {
        ByteBuffer b = ByteBuffer.allocate(FrameDescriptor.HELLO_LENGTH);
        FrameDescriptor.putHello(b, max);
        return b.flip();
    }

    private static void readHello(SocketChannel s) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(FrameDescriptor.HELLO_LENGTH);
        while (b.hasRemaining()) {
            assertTrue(s.read(b) >= 0, "the listener greets first");
        }
    }

    /** {@return whether the listener closed {@code s} (end of stream or reset) within the time} */
    private static boolean closedByPeer(SocketChannel s, Duration within) throws Exception {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        // A thread of its own: the common pool has one thread on this machine.
        Thread reader = Thread.ofVirtual().start(() -> {
            ByteBuffer sink = ByteBuffer.allocate(4096);
            try {
                while (s.read(sink.clear()) >= 0) {
                    // Discard what comes until the end.
                }
                f.complete(true);
            } catch (IOException e) {
                f.complete(!(e instanceof java.nio.channels.ClosedChannelException));
            }
        });
        try {
            return f.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            s.close();
            reader.join();
            return false;
        }
    }

    /** Lets a bound end do its reading: receives with a short wait until {@code done}, asserting no message. */
    private static void pumpUntil(MessageChannel listener, java.util.function.BooleanSupplier done) throws Exception {
        long end = System.nanoTime() + LONG.toNanos();
        MemorySegment buffer = MemorySegment.ofArray(new byte[listener.maxMessageSize()]);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "in time");
            assertEquals(MessageChannel.NOTHING, listener.receive(buffer, Duration.ofMillis(50)));
        }
    }

    @Test
    @Timeout(120)
    void silentConnectionsAndAnnouncedFramesCostOnlyWhatArrived() throws Exception {
        SocketListenerChannel listener = (SocketListenerChannel) track(Channels.bind("tcp://:0",
                ChannelOptions.defaults().maxMessageSize(16 << 20).maxConnections(40)));
        // 16 peers announce 8 MiB each and send 9 bytes of it; 16 more are silent after their hello.
        List<SocketChannel> peers = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            SocketChannel s = raw(listener);
            readHello(s);
            ByteBuffer out = ByteBuffer.allocate(64).put(hello(16 << 20));
            if (i < 16) {
                out.putInt(8 << 20).put(new byte[9]);
            }
            s.write(out.flip());
            peers.add(s);
        }
        pumpUntil(listener, () -> listener.connectionCount() == 32);
        // The reads that took those bytes are done; what is held is what arrived, rounded to a small buffer.
        pumpUntil(listener, () -> listener.unfinishedBytes() >= 16L * FrameReader.INITIAL_CAPACITY);
        assertEquals(16L * FrameReader.INITIAL_CAPACITY, listener.unfinishedBytes(),
                "16 small buffers, nothing for the silent peers, nothing for the 8 MiB announced");
        assertEquals(0, listener.peersDropped());
    }

    @Test
    @Timeout(120)
    void aPeerPastTheUnfinishedMemoryCapIsDroppedAndCountedAndOthersGoOn() throws Exception {
        LinkedBlockingQueue<IpcException> drops = new LinkedBlockingQueue<>();
        MessageChannel listener = track(Channels.bind("tcp://:0", ChannelOptions.defaults()
                .maxMessageSize(1 << 20).maxUnfinishedBytes(256 * 1024).onPeerDropped(drops::add)));
        SocketChannel greedy = raw(listener);
        readHello(greedy);
        greedy.write(ByteBuffer.allocate(64).put(hello(1 << 20)).putInt(1 << 20).flip());
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        Thread writing = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < 8; i++) {
                    while (chunk.clear().hasRemaining()) {
                        greedy.write(chunk);
                    }
                }
            } catch (IOException dropped) {
                // The listener hung up on us: expected.
            }
        });
        pumpUntil(listener, () -> !drops.isEmpty());
        IpcException why = drops.poll();
        assertEquals(IpcException.Reason.LIMIT_EXCEEDED, why.reason(), why.getMessage());
        assertTrue(why.getMessage().contains("262144"), why.getMessage());
        assertEquals(1, listener.peersDropped());
        assertTrue(closedByPeer(greedy, LONG));
        writing.join(30_000);
        assertFalse(writing.isAlive());
        try (MessageChannel next = Channels.connect(listener.address(), ChannelOptions.defaults())) {
            next.send(new byte[] {4, 2});
            assertEquals(2, listener.receive(MemorySegment.ofArray(new byte[1 << 20]), LONG));
        }
    }

    @Test
    @Timeout(120)
    void connectionsOverTheLimitAreClosedAndOnesWithoutAHelloLeaveAtTheDeadline() throws Exception {
        LinkedBlockingQueue<IpcException> drops = new LinkedBlockingQueue<>();
        MessageChannel listener = track(Channels.bind("tcp://:0", ChannelOptions.defaults().maxConnections(3)
                .helloTimeout(Duration.ofMillis(500)).onPeerDropped(drops::add)));
        List<SocketChannel> silent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SocketChannel s = raw(listener);
            readHello(s);
            silent.add(s);
        }
        // A fourth while three say nothing: over the limit, closed at once.
        SocketChannel fourth = raw(listener);
        assertTrue(closedByPeer(fourth, LONG), "over the limit");
        IpcException limit = drops.poll(30, TimeUnit.SECONDS);
        assertNotNull(limit);
        assertEquals(IpcException.Reason.LIMIT_EXCEEDED, limit.reason(), limit.getMessage());
        // The three silent ones go at the hello deadline, with nobody receiving.
        for (SocketChannel s : silent) {
            assertTrue(closedByPeer(s, LONG), "no hello in time");
        }
        for (int i = 0; i < 3; i++) {
            IpcException late = drops.poll(30, TimeUnit.SECONDS);
            assertNotNull(late);
            assertTrue(late.getMessage().contains("no hello"), late.getMessage());
        }
        assertEquals(4, listener.peersDropped());
        // And the door is open again.
        try (MessageChannel ok = Channels.connect(listener.address(), ChannelOptions.defaults())) {
            ok.send(new byte[] {1});
            assertEquals(1, listener.receive(MemorySegment.ofArray(new byte[listener.maxMessageSize()]), LONG));
        }
    }

    @Test
    @Timeout(120)
    void aConnectingEndCapsWhatThePeerAnnouncesAndRefusesLongerFramesWithAnIpcException() throws Exception {
        try (ServerSocketChannel fake = ServerSocketChannel.open()) {
            fake.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) fake.getLocalAddress()).getPort();
            for (int announced : new int[] {512 << 20, Integer.MAX_VALUE}) {
                CompletableFuture<SocketChannel> served = CompletableFuture.supplyAsync(() -> {
                    try {
                        SocketChannel s = fake.accept();
                        s.write(hello(announced));
                        // A frame of 512 MiB announced, 8 bytes of it sent.
                        s.write(ByteBuffer.allocate(12).putInt(512 << 20).putLong(7).flip());
                        return s;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, VIRTUAL);
                try (MessageChannel c = Channels.connect("tcp://:" + port)) {
                    assertEquals(ChannelOptions.DEFAULT_MAX_MESSAGE_SIZE, c.maxMessageSize(),
                            "capped by this end's own maximum");
                    IpcException e = assertThrows(IpcException.class,
                            () -> c.receive(MemorySegment.ofArray(new byte[c.maxMessageSize()]), LONG));
                    assertEquals(IpcException.Reason.INVALID_ARGUMENT, e.reason(), e.getMessage());
                } finally {
                    served.get(30, TimeUnit.SECONDS).close();
                }
            }
        }
    }

    // ---- the secret ----

    @Test
    @Timeout(120)
    void theSecretNeverCrossesTheWireOnlyAProofBoundToBothNonces() throws Exception {
        byte[] secret = "a secret of 24 bytes....".getBytes(StandardCharsets.US_ASCII);
        try (ServerSocketChannel fake = ServerSocketChannel.open()) {
            fake.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) fake.getLocalAddress()).getPort();
            byte[] nonce = new byte[FrameDescriptor.NONCE_LENGTH];
            Arrays.fill(nonce, (byte) 0x5a);
            CompletableFuture<byte[]> seen = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel s = fake.accept()) {
                    ByteBuffer ours = ByteBuffer.allocate(FrameDescriptor.HELLO_LENGTH);
                    FrameDescriptor.putHello(ours, 1000, FrameDescriptor.FLAG_PROOF, nonce);
                    s.write(ours.flip());
                    ByteBuffer got = ByteBuffer.allocate(FrameDescriptor.HELLO_LENGTH + FrameDescriptor.PROOF_LENGTH);
                    while (got.hasRemaining() && s.read(got) >= 0) {
                        // Everything the client says before it needs our proof.
                    }
                    return got.array();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, VIRTUAL);
            IpcException e = assertThrows(IpcException.class, () -> Channels.connect("tcp://:" + port,
                    ChannelOptions.defaults().secret(secret).connectTimeout(Duration.ofSeconds(20))));
            assertEquals(IpcException.Reason.PERMISSION_DENIED, e.reason(), "no proof came back: " + e.getMessage());
            byte[] wire = seen.get(30, TimeUnit.SECONDS);
            assertFalse(contains(wire, Arrays.copyOf(secret, 8)), "no part of the secret on the wire");
            byte[] clientHello = Arrays.copyOf(wire, FrameDescriptor.HELLO_LENGTH);
            byte[] proof = Arrays.copyOfRange(wire, FrameDescriptor.HELLO_LENGTH, wire.length);
            ByteBuffer binderHello = ByteBuffer.allocate(FrameDescriptor.HELLO_LENGTH);
            FrameDescriptor.putHello(binderHello, 1000, FrameDescriptor.FLAG_PROOF, nonce);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update("jipc client proof".getBytes(StandardCharsets.US_ASCII));
            mac.update(binderHello.array());
            mac.update(clientHello);
            assertArrayEquals(mac.doFinal(), proof, "the proof is HMAC-SHA256 over the label and both hellos");
            byte[] clientNonce = Arrays.copyOfRange(clientHello, FrameDescriptor.NONCE_OFFSET,
                    FrameDescriptor.NONCE_OFFSET + FrameDescriptor.NONCE_LENGTH);
            assertFalse(Arrays.equals(new byte[FrameDescriptor.NONCE_LENGTH], clientNonce), "the client's nonce");
        }
    }

    @Test
    @Timeout(120)
    void withASecretOnlyPeersThatProveItGetInAndAPlainHelloIsDropped() throws Exception {
        byte[] secret = "another secret, 16+ bytes".getBytes(StandardCharsets.US_ASCII);
        LinkedBlockingQueue<IpcException> drops = new LinkedBlockingQueue<>();
        MessageChannel listener = track(Channels.bind("tcp://:0", ChannelOptions.defaults().secret(secret)
                .onPeerDropped(drops::add)));
        try (MessageChannel friend = Channels.connect(listener.address(), ChannelOptions.defaults().secret(secret))) {
            friend.send(new byte[] {9});
            assertEquals(1, listener.receive(MemorySegment.ofArray(new byte[listener.maxMessageSize()]), LONG));
        }
        byte[] wrong = secret.clone();
        wrong[0] ^= 1;
        IpcException denied = assertThrows(IpcException.class, () -> Channels.connect(listener.address(),
                ChannelOptions.defaults().secret(wrong)));
        assertEquals(IpcException.Reason.PERMISSION_DENIED, denied.reason(), denied.getMessage());
        IpcException none = assertThrows(IpcException.class, () -> Channels.connect(listener.address(), ChannelOptions.defaults()));
        assertEquals(IpcException.Reason.PERMISSION_DENIED, none.reason(), none.getMessage());
        // A raw peer that says a plain hello and then a frame: never delivered, dropped at the deadline.
        SocketChannel plain = raw(listener);
        readHello(plain);
        plain.write(ByteBuffer.allocate(64).put(hello(100)).putInt(1).put((byte) 1).flip());
        assertTrue(closedByPeer(plain, LONG));
        assertEquals(MessageChannel.NOTHING, listener.receive(MemorySegment.ofArray(
                new byte[listener.maxMessageSize()]), Duration.ofMillis(300)));
        assertTrue(listener.peersDropped() >= 2, "the wrong proof and the plain hello: " + drops);
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    // ---- unix: credentials ----

    @Test
    @Timeout(120)
    void aUnixPeerOfAnotherUserIsDroppedWhateverTheFilePermissionsSay() throws Exception {
        Assumptions.assumeTrue(Procs.geteuid() == 0, "needs root to run a peer as another user");
        Path python = Arrays.stream(new String[] {"/usr/bin/python3", "/bin/python3"}).map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(python != null, "python3 plays the peer");
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jipc-door-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path socket = dir.resolve("s");
        String client = String.join("\n",
                "import socket, struct, sys",
                "s = socket.socket(socket.AF_UNIX)",
                "s.connect(sys.argv[1])",
                "h = b''",
                "while len(h) < 32:",
                "    d = s.recv(32 - len(h))",
                "    if not d: sys.exit(0)  # hung up at the door, before the hello",
                "    h += d",
                "s.sendall(h[:8] + struct.pack('>iI', 100, 0) + bytes(16) + struct.pack('>i', 2) + b'hi')",
                "s.settimeout(20)",
                "try:",
                "    sys.exit(0 if s.recv(1) == b'' else 3)",
                "except ConnectionResetError:",
                "    sys.exit(0)",
                "except socket.timeout:",
                "    sys.exit(4)");
        try {
            LinkedBlockingQueue<IpcException> drops = new LinkedBlockingQueue<>();
            MessageChannel listener = track(Channels.bind("unix:" + socket, ChannelOptions.defaults()
                    .permissions(0666).onPeerDropped(drops::add)));
            try (ChildProcess stranger = Spawn.command(python.toString(), "-c", client, socket.toString())
                    .user(65534, 65534).start()) {
                assertEquals(0, stranger.waitFor().code(), "the other user's peer was hung up on, exit 0; 3 or 4: "
                        + "it got in");
            }
            IpcException why = drops.poll(30, TimeUnit.SECONDS);
            assertNotNull(why);
            assertEquals(IpcException.Reason.PERMISSION_DENIED, why.reason(), why.getMessage());
            assertEquals(1, listener.peersDropped());
            assertEquals(MessageChannel.NOTHING, listener.receive(MemorySegment.ofArray(
                    new byte[listener.maxMessageSize()]), Duration.ofMillis(300)), "its message never arrived");
            // The same client as this user gets in (it waits for a reply that never comes: killed).
            try (ChildProcess friend = Spawn.command(python.toString(), "-c", client, socket.toString()).start()) {
                assertEquals(2, listener.receive(MemorySegment.ofArray(new byte[listener.maxMessageSize()]), LONG));
                friend.kill();
                friend.waitFor();
            }
            listener.close();
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
