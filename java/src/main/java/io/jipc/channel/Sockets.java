package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.posix.Clocks;
import io.jipc.posix.Poll;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static io.jipc.channel.AbstractChannel.left;

/**
 * Addresses and connections for {@code unix:} and {@code tcp:}: parsing, connecting with a
 * time limit, the hello exchange, and JDK socket exceptions turned into {@link IpcException}s.
 */
final class Sockets {
    private Sockets() {
    }

    static final String TCP_FORM = "tcp://host:port (host: a name, an IPv4 address or an [IPv6] address; "
            + "tcp://:port means loopback)";
    static final String UNIX_FORM = "unix:/path/to/socket (or a relative path, as in unix:app.sock)";
    /** sun_path holds 108 bytes, the terminating NUL included. */
    static final int MAX_UNIX_PATH_BYTES = 107;

    /** A parsed {@code tcp:} or {@code unix:} address. */
    record Endpoint(SocketAddress address, ProtocolFamily family, boolean tcp) {
    }

    // ---- parsing ----

    /**
     * Parses {@code tcp://host:port}. An empty host means loopback, so that a listener is
     * reachable from other machines only when an address says so.
     *
     * @param binding whether port 0 (any free port) is allowed
     */
    static Endpoint tcp(URI uri, boolean binding) throws IpcException {
        String auth = uri.getRawAuthority();
        if (uri.isOpaque() || auth == null || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())
                || uri.getRawQuery() != null || uri.getRawFragment() != null || auth.contains("@")) {
            throw new IllegalArgumentException("TCP address " + uri + " must be " + TCP_FORM);
        }
        String host;
        String port;
        if (auth.startsWith("[")) {
            int close = auth.indexOf(']');
            if (close < 0 || close + 1 >= auth.length() || auth.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("TCP address " + uri + " must be " + TCP_FORM);
            }
            host = auth.substring(1, close);
            port = auth.substring(close + 2);
        } else {
            int colon = auth.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("TCP address " + uri + " has no port; it must be " + TCP_FORM);
            }
            host = auth.substring(0, colon);
            port = auth.substring(colon + 1);
            if (host.contains(":")) {
                throw new IllegalArgumentException("TCP address " + uri + ": put an IPv6 address in brackets, as in "
                        + "tcp://[::1]:" + port);
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        int least = binding ? 0 : 1;
        if (p < least || p > 65535) {
            throw new IllegalArgumentException("TCP address " + uri + ": port must be " + least + "..65535"
                    + (binding ? " (0: any free port)" : "") + ", not \"" + port + "\"");
        }
        InetAddress a;
        try {
            a = host.isEmpty() ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IpcException(binding ? "bind" : "connect", uri.toString(),
                    "unknown host \"" + host + "\"", IpcException.Reason.DOES_NOT_EXIST);
        }
        return new Endpoint(new InetSocketAddress(a, p), a instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET, true);
    }

    /** Parses {@code unix:/path}; the abstract namespace is refused (see the package documentation). */
    static Endpoint unix(URI uri) {
        String path = uri.isOpaque() ? uri.getSchemeSpecificPart() : uri.getPath();
        if ((!uri.isOpaque() && uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty())
                || uri.getRawQuery() != null || uri.getRawFragment() != null || path == null || path.isEmpty()) {
            throw new IllegalArgumentException("Unix socket address " + uri + " must be " + UNIX_FORM);
        }
        if (path.startsWith("@")) {
            throw new IllegalArgumentException("Unix socket address " + uri + " names the abstract namespace, which "
                    + "jipc does not offer: the JDK cannot bind there, and such sockets have no file permissions, so "
                    + "any process in the network namespace could connect. Use a path: " + UNIX_FORM);
        }
        if (path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Unix socket address " + uri + " contains a NUL character");
        }
        int bytes = path.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_UNIX_PATH_BYTES) {
            throw new IllegalArgumentException("Unix socket path " + path + " is " + bytes + " bytes; the kernel allows "
                    + MAX_UNIX_PATH_BYTES + " (sun_path)");
        }
        return new Endpoint(UnixDomainSocketAddress.of(Path.of(path)), StandardProtocolFamily.UNIX, false);
    }

    /** {@return how a bound TCP address is written, with the real port} */
    static URI tcpUri(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        String host = ip.getHostAddress();
        if (ip instanceof Inet6Address) {
            int zone = host.indexOf('%');
            host = "[" + (zone < 0 ? host : host.substring(0, zone)) + "]";
        }
        return URI.create("tcp://" + host + ":" + a.getPort());
    }

    // ---- connecting ----

    /** Connects, exchanges hellos and makes the channel; all within the connect timeout. */
    static StreamChannel connect(URI uri, Endpoint endpoint, ChannelOptions options) throws IOException {
        long start = System.nanoTime();
        long budget = Clocks.toNanos(options.connectTimeout());
        String who = uri.toString();
        SocketChannel socket;
        try {
            socket = SocketChannel.open(endpoint.family());
        } catch (IOException e) {
            throw failure("socket", who, e);
        }
        SocketLink link = null;
        boolean ok = false;
        try {
            socket.configureBlocking(false);
            if (endpoint.tcp()) {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            if (!socket.connect(endpoint.address())) {
                try (Selector s = Selector.open()) {
                    socket.register(s, SelectionKey.OP_CONNECT);
                    while (!socket.finishConnect()) {
                        long wait = left(start, budget);
                        if (wait <= 0) {
                            throw new IpcException("connect", who, "no answer within "
                                    + options.connectTimeout().toMillis() + " ms", IpcException.Reason.OTHER);
                        }
                        s.select(SocketLink.IGNORE, Poll.millis(wait));
                    }
                }
            }
            link = new SocketLink(socket, true);
            int max = Handshake.connect(link, options.streamCapOrDefault(), options.secretBytes(), start, budget,
                    who);
            requireSize(who, max, options);
            StreamChannel channel = new StreamChannel(uri, max, link, true, false, options.waitStrategy());
            ok = true;
            return channel;
        } catch (IpcException e) {
            throw e;
        } catch (IOException e) {
            throw failure("connect", who, e);
        } finally {
            if (!ok) {
                if (link != null) {
                    link.close();
                } else {
                    SocketLink.closeQuietly(socket);
                }
            }
        }
    }

    /** A connecting side's size option is a minimum: the channel it reaches must be at least that. */
    static void requireSize(String who, int max, ChannelOptions options) throws IpcException {
        if (max < options.maxMessageSize()) {
            throw new IpcException("connect", who, "the channel carries messages of up to " + max
                    + " bytes; at least " + options.maxMessageSize() + " were required",
                    IpcException.Reason.INCOMPATIBLE_LAYOUT);
        }
    }

    /** Turns a JDK socket exception into jipc's exception, keeping it as the cause. */
    static IpcException failure(String call, String who, IOException e) {
        IpcException.Reason reason;
        String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof ConnectException || text.contains("No such file") || text.contains("refused")) {
            reason = IpcException.Reason.DOES_NOT_EXIST;
            text += ": nothing listens at this address";
        } else if (text.contains("ermission denied")) {
            reason = IpcException.Reason.PERMISSION_DENIED;
        } else if (e instanceof BindException) {
            reason = text.contains("in use") ? IpcException.Reason.ALREADY_EXISTS
                    : text.contains("ermission") ? IpcException.Reason.PERMISSION_DENIED
                    : IpcException.Reason.INVALID_ARGUMENT;
        } else if (e instanceof NoRouteToHostException) {
            reason = IpcException.Reason.OTHER;
        } else {
            reason = IpcException.Reason.OTHER;
        }
        IpcException x = new IpcException(call, who, text, reason);
        x.initCause(e);
        return x;
    }
}
