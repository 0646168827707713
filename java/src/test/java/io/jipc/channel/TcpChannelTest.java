package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The channel contract over TCP on loopback, and what is particular to it. */
class TcpChannelTest extends ChannelContract {
    @Override
    MessageChannel bind(ChannelOptions options) throws IOException {
        return Channels.bind(URI.create("tcp://:0"), options);
    }

    @Override
    MessageChannel connect(MessageChannel receiver) throws IOException {
        return Channels.connect(receiver.address(), ChannelOptions.defaults());
    }

    @Override
    ChildProcess startPeer(MessageChannel receiver, Pipe ready, String scenario, String... args) throws IOException {
        return peerSpawn(ready, scenario, receiver.address().toString(), args).start();
    }

    @Override
    boolean tcp() {
        return true;
    }

    @Test
    void aListenerWithoutAHostIsOnLoopbackAndAnyInterfaceIsAnExplicitChoice() throws Exception {
        try (MessageChannel local = Channels.bind("tcp://:0")) {
            InetAddress host = InetAddress.getByName(local.address().getHost());
            assertTrue(host.isLoopbackAddress(), local.address().toString());
            assertTrue(local.address().getPort() > 0);
        }
        IllegalArgumentException open = assertThrows(IllegalArgumentException.class,
                () -> Channels.bind("tcp://0.0.0.0:0"), "every interface without a secret");
        assertTrue(open.getMessage().contains("secret") && open.getMessage().contains("insecure"), open.getMessage());
        try (MessageChannel everywhere = Channels.bind("tcp://0.0.0.0:0", ChannelOptions.defaults().insecure(true))) {
            assertEquals("0.0.0.0", everywhere.address().getHost());
        }
        try (MessageChannel everywhere = Channels.bind("tcp://0.0.0.0:0", ChannelOptions.defaults()
                .secret(new byte[16]))) {
            assertEquals("0.0.0.0", everywhere.address().getHost());
        }
    }

    @Test
    void aBoundEndRepliesOnlyThroughThePeerOfEachMessage() throws Exception {
        MessageChannel server = track(Channels.bind("tcp://:0"));
        assertFalse(server.canSend());
        UnsupportedOperationException implicit = assertThrows(UnsupportedOperationException.class,
                () -> server.send(new byte[1]), "no implicit 'last peer' to reply to");
        assertTrue(implicit.getMessage().contains("Peer"), implicit.getMessage());
        Peer nobody = new Peer();
        assertThrows(IllegalStateException.class, () -> nobody.send(new byte[1]), "a Peer no receive filled in");
        MessageChannel a = track(Channels.connect(server.address(), ChannelOptions.defaults()));
        MessageChannel b = track(Channels.connect(server.address(), ChannelOptions.defaults()));
        MemorySegment buffer = MemorySegment.ofArray(new byte[server.maxMessageSize()]);
        Peer fromA = new Peer();
        Peer fromB = new Peer();
        a.send(new byte[] {'a'});
        assertEquals(1, server.receive(buffer, fromA, Duration.ofSeconds(30)));
        b.send(new byte[] {'b'});
        assertEquals(1, server.receive(buffer, fromB, Duration.ofSeconds(30)));
        // Answered in the other order: each reply still reaches its own asker.
        fromB.send(new byte[] {'B'});
        fromA.send(new byte[] {'A'});
        assertEquals(1, a.receive(buffer, Duration.ofSeconds(30)));
        assertEquals('A', buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
        assertEquals(1, b.receive(buffer, Duration.ofSeconds(30)));
        assertEquals('B', buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
        a.close();
        // The server learns a has gone when it reads a's end of stream, then a's Peer refuses.
        b.send(new byte[] {'b'});
        assertEquals(1, server.receive(buffer, fromB, Duration.ofSeconds(30)));
        assertThrows(ChannelClosedException.class, () -> {
            for (int i = 0; i < 1000; i++) {
                fromA.send(new byte[] {'x'});
                server.receive(buffer, Duration.ofMillis(10));
            }
        });
        fromB.send(new byte[] {'x'});
        assertEquals(1, b.receive(buffer, Duration.ofSeconds(30)));
    }

    @Test
    @org.junit.jupiter.api.Timeout(180)
    void twoThreadsServingTwoClientProcessesNeverAnswerEachOthersClients() throws Exception {
        MessageChannel server = track(Channels.bind("tcp://:0"));
        int each = 300;
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> workers = new java.util.ArrayList<>();
        for (int w = 0; w < 2; w++) {
            workers.add(Thread.ofPlatform().start(() -> {
                Peer from = new Peer();
                MemorySegment buffer = MemorySegment.ofArray(new byte[server.maxMessageSize()]);
                try {
                    while (served.get() < 2 * each) {
                        int n = server.receive(buffer, from, Duration.ofMillis(100));
                        if (n == MessageChannel.NOTHING) {
                            continue;
                        }
                        // Work takes a while, so the other worker receives meanwhile: the case that crossed.
                        Thread.sleep(1);
                        from.send(buffer.asSlice(0, n));
                        served.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                }
            }));
        }
        try (ChildProcess x = peerSpawn(null, "client-tagged", server.address().toString(), "X",
                Integer.toString(each)).start();
             ChildProcess y = peerSpawn(null, "client-tagged", server.address().toString(), "Y",
                     Integer.toString(each)).start()) {
            assertEquals(0, x.waitFor().code(), "X got its own replies, each one");
            assertEquals(0, y.waitFor().code(), "Y got its own replies, each one");
        } finally {
            served.set(Integer.MAX_VALUE / 2);
            for (Thread t : workers) {
                t.join();
            }
        }
        assertEquals(null, failed.get());
    }

    @Test
    void connectingToSomethingThatIsNotAChannelFailsWithinTheTimeout() throws Exception {
        try (ServerSocketChannel silent = ServerSocketChannel.open()) {
            silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) silent.getLocalAddress()).getPort();
            long t0 = System.nanoTime();
            IpcException quiet = assertThrows(IpcException.class, () -> Channels.connect("tcp://:" + port,
                    ChannelOptions.defaults().connectTimeout(Duration.ofMillis(300))));
            long waited = System.nanoTime() - t0;
            assertTrue(waited >= 300_000_000L && waited < PROMPT_NANOS, "waited " + waited);
            assertTrue(quiet.getMessage().contains("no hello"), quiet.getMessage());
            try (SocketChannel pending = silent.accept()) {
                assertTrue(pending != null);
            }
            Thread talker = new Thread(() -> {
                try (SocketChannel s = silent.accept()) {
                    s.write(ByteBuffer.wrap("HTTP/1.1 400 Bad Request\r\n".getBytes()));
                    s.read(ByteBuffer.allocate(100));
                } catch (IOException e) {
                    // The client hung up.
                }
            });
            talker.start();
            IpcException wrong = assertThrows(IpcException.class, () -> Channels.connect("tcp://:" + port));
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, wrong.reason(), wrong.getMessage());
            talker.join(PROMPT_NANOS / 1_000_000);
        }
    }

    @Test
    void aConnectingEndRequiresAtLeastItsSizeAndAdoptsTheListeners() throws Exception {
        MessageChannel server = track(Channels.bind("tcp://:0", ChannelOptions.defaults().maxMessageSize(1000)));
        // No receive is needed for a connect to complete: the listener greets connections itself.
        try (MessageChannel client = Channels.connect(server.address(), ChannelOptions.defaults())) {
            assertEquals(1000, client.maxMessageSize());
            assertThrows(IllegalArgumentException.class, () -> client.send(new byte[1001]));
        }
        IpcException small = assertThrows(IpcException.class, () -> Channels.connect(server.address(),
                ChannelOptions.defaults().maxMessageSize(1001)));
        assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, small.reason());
    }

    @Test
    void malformedAddressesNameTheAcceptedForm() {
        for (String bad : new String[] {"tcp://host", "tcp://:port", "tcp://:70000", "tcp://::1:5", "tcp://h:1/path",
                "tcp:h:1", "tcp://u@h:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Channels.bind(bad), bad);
            assertTrue(e.getMessage().contains("tcp://"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Channels.connect("tcp://:0"), "port 0 only to bind");
    }
}
