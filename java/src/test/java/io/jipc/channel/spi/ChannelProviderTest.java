package io.jipc.channel.spi;

import io.jipc.IpcException;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.Channels;
import io.jipc.channel.MessageChannel;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transports outside the core: {@code Channels} finds them with ServiceLoader (the tests
 * register {@link LoopProvider}), hands them their addresses and options, and names the
 * artifact to add when a transport jipc ships apart is missing.
 */
class ChannelProviderTest {
    /**
     * Tests run in module io.jipc (module path) see no META-INF/services of the test classes:
     * the tests that need the test provider run only where it is visible (the class path);
     * jipc-aeron's contract suites exercise the SPI end to end in any case.
     */
    static void assumeTestProviderVisible() {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.util.ServiceLoader.load(ChannelProvider.class).stream()
                .anyMatch(p -> p.type() == LoopProvider.class), "the test provider is not visible on the module path");
    }
    @Test
    void anAeronAddressWithoutTheAeronModuleNamesTheArtifactToAdd() {
        for (String address : new String[] {"aeron:udp?endpoint=localhost:40123", "aeron:ipc",
                "aeron:udp?endpoint=224.0.1.1:40456|interface=127.0.0.1", "AERON:ipc"}) {
            IpcException bind = assertThrows(IpcException.class, () -> Channels.bind(address), address);
            assertTrue(bind.getMessage().contains("io.jipc:jipc-aeron"), bind.getMessage());
            assertEquals("bind", bind.call());
            IpcException connect = assertThrows(IpcException.class, () -> Channels.connect(address), address);
            assertTrue(connect.getMessage().contains("io.jipc:jipc-aeron"), connect.getMessage());
            assertEquals("connect", connect.call());
        }
    }

    @Test
    void aProvidersSchemeReachesItWithTheAddressAndTheOptions() throws Exception {
        assumeTestProviderVisible();
        record Extra(int value) implements TransportOptions {
        }
        ChannelOptions options = ChannelOptions.defaults().maxMessageSize(64).capacity(2).with(new Extra(7));
        try (MessageChannel in = Channels.bind("test-loop:a|b=1", options);
             MessageChannel out = Channels.connect(URI.create("TEST-LOOP:a%7Cb=1"), options)) {
            assertEquals("a|b=1", LoopProvider.lastAddress.getSchemeSpecificPart(),
                    "a character a URI must quote was quoted, and the provider reads it back");
            assertSame(options, LoopProvider.lastOptions);
            assertEquals(7, options.transport(Extra.class).orElseThrow().value());
            assertEquals(64, out.maxMessageSize());
            assertTrue(out.trySend(new byte[] {1, 2}));
            assertTrue(out.trySend(new byte[0]));
            assertFalse(out.trySend(new byte[] {3}), "capacity 2: full");
            assertThrows(IllegalArgumentException.class, () -> out.send(new byte[65]));
            assertThrows(UnsupportedOperationException.class, () -> in.send(new byte[1]));
            MemorySegment buffer = MemorySegment.ofArray(new byte[64]);
            AtomicReference<MemorySegment> kept = new AtomicReference<>();
            assertTrue(in.receive(m -> kept.set(m), Duration.ofSeconds(5)));
            assertEquals(2, kept.get().byteSize());
            assertThrows(IllegalStateException.class, () -> kept.get().get(ValueLayout.JAVA_BYTE, 0),
                    "the handler's view died with the call");
            assertEquals(0, in.tryReceive(buffer));
            assertEquals(MessageChannel.NOTHING, in.tryReceive(buffer));
        }
        assertTrue(LoopProvider.BOUND.isEmpty(), "closing the bound end released it");
    }

    @Test
    void transportOptionsAreOnePerClassAndSurviveOtherChanges() {
        record Extra(int value) implements TransportOptions {
        }
        record Other(String s) implements TransportOptions {
        }
        ChannelOptions o = ChannelOptions.defaults().with(new Extra(1)).with(new Other("x")).with(new Extra(2))
                .maxMessageSize(10).capacity(3).connectTimeout(Duration.ofSeconds(1)).permissions(0640);
        assertEquals(2, o.transport(Extra.class).orElseThrow().value());
        assertEquals("x", o.transport(Other.class).orElseThrow().s());
        assertTrue(ChannelOptions.defaults().transport(Extra.class).isEmpty());
        assertThrows(NullPointerException.class, () -> ChannelOptions.defaults().with(null));
    }

    @Test
    void aBuiltInSchemeIsNeverHandedToAProvider() throws Exception {
        // The tests also register a provider claiming "tcp"; it throws AssertionError if asked.
        try (MessageChannel in = Channels.bind("tcp://:0");
             MessageChannel out = Channels.connect(in.address(), ChannelOptions.defaults())) {
            out.send(new byte[] {5});
            assertEquals(1, in.receive(MemorySegment.ofArray(new byte[in.maxMessageSize()]), Duration.ofSeconds(30)));
        }
    }

    @Test
    void anUnknownSchemeListsTheInstalledOnesToo() {
        assumeTestProviderVisible();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Channels.bind("zmq:x"));
        assertTrue(e.getMessage().contains("test-loop:"), e.getMessage());
    }

    @Test
    void closingWakesAReceiveBlockedInAProvidersChannel() throws Exception {
        assumeTestProviderVisible();
        MessageChannel in = Channels.bind("test-loop:wake", ChannelOptions.defaults());
        CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return in.receive(MemorySegment.ofArray(new byte[in.maxMessageSize()]));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        in.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(5, TimeUnit.SECONDS));
        assertInstanceOf(AsynchronousCloseException.class, e.getCause().getCause());
        assertThrows(IllegalStateException.class, () -> in.tryReceive(MemorySegment.ofArray(new byte[1024])));
        assertArrayEquals(new Object[0], LoopProvider.BOUND.keySet().toArray());
    }
}
