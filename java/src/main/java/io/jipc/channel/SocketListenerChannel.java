package io.jipc.channel;

// Long because the door (accept, credentials, hello, limits) and the per-peer framing live
// together; the door is meant to move into a class of its own.

import io.jipc.posix.Clocks;

import io.jipc.IpcException;
import io.jipc.internal.Deadline;
import io.jipc.internal.Reclaim;
import io.jipc.posix.Poll;
import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayDeque;
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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The binding end of {@code unix:} and {@code tcp:}: a listening socket and every connection
 * accepted from it, received from as one channel.
 *
 * <p>A virtual thread per listener accepts connections; over {@link ChannelOptions#maxConnections}
 * it closes them at once. A virtual thread per new connection checks its credentials
 * ({@code unix:}: {@code SO_PEERCRED}), greets it, reads its hello (and proof of the secret)
 * within {@link ChannelOptions#helloTimeout}, and only then hands it over through a queue and
 * wakes the selector: nothing a stranger sends is buffered beyond its hello, and a peer's
 * {@code connect} completes whether or not this end is inside a receive (a thread that binds
 * and then connects to itself must not wait for its own receive).
 *
 * <p>One selector watches all connections; it is used only by the thread that holds the
 * receive lock, so reading and framing happen inside receive calls. Fairness: a connection with a whole frame buffered is <em>ready</em>; receives take
 * one frame from the ready connection at the head and move it to the tail, and look at the
 * selector again first whenever some connection is not ready, so a peer that sends fast
 * cannot keep others waiting longer than one buffer's worth of its frames. A ready connection
 * is not read further until its buffered frames are taken, which leaves the kernel's flow
 * control to slow it down.
 *
 * <p>A connection that breaks the protocol, stops inside a frame, or would need more memory
 * than {@link ChannelOptions#maxUnfinishedBytes} allows for all unfinished frames together is
 * dropped alone, counted and reported to {@link ChannelOptions#onPeerDropped}; receives never
 * see it, and the channel goes on. Read buffers grow with what arrives ({@link FrameReader}).
 *
 * <p>This end cannot send on its own: a receive fills a {@link Peer} in with the connection
 * the message came from, and replies go through it, each connection with its own send lock
 * and, when a write has to wait, its own write selector. (An implicit "reply to the last
 * sender" would send one thread's answer to another thread's client.)
 */
final class SocketListenerChannel extends AbstractChannel {
    private static final int BACKLOG = 128;
    /** How long the accepting thread pauses after a failed accept (out of descriptors, say). */
    private static final long ACCEPT_BACKOFF_MILLIS = 100;
    private static final long TAIL_RETRY_NANOS = 5_000_000L;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final ServerSocketChannel server;
    private final Selector selector;
    /** The receiving thread's sleep in {@link #selector}, for jipc's wait loop. */
    private final SocketLink.SelectorSleep selectorSleep;
    private final boolean tcp;
    private final Path socketFile;
    private final Object socketFileKey;
    private final Reclaim.Handle unbind;
    /** Whom a {@code unix:} peer must be, or null for anyone the file's permissions let in. */
    private final UserPrincipal onlyUser;
    private final byte[] secret;
    private final int maxConnections;
    private final long helloTimeoutNanos;
    private final Consumer<IpcException> onDropped;
    /** Memory for unfinished frames, all connections together; changed under the receive lock. */
    private final Budget budget;
    /** Connections accepted and not yet closed, those saying hello included. */
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    /** Connections saying hello, each with the thread greeting it; closing ends them. */
    private final Map<SocketChannel, Thread> greeting = new ConcurrentHashMap<>();
    private final ReentrantLock receiveLock = new ReentrantLock();
    /** Every live connection; read by close() from any thread, changed under the receive lock. */
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Connection> ready = new ArrayDeque<>();
    /** Set by a drop, under the receive lock: the next select must follow at once (see pump). */
    private boolean dropsPending;
    /** Accepted, greeted, not yet watched by the selector. */
    private final Queue<Connection> arrivals = new ConcurrentLinkedQueue<>();
    private final Thread acceptor;
    private final AtomicInteger accepted = new AtomicInteger();

    /** One accepted connection. */
    private final class Connection {
        final SocketLink link;
        final String peer;
        /** The lesser of this end's maximum and the peer's: what either may send on this connection. */
        final int maxMessageSize;
        final FrameReader reader;
        final FrameWriter writer;
        final ReentrantLock sendLock = new ReentrantLock();
        SelectionKey key;
        boolean inReady;
        boolean eof;
        IOException eofCause;
        volatile boolean closed;

        Connection(SocketChannel socket, String peer, int maxMessageSize) throws IOException {
            this.peer = peer;
            this.maxMessageSize = maxMessageSize;
            this.reader = new FrameReader(maxMessageSize, true, budget);
            this.writer = new FrameWriter(maxMessageSize);
            this.link = new SocketLink(socket, false);
            link.attach(lifetime);
        }
    }

    private SocketListenerChannel(URI address, int maxMessageSize, ServerSocketChannel server, boolean tcp,
                                  Path socketFile, Object socketFileKey, UserPrincipal onlyUser,
                                  ChannelOptions options) throws IOException {
        super(address, maxMessageSize, options.waitStrategy());
        this.server = server;
        this.tcp = tcp;
        this.socketFile = socketFile;
        this.socketFileKey = socketFileKey;
        this.onlyUser = onlyUser;
        // A binder that exits without closing (System.exit, SIGTERM) still leaves no socket file.
        this.unbind = socketFile == null ? null
                : Reclaim.whenUnreachableOrAtExit(this, () -> removeSocketFile(socketFile, socketFileKey));
        this.secret = options.secretBytes();
        this.maxConnections = options.maxConnections();
        this.helloTimeoutNanos = Clocks.toNanos(options.helloTimeout());
        this.onDropped = options.peerDroppedListener();
        this.budget = new Budget(options.maxUnfinishedBytesFor(maxMessageSize));
        selector = Selector.open();
        selectorSleep = new SocketLink.SelectorSleep(lifetime, selector);
        acceptor = Thread.ofVirtual().name("jipc accept " + name).unstarted(this::acceptLoop);
    }

    // ---- binding ----

    static SocketListenerChannel bind(URI uri, Sockets.Endpoint endpoint, ChannelOptions options) throws IOException {
        int max = options.maxMessageSizeOrDefault();
        String who = uri.toString();
        if (endpoint.tcp() && options.secretBytes() == null && !options.insecure()
                && !((InetSocketAddress) endpoint.address()).getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("binding " + uri + " without a secret would let anyone who can reach "
                    + "it send messages and read replies: set ChannelOptions.secret(...), or insecure(true) to say "
                    + "that this is meant");
        }
        Path file = null;
        if (!endpoint.tcp()) {
            file = ((UnixDomainSocketAddress) endpoint.address()).getPath();
            clearStale(file, who);
        }
        ServerSocketChannel server;
        try {
            server = ServerSocketChannel.open(endpoint.family());
        } catch (IOException e) {
            throw Sockets.failure("socket", who, e);
        }
        boolean ok = false;
        try {
            try {
                server.bind(endpoint.address(), BACKLOG);
            } catch (IOException e) {
                throw Sockets.failure("bind", who, e);
            }
            URI address = uri;
            Object key = null;
            UserPrincipal only = null;
            if (file != null) {
                // Owner-only (or as asked) right away: connecting needs write permission on the file.
                Files.setPosixFilePermissions(file, permissions(options.permissions()));
                key = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                // The file is this process's: its owner is this process's effective user.
                only = options.allowOtherUsers() ? null : Files.getOwner(file, LinkOption.NOFOLLOW_LINKS);
            } else {
                address = Sockets.tcpUri((InetSocketAddress) server.getLocalAddress());
            }
            SocketListenerChannel channel = new SocketListenerChannel(address, max, server, endpoint.tcp(), file, key,
                    only, options);
            channel.acceptor.start();
            ok = true;
            return channel;
        } finally {
            if (!ok) {
                SocketLink.closeQuietly(server);
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * Makes room for a socket file: a socket left by a listener that died (nobody accepts on
     * it) is removed; a live listener, or any file that is not a socket, is left alone.
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

    /** A bound end talks to many peers: it replies through the {@link Peer} a receive filled in. */
    @Override
    public boolean canSend() {
        return false;
    }

    @Override
    public boolean canReceive() {
        return true;
    }

    @Override
    protected String directionNote() {
        return "a bound unix: or tcp: end talks to many peers; reply through the Peer that a receive filled in, "
                + "as in receive(buffer, from) then from.send(reply)";
    }

    @Override
    String peerName(Object sender) {
        return ((Connection) sender).peer;
    }

    // ---- sending: replies to one connection ----

    @Override
    boolean send0(MemorySegment message, Deadline deadline) {
        throw new AssertionError("canSend() is false");
    }

    @Override
    boolean reply0(Object sender, MemorySegment message, Deadline deadline) throws IOException {
        Connection c = (Connection) sender;
        checkAlive(c);
        if (!lock(c.sendLock, deadline)) {
            return false;
        }
        try {
            checkAlive(c);
            return c.writer.send(c.link, this, message, deadline);
        } catch (ChannelClosedException e) {
            throw e;
        } catch (IOException e) {
            if (e instanceof AsynchronousCloseException && isClosing()) {
                throw e;
            }
            throw new ChannelClosedException("send", c.peer, "the peer is gone (" + e + ")", e);
        } finally {
            if (c.closed) {
                c.writer.free();
            }
            c.sendLock.unlock();
        }
    }

    private static void checkAlive(Connection c) throws ChannelClosedException {
        if (c.closed) {
            throw new ChannelClosedException("send", c.peer, "the peer is gone");
        }
    }

    // ---- receiving ----

    @Override
    int receive0(MemorySegment into, Peer from, Deadline deadline) throws IOException {
        if (!lock(receiveLock, deadline)) {
            return NOTHING;
        }
        try {
            Connection c = nextReady(deadline);
            if (c == null) {
                return NOTHING;
            }
            int length = c.reader.next(c.peer);
            MemorySegment.copy(c.reader.memory(), c.reader.payloadOffset(), into, 0, length);
            c.reader.consume(length);
            if (from != null) {
                from.set(this, c, c.maxMessageSize);
            }
            settle(c);
            return length;
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    boolean receive0(MessageHandler handler, Peer from, Deadline deadline) throws IOException {
        if (!lock(receiveLock, deadline)) {
            return false;
        }
        try {
            Connection c = nextReady(deadline);
            if (c == null) {
                return false;
            }
            int length = c.reader.next(c.peer);
            long offset = c.reader.payloadOffset();
            c.reader.consume(length);
            if (from != null) {
                from.set(this, c, c.maxMessageSize);
            }
            try {
                deliver(handler, c.reader.memory(), offset, length);
            } finally {
                // Only now: settling may drop the connection and free the buffer the payload lies in.
                settle(c);
            }
            return true;
        } finally {
            receiveLock.unlock();
        }
    }

    /** {@return a connection with a whole frame buffered, taken off the ready queue, or null if time ran out} */
    private Connection nextReady(Deadline deadline) throws IOException {
        while (true) {
            admitArrivals();
            if (!ready.isEmpty()) {
                if (connections.size() > ready.size()) {
                    pump(0);
                }
                Connection c = ready.poll();
                if (c != null) {
                    c.inReady = false;
                    return c;
                }
                continue;
            }
            if (isClosing()) {
                throw closedWhileWaiting();
            }
            boolean tails = retryTails();
            pump(0);
            if (ready.isEmpty() && arrivals.isEmpty() && !deadline.isNow()) {
                Deadline until = tails && deadline.remainingNanos() > TAIL_RETRY_NANOS
                        ? Deadline.afterNanos(TAIL_RETRY_NANOS) : deadline;
                await(() -> {
                    pump(0);
                    return ready.isEmpty() && arrivals.isEmpty() ? null : Boolean.TRUE;
                }, selectorSleep, until);
            }
            if (ready.isEmpty() && arrivals.isEmpty()) {
                if (isClosing()) {
                    throw closedWhileWaiting();
                }
                if (deadline.hasExpired()) {
                    return null;
                }
            }
        }
    }

    /** Looks at the selector, waiting at most {@code waitNanos}, and handles what it reports. */
    private void pump(long waitNanos) throws IOException {
        try {
            if (waitNanos > 0) {
                selector.select(this::onReady, Poll.millis(waitNanos));
            } else {
                selector.selectNow(this::onReady);
            }
        } catch (IOException e) {
            throw Sockets.failure("select", name, e);
        }
    }

    private void onReady(SelectionKey key) {
        if (key.attachment() instanceof Connection c && key.isValid() && key.isReadable()) {
            readFrom(c);
        }
    }

    // ---- the door: accepting and greeting ----

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
            Connection c = new Connection(socket, peer, max);
            arrivals.add(c);
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

    /** Lets the selector watch the connections the greeters handed over. Under the receive lock. */
    private void admitArrivals() {
        Connection c;
        while ((c = arrivals.poll()) != null) {
            try {
                c.key = c.link.socket().register(selector, SelectionKey.OP_READ, c);
                connections.add(c);
            } catch (IOException | RuntimeException e) {
                live.decrementAndGet();
                c.link.close();
            }
        }
    }

    /** Counts a dropped peer and tells the listener the user gave, which must not break the caller. */
    private void peerDropped(IpcException why) {
        dropped.incrementAndGet();
        if (onDropped != null) {
            try {
                onDropped.accept(why);
            } catch (RuntimeException | Error e) {
                // The listener's trouble is not the channel's.
            }
        }
    }

    @Override
    public long peersDropped() {
        return dropped.get();
    }

    /** For tests: connections the receive side watches. */
    int connectionCount() {
        return connections.size();
    }

    /** For tests: memory held for unfinished frames now; read it from the thread that receives. */
    long unfinishedBytes() {
        return budget.held;
    }

    // ---- reading and dropping ----

    private void readFrom(Connection c) {
        ByteBuffer room = c.reader.room();
        if (room == null) {
            peerDropped(new IpcException("receive", c.peer, "the peer's unfinished message ("
                    + c.reader.partial() + ") would take the memory for unfinished messages past its cap of "
                    + budget.cap + " bytes; connection dropped", IpcException.Reason.LIMIT_EXCEEDED));
            drop(c);
            return;
        }
        int n;
        try {
            n = c.link.read(room, 0);
        } catch (IOException e) {
            c.eofCause = e;
            n = -1;
        }
        if (n < 0) {
            c.eof = true;
        }
        settle(c);
    }

    /** Decides what a connection needs after a read or a delivery: queueing, reading, or dropping. */
    private void settle(Connection c) {
        int length;
        try {
            length = c.reader.next(c.peer);
        } catch (IpcException e) {
            peerDropped(e);
            drop(c);
            return;
        }
        if (length >= 0) {
            if (!c.inReady) {
                c.inReady = true;
                ready.add(c);
                c.key.interestOps(0);
            }
            return;
        }
        c.reader.trim();
        if (c.eof) {
            // A peer that closes between messages just leaves; one that stops inside a message is dropped.
            if (c.reader.buffered() > 0) {
                IpcException e = new IpcException("receive", c.peer, "the peer closed the connection after "
                        + c.reader.partial() + (c.eofCause == null ? "" : " (" + c.eofCause.getMessage() + ")")
                        + "; the partial message was discarded", IpcException.Reason.BROKEN_PIPE);
                if (c.eofCause != null) {
                    e.initCause(c.eofCause);
                }
                peerDropped(e);
            }
            drop(c);
            return;
        }
        c.key.interestOps(SelectionKey.OP_READ);
    }

    /** Closes one connection; the caller holds the receive lock and no slice of its buffer is in use. */
    private void drop(Connection c) {
        c.closed = true;
        dropsPending = true;
        if (connections.remove(c)) {
            live.decrementAndGet();
        }
        ready.remove(c);
        c.inReady = false;
        if (c.key != null) {
            c.key.cancel();
        }
        c.link.shutdown();
        c.link.wakeUp();
        c.reader.free();
        // A send to it may be under way; it fails at once on the shut socket and frees the writer then.
        if (c.sendLock.tryLock()) {
            try {
                c.writer.free();
            } finally {
                c.sendLock.unlock();
            }
        }
        c.link.close();
    }

    /** Pushes out held reply tails whose connection is free. {@return whether any tail is still held} */
    private boolean retryTails() {
        boolean held = false;
        for (Connection c : connections) {
            if (c.writer.hasTail() && c.sendLock.tryLock()) {
                try {
                    if (!c.closed) {
                        c.writer.flush(c.link, this, Deadline.NOW);
                    }
                } catch (IOException e) {
                    // The peer is gone; its next read (EOF) drops the connection.
                } finally {
                    c.sendLock.unlock();
                }
            }
            held |= c.writer.hasTail();
        }
        return held;
    }

    /** The cap on memory for unfinished frames; only the receiving thread (under the lock) and release use it. */
    private static final class Budget implements FrameReader.Budget {
        final long cap;
        long held;

        Budget(long cap) {
            this.cap = cap;
        }

        @Override
        public boolean reserve(long bytes) {
            if (bytes > cap - held) {
                return false;
            }
            held += bytes;
            return true;
        }

        @Override
        public void release(long bytes) {
            held -= bytes;
        }
    }

    // ---- closing ----

    @Override
    protected void wakeUp() {
        selectorSleep.wake();
        for (Connection c : connections) {
            c.link.wakeUp();
        }
    }

    @Override
    protected void release() {
        // Closing the listening socket ends the accepting thread's accept; after it, nothing arrives.
        SocketLink.closeQuietly(server);
        boolean interrupted = join(acceptor);
        // Closing a greeter's socket ends its hello; then it hands nothing over.
        for (Map.Entry<SocketChannel, Thread> g : greeting.entrySet()) {
            SocketLink.closeQuietly(g.getKey());
            interrupted |= join(g.getValue());
        }
        admitArrivals();
        long start = System.nanoTime();
        for (Connection c : connections) {
            if (c.writer.hasTail() && !c.closed) {
                try {
                    c.writer.flush(c.link, null, Deadline.afterNanos(left(start, StreamChannel.CLOSE_LINGER_NANOS)));
                } catch (IOException | RuntimeException e) {
                    // The peer will see a broken frame, never half a message.
                }
            }
            c.link.close();
            c.reader.free();
            c.writer.free();
        }
        connections.clear();
        SocketLink.closeQuietly(selector);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (unbind != null) {
            unbind.run();
        }
    }

    /** Removes the socket file if it is still ours: another listener may have replaced it since. */
    private static void removeSocketFile(Path file, Object key) {
        try {
            Object now = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (Objects.equals(now, key)) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // Already gone.
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
