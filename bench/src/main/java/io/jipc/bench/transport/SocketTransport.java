package io.jipc.bench.transport;

import io.jipc.bench.Transport;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Stream sockets through the JDK's {@link SocketChannel} in blocking mode: what a Java
 * user has today without jipc. "uds" is a Unix domain socket, "tcp" TCP on 127.0.0.1
 * with TCP_NODELAY (as in cbench), so small messages are not held back by Nagle.
 */
public final class SocketTransport implements Transport {
    private final boolean unix;

    private SocketTransport(boolean unix) {
        this.unix = unix;
    }

    public static SocketTransport unixDomain() {
        return new SocketTransport(true);
    }

    public static SocketTransport tcpLoopback() {
        return new SocketTransport(false);
    }

    @Override
    public String name() {
        return unix ? "uds" : "tcp";
    }

    @Override
    public String waiting() {
        return "blocking";
    }

    @Override
    public String description() {
        return unix ? "Unix domain socket, SOCK_STREAM; Java: SocketChannel (blocking)"
                : "TCP over 127.0.0.1, TCP_NODELAY; Java: SocketChannel (blocking)";
    }

    @Override
    public Endpoint listen(Path scratch) throws IOException {
        ServerSocketChannel server;
        Path path = null;
        if (unix) {
            path = scratch.resolve("uds-" + ProcessHandle.current().pid() + ".sock");
            Files.deleteIfExists(path);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path), 1);
        } else {
            server = ServerSocketChannel.open(StandardProtocolFamily.INET);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        }
        Path socketFile = path;
        String address = unix ? path.toString()
                : "127.0.0.1:" + ((InetSocketAddress) server.getLocalAddress()).getPort();
        return new Endpoint() {
            @Override
            public String address() {
                return address;
            }

            @Override
            public Link accept(Duration timeout) throws IOException {
                server.configureBlocking(false);
                long deadline = System.nanoTime() + timeout.toNanos();
                SocketChannel ch;
                while ((ch = server.accept()) == null) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("no peer connected to " + address + " within " + timeout);
                    }
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        throw new IOException("interrupted while waiting for the peer", e);
                    }
                }
                ch.configureBlocking(true);
                close();
                return link(ch);
            }

            @Override
            public void close() throws IOException {
                server.close();
                if (socketFile != null) {
                    Files.deleteIfExists(socketFile);
                }
            }
        };
    }

    @Override
    public Link connect(String address) throws IOException {
        SocketAddress to;
        if (unix) {
            to = UnixDomainSocketAddress.of(address);
        } else {
            int colon = address.lastIndexOf(':');
            to = new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        }
        SocketChannel ch = SocketChannel.open(to);
        return link(ch);
    }

    private Link link(SocketChannel ch) throws IOException {
        if (!unix) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return new Link() {
            private MemorySegment cached;
            private ByteBuffer buffer;

            private ByteBuffer view(MemorySegment message, int length) {
                if (message != cached) {
                    cached = message;
                    buffer = message.asByteBuffer();
                }
                return buffer.clear().limit(length);
            }

            @Override
            public void send(MemorySegment message, int length) throws IOException {
                ByteBuffer b = view(message, length);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }

            @Override
            public void receive(MemorySegment message, int length) throws IOException {
                ByteBuffer b = view(message, length);
                while (b.hasRemaining()) {
                    if (ch.read(b) < 0) {
                        throw new EOFException("the other side closed the socket");
                    }
                }
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }
}
