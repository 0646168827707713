package io.jipc.channel;

import java.io.IOException;

/** The channel contract over {@code aeron:udp} on loopback, a free port per bound end. */
class AeronUdpChannelTest extends AeronContract {
    @Override
    MessageChannel bind(ChannelOptions options) throws IOException {
        return Channels.bind("aeron:udp?endpoint=127.0.0.1:0", options.with(AERON));
    }
}
