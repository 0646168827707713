package io.jipc.channel;

// Long because binding over a stale socket file, accepting and greeting share the door's limits,
// counters and socket file, and the cleaner of a dropped channel must reach all of them.

import io.jipc.IpcException;
import io.jipc.posix.Clocks;
import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The door of a bound {@code unix:} or {@code tcp:} end: the listening socket and its file,
 * the accepting thread, the limits, the greeters that check who a peer is, and the table of
 * the connections let in. {@link SocketListenerChannel} frames messages on those connections.
 *
 * <p>A virtual thread accepts connections; over {@link ChannelOptions#maxConnections} it closes
 * them at once. A virtual thread per new connection checks its credentials ({@code unix:}:
 * {@code SO_PEERCRED}), greets it, reads its hello (and proof of the secret) within
 * {@link ChannelOptions#helloTimeout}, and only then hands it over through a queue and wakes
 * the selector: nothing a stranger sends is buffered beyond its hello, and a peer's
 * {@code connect} completes whether or not the channel is inside a receive.
 *
 * <p>Those threads reach this object, never the channel, so a channel dropped without
 * {@code close()} becomes unreachable while its door is open, and its cleaner ({@link #reclaim})
 * shuts everything here: this object holds every descriptor the bound end has.
 *
 * <p><b>The socket file.</b> Binding over a file left by a dead listener removes it, and two
 * binders racing must never remove each other's live socket. Every binder probes and replaces
 * the file, and binds and listens, while holding an exclusive lock on {@code PATH.lock} (an
 * open-file-description lock, which the kernel drops if the holder dies); so when a binder
 * probes, any listener that bound before it already listens, and a refused connect proves
 * the file dead. The owner removes its file at close <em>before</em> it stops listening, so
 * no rival can have replaced the file meanwhile (a rival's probe would have reached the
 * owner), and needs no lock for it. The lock file itself is removed by its holder before
 * letting go; a binder that then finds it locked a removed file starts over.
 */
final class ListenerDoor {
    private static final int BACKLOG = 128;
    /** How long the accepting thread pauses after a failed accept (out of descriptors, say). */
    private static final long ACCEPT_BACKOFF_MILLIS = 100;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /** A connection that said a good hello, and the maximum message size both ends agreed on. */
    record Arrival(SocketChannel socket, String peer, int maxMessageSize) {
    }

    /** The bound address ({@code tcp:} with the port the kernel chose). */
    final URI address;
    final String name;
    final ServerSocketChannel server;
    /** Watches every admitted connection; the door wakes it when one arrives. */
    final Selector selector;
    private final boolean tcp;
    private final Path socketFile;
    private final Object socketFileKey;
    private final AtomicBoolean fileRemoved = new AtomicBoolean();
    /** Whom a {@code unix:} peer must be, or null for anyone the file's permissions let in. */
    private final UserPrincipal onlyUser;
    private final byte[] secret;
    private final int maxMessageSize;
    private final int maxConnections;
    private final long helloTimeoutNanos;
    private final Consumer<IpcException> onDropped;
    /** Connections accepted and not yet closed, those saying hello included. */
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicInteger accepted = new AtomicInteger();
    /** Connections saying hello, each with the thread greeting it; closing ends them. */
    private final Map<SocketChannel, Thread> greeting = new ConcurrentHashMap<>();
    /** Greeted, not yet watched by the selector. */
    private final Queue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    /** Every admitted connection: read by close from any thread, changed under the channel's receive lock. */
    final List<ListenerConnection> connections = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private ListenerDoor(URI address, int maxMessageSize, ServerSocketChannel server, boolean tcp, Path socketFile,
                         Object socketFileKey, UserPrincipal onlyUser, ChannelOptions options) throws IOException {
        this.address = address;
        this.name = address.toString();
        this.maxMessageSize = maxMessageSize;
        this.server = server;
        this.tcp = tcp;
        this.socketFile = socketFile;
        this.socketFileKey = socketFileKey;
        this.onlyUser = onlyUser;
        this.secret = options.secretBytes();
        this.maxConnections = options.maxConnections();
        this.helloTimeoutNanos = Clocks.toNanos(options.helloTimeout());
        this.onDropped = options.peerDroppedListener();
        this.selector = Selector.open();
        this.acceptor = Thread.ofVirtual().name("jipc accept " + name).unstarted(this::acceptLoop);
    }

    // ---- binding ----

    /** Binds and listens. {@return the door, its accepting thread not started yet} */
    static ListenerDoor bind(URI uri, Sockets.Endpoint endpoint, ChannelOptions options) throws IOException {
        int max = options.maxMessageSizeOrDefault();
        String who = uri.toString();
        if (endpoint.tcp() && options.secretBytes() == null && !options.insecure()
                && !((InetSocketAddress) endpoint.address()).getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("binding " + uri + " without a secret would let anyone who can reach "
                    + "it send messages and read replies: set ChannelOptions.secret(...), or insecure(true) to say "
                    + "that this is meant");
        }
        if (endpoint.tcp()) {
            ServerSocketChannel server = listen(endpoint, who);
            try {
                return new ListenerDoor(Sockets.tcpUri((InetSocketAddress) server.getLocalAddress()), max, server,
                        true, null, null, null, options);
            } catch (IOException | RuntimeException e) {
                SocketLink.closeQuietly(server);
                throw e;
            }
        }
        Path file = ((UnixDomainSocketAddress) endpoint.address()).getPath();
        try (BindLock lock = BindLock.acquire(file, who, options.connectTimeout())) {
            clearStale(file, who);
            ServerSocketChannel server = listen(endpoint, who);
            boolean ok = false;
            try {
                // Owner-only (or as asked) right away: connecting needs write permission on the file.
                Files.setPosixFilePermissions(file, permissions(options.permissions()));
                Object key = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .fileKey();
                // The file is this process's: its owner is this process's effective user.
                UserPrincipal only = options.allowOtherUsers() ? null : Files.getOwner(file, LinkOption.NOFOLLOW_LINKS);
                ListenerDoor door = new ListenerDoor(uri, max, server, false, file, key, only, options);
                ok = true;
                return door;
            } finally {
                if (!ok) {
                    // Still listening, and under the lock: the file is ours to remove.
                    Files.deleteIfExists(file);
                    SocketLink.closeQuietly(server);
                }
            }
        }
    }

    private static ServerSocketChannel listen(Sockets.Endpoint endpoint, String who) throws IOException {
        ServerSocketChannel server;
        try {
            server = ServerSocketChannel.open(endpoint.family());
        } catch (IOException e) {
            throw Sockets.failure("socket", who, e);
        }
        try {
            server.bind(endpoint.address(), BACKLOG);
            return server;
        } catch (IOException e) {
            SocketLink.closeQuietly(server);
            throw Sockets.failure("bind", who, e);
        }
    }

    /**
     * Makes room for a socket file, under the bind lock: a socket that nobody listens on (a
     * connect is refused) is removed; a live listener, or any file that is not a socket, is
     * left alone.
     */
    private static void clearStale(Path file, String who) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IpcException("bind", who, file + " exists and is not a socket; it was left alone",
                    IpcException.Reason.ALREADY_EXISTS);
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(file));
        } catch (java.net.ConnectException e) {
            Files.deleteIfExists(file);
            return;
        } catch (IOException e) {
            throw Sockets.failure("bind", who, e);
        }
        throw new IpcException("bind", who, "a listener is already bound at " + file,
                IpcException.Reason.ALREADY_EXISTS);
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high bit first
        for (int i = 0; i < all.length; i++) {
            if ((mode & (1 << (all.length - 1 - i))) != 0) {
                s.add(all[i]);
            }
        }
        return s;
    }

    void start() {
        acceptor.start();
    }

    // ---- accepting and greeting ----

    /** The accepting thread: accept, count, hand to a greeter, until the listening socket closes. */
    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
                // Out of descriptors, say: the peer never got in; pause so as not to spin.
                peerDropped(Sockets.failure("accept", name, e));
                try {
                    Thread.sleep(ACCEPT_BACKOFF_MILLIS);
                } catch (InterruptedException stop) {
                    return;
                }
                continue;
            }
            String peer = peerName(socket, accepted.incrementAndGet());
            if (live.incrementAndGet() > maxConnections) {
                live.decrementAndGet();
                SocketLink.closeQuietly(socket);
                peerDropped(new IpcException("accept", peer, "the limit of " + maxConnections
                        + " connections is reached; connection closed", IpcException.Reason.LIMIT_EXCEEDED));
                continue;
            }
            Thread greeter = Thread.ofVirtual().name("jipc hello " + peer).unstarted(() -> greet(socket, peer));
            greeting.put(socket, greeter);
            greeter.start();
        }
    }

    private String peerName(SocketChannel socket, int number) {
        SocketAddress remote;
        try {
            remote = socket.getRemoteAddress();
        } catch (IOException e) {
            remote = null;
        }
        return name + " (peer " + (remote instanceof InetSocketAddress i
                ? i.getAddress().getHostAddress() + ":" + i.getPort() : "#" + number) + ")";
    }

    /** A greeter: checks who the peer is and what it says, within the hello timeout, then hands it over. */
    private void greet(SocketChannel socket, String peer) {
        long deadline = System.nanoTime() + helloTimeoutNanos;
        // At the deadline, the watchdog closes the socket unless the greeting is over: that ends a blocked read.
        AtomicBoolean over = new AtomicBoolean();
        // Run by the JDK's delay thread itself, not the common pool, which a user's tasks may hold.
        CompletableFuture.delayedExecutor(helloTimeoutNanos, TimeUnit.NANOSECONDS, Runnable::run).execute(() -> {
            if (over.compareAndSet(false, true)) {
                SocketLink.closeQuietly(socket);
            }
        });
        boolean handed = false;
        try {
            if (onlyUser != null) {
                UserPrincipal user = socket.getOption(ExtendedSocketOptions.SO_PEERCRED).user();
                if (!onlyUser.equals(user)) {
                    throw new IpcException("accept", peer, "the peer runs as user " + user.getName()
                            + ", not " + onlyUser.getName() + " (see ChannelOptions.allowOtherUsers)",
                            IpcException.Reason.PERMISSION_DENIED);
                }
            }
            if (tcp) {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            int max = Handshake.accept(socket, maxMessageSize, secret, deadline, peer);
            if (!over.compareAndSet(false, true)) {
                throw new IpcException("accept", peer, "no hello from the peer in time; connection closed",
                        IpcException.Reason.OTHER);
            }
            arrivals.add(new Arrival(socket, peer, max));
            handed = true;
            selector.wakeup();
        } catch (IOException | RuntimeException e) {
            if (server.isOpen()) {
                peerDropped(e instanceof IpcException x ? x : Sockets.failure("accept", peer,
                        e instanceof IOException io ? io : new IOException(e)));
            }
        } finally {
            over.set(true);
            greeting.remove(socket);
            if (!handed) {
                live.decrementAndGet();
                SocketLink.closeQuietly(socket);
            }
        }
    }

    /** {@return the next greeted connection, or null} */
    Arrival nextArrival() {
        return arrivals.poll();
    }

    boolean hasArrivals() {
        return !arrivals.isEmpty();
    }

    /** A connection that never got watched, or one dropped from the table, is no longer live. */
    void left() {
        live.decrementAndGet();
    }

    /** Counts a dropped peer and tells the listener the user gave, which must not break the caller. */
    void peerDropped(IpcException why) {
        dropped.incrementAndGet();
        if (onDropped != null) {
            try {
                onDropped.accept(why);
            } catch (RuntimeException | Error e) {
                // The listener's trouble is not the channel's.
            }
        }
    }

    long peersDropped() {
        return dropped.get();
    }

    // ---- closing ----

    /**
     * Removes the socket file, then stops accepting and greeting: after it, nothing arrives.
     * {@return whether an interrupt came while joining the threads} Idempotent.
     */
    boolean shut() {
        removeSocketFile();
        // Closing the listening socket ends the accepting thread's accept.
        SocketLink.closeQuietly(server);
        boolean interrupted = join(acceptor);
        // Closing a greeter's socket ends its hello; then it hands nothing over.
        for (Map.Entry<SocketChannel, Thread> g : greeting.entrySet()) {
            SocketLink.closeQuietly(g.getKey());
            interrupted |= join(g.getValue());
        }
        return interrupted;
    }

    /**
     * Removes the socket file if it is still ours, while this end still listens: a rival's
     * probe reaches us until then, so nobody has replaced it. Safe at JVM exit under a running
     * program. Runs once.
     */
    void removeSocketFile() {
        if (socketFile == null || !fileRemoved.compareAndSet(false, true)) {
            return;
        }
        try {
            Object now = Files.readAttributes(socketFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
            if (Objects.equals(now, socketFileKey)) {
                Files.deleteIfExists(socketFile);
            }
        } catch (IOException e) {
            // Already gone.
        }
    }

    /**
     * The cleaner of a channel dropped without {@code close()}: nobody uses it any more, so
     * everything goes, the connections' buffers included. Also the last step of an ordinary close.
     */
    void reclaim() {
        boolean interrupted = shut();
        Arrival a;
        while ((a = arrivals.poll()) != null) {
            live.decrementAndGet();
            SocketLink.closeQuietly(a.socket());
        }
        for (ListenerConnection c : connections) {
            c.link.close();
            c.reader.free();
            c.writer.free();
        }
        connections.clear();
        SocketLink.closeQuietly(selector);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Joins {@code t} whatever interrupts come. {@return whether one came} */
    private static boolean join(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }
}
