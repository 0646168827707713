package io.jipc.channel;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/** The channel contract over {@code aeron:ipc}: Aeron's shared-memory log, one stream id per bound end. */
class AeronIpcChannelTest extends AeronContract {
    private static final AtomicInteger STREAMS = new AtomicInteger(100);

    @Override
    MessageChannel bind(ChannelOptions options) throws IOException {
        return Channels.bind("aeron:ipc?stream-id=" + STREAMS.incrementAndGet(), options.with(AERON));
    }
}
