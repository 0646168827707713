package io.jipc.channel;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Addresses and options that are refused before anything is opened. */
class ChannelsTest {
    @Test
    void anUnknownOrMissingSchemeNamesTheAcceptedAddresses() {
        for (String bad : new String[] {"http://x:1", "orders", "/tmp/x.sock", "ring:/orders", "udp://:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Channels.bind(bad), bad);
            assertTrue(e.getMessage().contains(Channels.ACCEPTED), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Channels.connect(bad), bad);
        }
        IllegalArgumentException notUri = assertThrows(IllegalArgumentException.class, () -> Channels.bind("mq:/a b"));
        assertTrue(notUri.getMessage().contains("not a URI"), notUri.getMessage());
    }

    @Test
    void aQueueAddressIsOneSlashAndAName() {
        for (String bad : new String[] {"mq:orders", "mq://host/orders", "mq:/a/b", "mq:/", "mq:/x?y"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Channels.bind(bad), bad);
            assertTrue(e.getMessage().contains("mq:/") || e.getMessage().contains("message queue name"),
                    e.getMessage());
        }
    }

    @Test
    void optionsAreCheckedWhenSetAndImmutable() {
        ChannelOptions d = ChannelOptions.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.maxMessageSize(0));
        assertThrows(IllegalArgumentException.class, () -> d.maxMessageSize(ChannelOptions.MAX_MESSAGE_SIZE_LIMIT + 1));
        assertThrows(IllegalArgumentException.class, () -> d.capacity(-1));
        assertThrows(IllegalArgumentException.class, () -> d.connectTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> d.permissions(01000));
        ChannelOptions o = d.maxMessageSize(100).capacity(3).permissions(0640);
        assertEquals(0, d.maxMessageSize(), "defaults are unchanged");
        assertEquals(100, o.maxMessageSize());
        assertEquals(3, o.capacity());
        assertEquals(0640, o.permissions());
        assertThrows(NullPointerException.class, () -> Channels.bind((URI) null, d));
        assertThrows(NullPointerException.class, () -> Channels.bind(URI.create("tcp://:0"), null));
    }
}
