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
     * @throws IllegalArgumentException for a malformed address, before any system call
     */
    MessageChannel bind(URI address, ChannelOptions options) throws IOException;

    /**
     * Makes the sending end reaching {@code address}, as {@link io.jipc.channel.Channels#connect(URI, ChannelOptions)}.
     *
     * @param address an address whose scheme is {@link #scheme()} (in any case)
     * @throws IllegalArgumentException for a malformed address, before any system call
     */
    MessageChannel connect(URI address, ChannelOptions options) throws IOException;
}
