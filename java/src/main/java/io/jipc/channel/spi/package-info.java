/**
 * The service-provider interface for channel transports that live outside the core module.
 *
 * <p>A transport is a {@link io.jipc.channel.spi.ChannelProvider} for one address scheme,
 * found with {@link java.util.ServiceLoader}; its channels usually extend
 * {@link io.jipc.channel.spi.TransportChannel}, which keeps the part of the
 * {@link io.jipc.channel.MessageChannel} contract that every transport shares (argument
 * checks, the three modes turned into one timeout, closing while other threads are inside,
 * the read-only view a {@link io.jipc.channel.MessageHandler} gets); its own settings travel
 * in {@link io.jipc.channel.ChannelOptions} as a {@link io.jipc.channel.spi.TransportOptions}.
 *
 * <p>The core module knows the artifact of the transports jipc ships separately, so that an
 * address of theirs without the artifact present fails with an
 * {@link io.jipc.IpcException} naming it ({@code aeron:} needs {@code io.jipc:jipc-aeron}).
 */
package io.jipc.channel.spi;
