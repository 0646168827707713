package io.jipc.aeron;

import io.jipc.channel.ChannelOptions;
import io.jipc.channel.Channels;
import io.jipc.channel.MessageChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Aeron does that the other transports do not: a subscriber that joins a stream late
 * receives from where it joined, nothing sent before. Two subscriptions on one unicast
 * endpoint in one driver share the stream as multicast subscribers do (multicast itself needs
 * an interface with multicast enabled, which this machine's loopback is not: {@link
 * AeronMulticastTest} runs it in a network namespace of its own, and {@code jipc demo remote
 * --transport aeron --multicast} between two).
 */
class AeronLateJoinTest {
    private static MemorySegment put(MemorySegment m, long value) {
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        return m;
    }

    private static long receive(MessageChannel in, MemorySegment b) throws IOException {
        assertEquals(8, in.receive(b, Duration.ofSeconds(30)));
        return b.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }

    @Test
    @Timeout(120)
    void aLateSubscriberReceivesFromWhereItJoinedNeverWhatWasSentBefore() throws Exception {
        String address;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0)) {
            address = "aeron:udp?endpoint=127.0.0.1:" + probe.getLocalPort(); // free now
        }
        try (MessageChannel first = Channels.bind(address);
             MessageChannel out = Channels.connect(first.address(), ChannelOptions.defaults());
             Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(8);
            MemorySegment b = arena.allocate(first.maxMessageSize());
            long sent = 0;
            for (; sent < 5; sent++) {
                assertTrue(out.send(put(m, sent), Duration.ofSeconds(30)));
                assertEquals(sent, receive(first, b));
            }
            // The same channel in the same driver: a second subscription to the stream.
            try (MessageChannel late = Channels.bind(address)) {
                // Keep publishing until the late subscriber has joined.
                long joinedAt = -1;
                while (joinedAt < 0) {
                    assertTrue(sent < 100_000, "the late subscriber never joined");
                    assertTrue(out.send(put(m, sent++), Duration.ofSeconds(30)));
                    int n = late.receive(b, Duration.ofMillis(5));
                    if (n != -1) {
                        joinedAt = b.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                    }
                }
                assertTrue(joinedAt >= 5, "a late subscriber got message " + joinedAt + ", sent before it joined");
                for (long i = 0; i < 5; i++) {
                    assertTrue(out.send(put(m, sent++), Duration.ofSeconds(30)));
                }
                for (long i = joinedAt + 1; i < sent; i++) {
                    assertEquals(i, receive(late, b), "the late subscriber, from where it joined");
                }
                for (long i = 5; i < sent; i++) {
                    assertEquals(i, receive(first, b), "the first subscriber gets everything");
                }
                assertEquals(-1, late.tryReceive(b));
                assertEquals(-1, first.tryReceive(b));
            }
        }
        assertEquals(Optional.empty(), EmbeddedDriver.directory());
    }
}
