/**
 * jipc over Aeron: {@code aeron:udp} (unicast and multicast) and {@code aeron:ipc} channels
 * behind {@code io.jipc.channel.Channels}, served through the channel transport SPI. The
 * third-party dependencies of jipc's transports live here, not in module io.jipc.
 */
module io.jipc.aeron {
    requires transitive io.jipc;
    requires io.aeron.client;
    requires io.aeron.driver;
    requires org.agrona;

    exports io.jipc.aeron;

    provides io.jipc.channel.spi.ChannelProvider with io.jipc.aeron.AeronProvider;
}
