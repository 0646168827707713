package io.jipc.channel.spi;

import io.jipc.channel.ChannelOptions;
import io.jipc.channel.MessageChannel;

import java.io.IOException;
import java.net.URI;

/**
 * A transport that lives outside the core module: it serves one address scheme, and
 * {@link io.jipc.channel.Channels#bind(URI, ChannelOptions)} and
 * {@link io.jipc.channel.Channels#connect(URI, ChannelOptions)} hand it every address of that
 * scheme.
 *
 * <p>Providers are found with {@link java.util.ServiceLoader}: a module declares
 * {@code provides io.jipc.channel.spi.ChannelProvider with ...}; a jar on the class path lists
 * the class in {@code META-INF/services/io.jipc.channel.spi.ChannelProvider}. The built-in
 * schemes ({@code shm}, {@code mq}, {@code unix}, {@code tcp}, {@code pipe}) cannot be taken
 * over: a provider for one of them is never asked. If two providers serve the same scheme,
 * {@code Channels} refuses the address ({@link IllegalStateException}) rather than pick one.
 *
 * <p>A provider must be stateless or thread-safe: {@code bind} and {@code connect} may be
 * called from any thread. The channels it returns keep the {@link MessageChannel} contract;
 * {@link TransportChannel} implements the part of it that does not depend on the transport.
 */
public interface ChannelProvider {
    /** {@return the scheme this provider serves, in lower case, such as {@code "aeron"}} */
    String scheme();

    /**
     * Makes the receiving end at {@code address}, as {@link io.jipc.channel.Channels#bind(URI, ChannelOptions)}.
     *
     * @param address an address whose scheme is {@link #scheme()} (in any case)
     * @param options the channel's settings, as the caller gave them to {@code Channels}; not null
     * @return the bound end, open and ready to receive; the caller closes it
     * @throws IllegalArgumentException for a malformed address, before any system call
     * @throws IOException if the transport cannot make the end, such as an
     *     {@link io.jipc.IpcException} for an address in use
     */
    MessageChannel bind(URI address, ChannelOptions options) throws IOException;

    /**
     * Makes the sending end reaching {@code address}, as {@link io.jipc.channel.Channels#connect(URI, ChannelOptions)}.
     *
     * @param address an address whose scheme is {@link #scheme()} (in any case)
     * @param options the channel's settings, as the caller gave them to {@code Channels}; not null
     * @return the connected end, open and ready to send; the caller closes it
     * @throws IllegalArgumentException for a malformed address, before any system call
     * @throws IOException if the transport cannot reach the address or make the end
     */
    MessageChannel connect(URI address, ChannelOptions options) throws IOException;
}
