package io.jipc.channel;

import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The channel contract over a pipe pair, and what is particular to it. */
class PipeChannelTest extends ChannelContract {
    private final Map<MessageChannel, ChannelPair> pairs = new IdentityHashMap<>();

    @Override
    MessageChannel bind(ChannelOptions options) throws IOException {
        ChannelPair pair = track(Channels.pipe(options));
        pairs.put(pair.channel(), pair);
        return pair.channel();
    }

    @Override
    MessageChannel connect(MessageChannel receiver) throws IOException {
        return pairs.get(receiver).peerChannel();
    }

    @Override
    ChildProcess startPeer(MessageChannel receiver, Pipe ready, String scenario, String... args) throws IOException {
        ChannelPair pair = pairs.get(receiver);
        Spawn s = peerSpawn(ready, scenario, ChannelPair.peerAddress(ChannelPeer.PIPE_READ_FD,
                ChannelPeer.PIPE_WRITE_FD).toString(), args)
                .mapDescriptor(ChannelPeer.PIPE_READ_FD, pair.peerReadFd())
                .mapDescriptor(ChannelPeer.PIPE_WRITE_FD, pair.peerWriteFd());
        ChildProcess child = s.start();
        pair.closePeer();
        return child;
    }

    @Override
    boolean boundEndOutlivesPeers() {
        return false;
    }

    @Test
    void aPipeHasNoAddressToBind() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Channels.bind("pipe:read=3,write=4"));
        assertTrue(e.getMessage().contains("Channels.pipe"), e.getMessage());
        for (String bad : new String[] {"pipe:", "pipe:read=3", "pipe:read=3,write=x", "pipe:read=3,write=4,read=5",
                "pipe:/x", "pipe:write=-1,read=2"}) {
            IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> Channels.connect(bad),
                    bad);
            assertTrue(b.getMessage().contains("pipe:read=R,write=W"), b.getMessage());
        }
    }

    @Test
    void theFarEndGoesEitherToAChildOrToThisProcess() throws Exception {
        try (ChannelPair pair = Channels.pipe(ChannelOptions.defaults().maxMessageSize(100))) {
            assertTrue(pair.peerReadFd() >= 0);
            MessageChannel far = pair.peerChannel();
            assertEquals(100, far.maxMessageSize());
            assertThrows(IllegalStateException.class, pair::peerReadFd);
            assertTrue(pair.channel().canSend() && pair.channel().canReceive() && far.canSend() && far.canReceive());
        }
        try (ChannelPair pair = Channels.pipe(ChannelOptions.defaults())) {
            pair.closePeer();
            assertThrows(IllegalStateException.class, pair::peerChannel);
        }
    }
}
