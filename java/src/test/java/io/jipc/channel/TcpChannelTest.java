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

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void aBoundEndRepliesToThePeerOfTheLastMessage() throws Exception {
        MessageChannel server = track(Channels.bind("tcp://:0"));
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> server.send(new byte[1]));
        assertTrue(none.getMessage().contains("received none"), none.getMessage());
        MessageChannel a = track(Channels.connect(server.address(), ChannelOptions.defaults()));
        MessageChannel b = track(Channels.connect(server.address(), ChannelOptions.defaults()));
        MemorySegment buffer = MemorySegment.ofArray(new byte[server.maxMessageSize()]);
        for (MessageChannel client : new MessageChannel[] {a, b, a}) {
            byte tag = (byte) (client == a ? 'a' : 'b');
            client.send(new byte[] {tag});
            assertEquals(1, server.receive(buffer, Duration.ofSeconds(30)));
            server.send(new byte[] {buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0), '!'});
            assertEquals(2, client.receive(buffer, Duration.ofSeconds(30)));
            assertEquals(tag, buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0), "the reply went to its asker");
        }
        a.close();
        b.send(new byte[] {'b'});
        assertEquals(1, server.receive(buffer, Duration.ofSeconds(30)));
        server.send(new byte[] {'x'});
        assertEquals(1, b.receive(buffer, Duration.ofSeconds(30)));
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
