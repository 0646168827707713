package io.jipc.aeron;

import io.jipc.channel.ChannelOptions;
import io.jipc.channel.MessageChannel;
import io.jipc.channel.spi.ChannelProvider;

import java.io.IOException;
import java.net.URI;

/**
 * Serves {@code aeron:} addresses to {@link io.jipc.channel.Channels}: {@code bind} makes a
 * subscription (the receiving end), {@code connect} a publication (a sending end). Found with
 * {@link java.util.ServiceLoader}; applications never call it. See the
 * {@linkplain io.jipc.aeron package documentation} for the addresses and the contract.
 *
 * <p>The options' {@linkplain ChannelOptions#waitStrategy(io.jipc.WaitStrategy) wait strategy}
 * decides how a channel's own {@code send} and {@code receive} wait, and the threading mode and
 * idle strategies of the embedded media driver it starts, if it starts it (see the
 * {@linkplain io.jipc.aeron package documentation}, "Waiting", and {@link EmbeddedDriver}).
 */
public final class AeronProvider implements ChannelProvider {
    /** For {@link java.util.ServiceLoader}. */
    public AeronProvider() {
    }

    @Override
    public String scheme() {
        return "aeron";
    }

    @Override
    public MessageChannel bind(URI address, ChannelOptions options) throws IOException {
        return AeronSubscriber.bind(address, options);
    }

    @Override
    public MessageChannel connect(URI address, ChannelOptions options) throws IOException {
        return AeronPublisher.connect(address, options);
    }
}
