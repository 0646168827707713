package io.jipc.channel.spi;

/**
 * The settings of one transport that {@link io.jipc.channel.ChannelOptions} has no field for
 * (a stream id, a driver's directory, a timeout of an engine), carried by the options so that
 * code written for any transport passes them through {@link io.jipc.channel.Channels} unchanged.
 *
 * <p>An implementation is an immutable value class of the transport's module. The options hold
 * at most one instance per class ({@link io.jipc.channel.ChannelOptions#with(TransportOptions)}
 * replaces an earlier one); transports read theirs with
 * {@link io.jipc.channel.ChannelOptions#transport(Class)} and ignore everyone else's.
 */
public interface TransportOptions {
}
