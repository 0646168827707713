package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.pipe.Pipe;
import io.jipc.posix.Clocks;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * Makes message channels from addresses: {@link #bind} for the end that peers reach,
 * {@link #connect} for the end that reaches it, {@link #pipe} for a pair of ends joined by
 * pipes. The addresses, and what each transport does, are in the
 * {@linkplain io.jipc.channel package documentation}.
 *
 * <p>An address that is malformed, or whose scheme no transport serves, is an
 * {@link IllegalArgumentException} that names the forms accepted, before any system call.
 *
 * <p>Schemes other than the built-in ones are served by transports in other modules, found
 * with {@link java.util.ServiceLoader} (see {@link io.jipc.channel.spi.ChannelProvider}); a
 * string address of theirs may contain characters a URI must quote, such as the {@code |}
 * between the parameters of an {@code aeron:} address, which are then quoted. An
 * {@code aeron:} address without the {@code io.jipc:jipc-aeron} artifact present is an
 * {@link IpcException} that names the artifact to add.
 */
public final class Channels {
    private Channels() {
    }

    /** What the schemes accept, for messages. */
    static final String ACCEPTED = "shm:/name, mq:/name, unix:/path, tcp://host:port, pipe:read=R,write=W (connect only)";
    /** The schemes served inside this module, which no {@link io.jipc.channel.spi.ChannelProvider} can take over. */
    static final java.util.Set<String> BUILT_IN = java.util.Set.of("mq", "unix", "tcp", "shm", "pipe");

    /** The transports, by scheme. */
    private enum Transport {
        MQ("mq") {
            @Override
            AbstractChannel bind(URI uri, ChannelOptions options) throws IOException {
                return MqChannel.bind(uri, options);
            }

            @Override
            AbstractChannel connect(URI uri, ChannelOptions options) throws IOException {
                return MqChannel.connect(uri, options);
            }
        },
        UNIX("unix") {
            @Override
            AbstractChannel bind(URI uri, ChannelOptions options) throws IOException {
                return SocketListenerChannel.bind(uri, Sockets.unix(uri), options);
            }

            @Override
            AbstractChannel connect(URI uri, ChannelOptions options) throws IOException {
                return Sockets.connect(uri, Sockets.unix(uri), options);
            }
        },
        TCP("tcp") {
            @Override
            AbstractChannel bind(URI uri, ChannelOptions options) throws IOException {
                return SocketListenerChannel.bind(uri, Sockets.tcp(uri, true), options);
            }

            @Override
            AbstractChannel connect(URI uri, ChannelOptions options) throws IOException {
                return Sockets.connect(uri, Sockets.tcp(uri, false), options);
            }
        },
        SHM("shm") {
            @Override
            AbstractChannel bind(URI uri, ChannelOptions options) throws IOException {
                return ShmChannel.bind(uri, options);
            }

            @Override
            AbstractChannel connect(URI uri, ChannelOptions options) throws IOException {
                return ShmChannel.connect(uri, options);
            }
        },
        PIPE("pipe") {
            @Override
            AbstractChannel bind(URI uri, ChannelOptions options) {
                throw new IllegalArgumentException("cannot bind " + uri + ": a pipe has no name that others could "
                        + "connect to. Make both ends with Channels.pipe(options), hand the far end's descriptors to "
                        + "a child process, which connects with pipe:read=R,write=W");
            }

            @Override
            AbstractChannel connect(URI uri, ChannelOptions options) throws IOException {
                int[] fds = pipeFds(uri);
                Pipe.ReadEnd in = null;
                Pipe.WriteEnd out = null;
                boolean ok = false;
                try {
                    in = Pipe.ReadEnd.adopt(fds[0]);
                    out = Pipe.WriteEnd.adopt(fds[1]);
                    StreamChannel c = adoptPipe(uri, in, out, options);
                    ok = true;
                    return c;
                } finally {
                    if (!ok) {
                        if (in != null) {
                            in.close();
                        }
                        if (out != null) {
                            out.close();
                        }
                    }
                }
            }
        };

        final String scheme;

        Transport(String scheme) {
            this.scheme = scheme;
        }

        abstract AbstractChannel bind(URI uri, ChannelOptions options) throws IOException;

        abstract AbstractChannel connect(URI uri, ChannelOptions options) throws IOException;

        /** {@return the built-in transport of {@code uri}'s scheme, or {@code null} if none is built in} */
        static Transport builtIn(URI uri) {
            String scheme = uri.getScheme();
            if (scheme == null) {
                throw new IllegalArgumentException("address " + uri + " has no scheme; accepted: " + ACCEPTED);
            }
            String s = scheme.toLowerCase(Locale.ROOT);
            for (Transport t : values()) {
                if (t.scheme.equals(s)) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * Binds {@code address}: creates or listens, and returns the receiving end that peers
     * {@linkplain #connect connect} to. {@code shm:} creates the shared-memory object and the
     * ring in it, {@code mq:} creates the queue (both failing if the name is taken); {@code unix:} creates the socket file (replacing one left by a listener that died);
     * {@code tcp:} listens on loopback unless the address names a host or an interface address
     * ({@code tcp://0.0.0.0:port} for every interface).
     *
     * @param address as in the package documentation's table
     * @param options the channel's settings; {@link ChannelOptions#defaults()} for none
     * @return the bound end, receiving; the caller closes it
     * @throws IllegalArgumentException for a malformed or unsupported address ({@code pipe:}
     *                                  included: see {@link #pipe(ChannelOptions)})
     * @throws IpcException             with {@code ALREADY_EXISTS} if the name or port is taken,
     *                                  {@code PERMISSION_DENIED}, {@code LIMIT_EXCEEDED} and so on
     */
    public static MessageChannel bind(URI address, ChannelOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        Transport t = Transport.builtIn(Objects.requireNonNull(address, "address"));
        return t != null ? t.bind(address, options) : Providers.of(address, "bind").bind(address, options);
    }

    /**
     * {@link #bind(URI, ChannelOptions)} of a string address with default options.
     *
     * @param address the address, as in the package documentation's table
     * @return the bound end, receiving; the caller closes it
     * @throws IOException as {@link #bind(URI, ChannelOptions)}; {@link IllegalArgumentException}
     *     if it is not a URI
     */
    public static MessageChannel bind(String address) throws IOException {
        return bind(parse(address), ChannelOptions.defaults());
    }

    /**
     * {@link #bind(URI, ChannelOptions)} of a string address.
     *
     * @param address the address, as in the package documentation's table
     * @param options the channel's settings
     * @return the bound end, receiving; the caller closes it
     * @throws IOException as {@link #bind(URI, ChannelOptions)}; {@link IllegalArgumentException}
     *     if it is not a URI
     */
    public static MessageChannel bind(String address, ChannelOptions options) throws IOException {
        return bind(parse(address), options);
    }

    /**
     * Connects to a channel bound at {@code address}, or takes over the far end of a pipe pair
     * ({@code pipe:read=R,write=W}), and returns this end. Waits at most
     * {@link ChannelOptions#connectTimeout()} for the peer's answer; the channel's maximum
     * message size is the bound end's.
     *
     * @param address as in the package documentation's table
     * @param options the channel's settings; {@link ChannelOptions#defaults()} for none
     * @return the connected end, sending; the caller closes it
     * @throws IllegalArgumentException for a malformed or unsupported address
     * @throws IpcException             with {@code DOES_NOT_EXIST} if nothing is bound there,
     *                                  {@code INCOMPATIBLE_LAYOUT} if the peer is not a jipc channel of
     *                                  this version or its maximum message size is below the option's,
     *                                  {@code OTHER} if it did not answer in time
     */
    public static MessageChannel connect(URI address, ChannelOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        Transport t = Transport.builtIn(Objects.requireNonNull(address, "address"));
        return t != null ? t.connect(address, options) : Providers.of(address, "connect").connect(address, options);
    }

    /**
     * {@link #connect(URI, ChannelOptions)} of a string address with default options.
     *
     * @param address the address, as in the package documentation's table
     * @return the connected end, sending; the caller closes it
     * @throws IOException as {@link #connect(URI, ChannelOptions)};
     *     {@link IllegalArgumentException} if it is not a URI
     */
    public static MessageChannel connect(String address) throws IOException {
        return connect(parse(address), ChannelOptions.defaults());
    }

    /**
     * {@link #connect(URI, ChannelOptions)} of a string address.
     *
     * @param address the address, as in the package documentation's table
     * @param options the channel's settings
     * @return the connected end, sending; the caller closes it
     * @throws IOException as {@link #connect(URI, ChannelOptions)};
     *     {@link IllegalArgumentException} if it is not a URI
     */
    public static MessageChannel connect(String address, ChannelOptions options) throws IOException {
        return connect(parse(address), options);
    }

    /**
     * Makes a duplex channel over two new pipes: {@link ChannelPair#channel()} here, the far
     * end for a child process. The maximum message size is this side's (default 64 KiB).
     *
     * @param options the channel's settings; the maximum message size is the one that counts here
     * @return the pair: this side's channel and the far end's descriptors; the caller closes it
     * @throws IpcException with {@code LIMIT_EXCEEDED} if this process is out of descriptors
     */
    public static ChannelPair pipe(ChannelOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        int max = options.maxMessageSizeOrDefault();
        Pipe toPeer = Pipe.open();
        Pipe fromPeer;
        try {
            fromPeer = Pipe.open();
        } catch (IOException e) {
            toPeer.close();
            throw e;
        }
        boolean ok = false;
        try {
            URI address = ChannelPair.peerAddress(fromPeer.readEnd().fd(), toPeer.writeEnd().fd());
            StreamChannel here = new StreamChannel(address, max, new PipeLink(fromPeer.readEnd(), toPeer.writeEnd()),
                    false, true, options.waitStrategy());
            // Twelve bytes into an empty pipe: never waits.
            here.sendHello(Clocks.toNanos(options.connectTimeout()));
            ChannelPair pair = new ChannelPair(here, toPeer.readEnd(), fromPeer.writeEnd(), options);
            ok = true;
            return pair;
        } finally {
            if (!ok) {
                toPeer.close();
                fromPeer.close();
            }
        }
    }

    /** The far end of a pipe pair as a channel: exchanges hellos, adopts the creator's size. */
    static StreamChannel adoptPipe(URI address, Pipe.ReadEnd in, Pipe.WriteEnd out, ChannelOptions options)
            throws IOException {
        PipeLink link = new PipeLink(in, out);
        long start = System.nanoTime();
        // The creator handed these descriptors down: its size is adopted (pipes have no strangers).
        int max = Handshake.connect(link, ChannelOptions.MAX_MESSAGE_SIZE_LIMIT, null, start,
                Clocks.toNanos(options.connectTimeout()), address.toString());
        Sockets.requireSize(address.toString(), max, options);
        return new StreamChannel(address, max, link, true, false, options.waitStrategy());
    }

    /** {@return R and W of {@code pipe:read=R,write=W}} */
    private static int[] pipeFds(URI uri) {
        String form = "pipe:read=R,write=W, R and W being the descriptors a child got the far end of a "
                + "Channels.pipe() pair as";
        int[] fds = {-1, -1};
        String ssp = uri.isOpaque() ? uri.getSchemeSpecificPart() : null;
        if (ssp == null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("pipe address " + uri + " must be " + form);
        }
        for (String part : ssp.split(",")) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq).trim();
            int index = key.equals("read") ? 0 : key.equals("write") ? 1 : -1;
            int value;
            try {
                value = eq < 0 ? -1 : Integer.parseInt(part.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                value = -1;
            }
            if (index < 0 || value < 0 || fds[index] >= 0) {
                throw new IllegalArgumentException("pipe address " + uri + " must be " + form);
            }
            fds[index] = value;
        }
        if (fds[0] < 0 || fds[1] < 0) {
            throw new IllegalArgumentException("pipe address " + uri + " must be " + form);
        }
        return fds;
    }

    private static URI parse(String address) {
        Objects.requireNonNull(address, "address");
        try {
            return new URI(address);
        } catch (URISyntaxException e) {
            // A provider's scheme may use characters a URI must quote (Aeron's "|" between
            // parameters): quote them, as the multi-argument URI constructor does.
            int colon = address.indexOf(':');
            if (colon > 0 && Providers.external(address.substring(0, colon))) {
                try {
                    return new URI(address.substring(0, colon), address.substring(colon + 1), null);
                } catch (URISyntaxException stillBad) {
                    e.addSuppressed(stillBad);
                }
            }
            throw new IllegalArgumentException("address \"" + address + "\" is not a URI (" + e.getReason()
                    + "); accepted: " + ACCEPTED, e);
        }
    }
}
