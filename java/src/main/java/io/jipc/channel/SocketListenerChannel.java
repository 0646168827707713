package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.posix.Poll;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
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
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The binding end of {@code unix:} and {@code tcp:}: a listening socket and every connection
 * accepted from it, received from as one channel.
 *
 * <p>A virtual thread per listener accepts connections and writes the hello into each at
 * once, so that a peer's {@code connect} completes whether or not this end is inside a receive
 * (a thread that binds and then connects to itself must not wait for its own receive). It
 * hands each connection over through a queue and wakes the selector; it ends when the
 * listening socket is closed.
 *
 * <p>One selector watches all connections; it is used only by the thread that holds the
 * receive lock, so reading and framing happen inside receive calls. Fairness: a connection with a whole frame buffered is <em>ready</em>; receives take
 * one frame from the ready connection at the head and move it to the tail, and look at the
 * selector again first whenever some connection is not ready, so a peer that sends fast
 * cannot keep others waiting longer than one buffer's worth of its frames. A ready connection
 * is not read further until its buffered frames are taken, which leaves the kernel's flow
 * control to slow it down.
 *
 * <p>A connection that breaks the protocol or stops inside a frame is dropped alone; the next
 * receive reports it with an {@link IpcException} naming the peer, and the channel goes on.
 *
 * <p>Sends reply: they go to the connection the last message came from, each connection with
 * its own send lock and, when a write has to wait, its own write selector.
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
    private final boolean tcp;
    private final Path socketFile;
    private final Object socketFileKey;
    private final ReentrantLock receiveLock = new ReentrantLock();
    /** Every live connection; read by close() from any thread, changed under the receive lock. */
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Connection> ready = new ArrayDeque<>();
    /** Reported by the next receive; the accepting thread adds to it too. */
    private final Queue<IpcException> failures = new ConcurrentLinkedQueue<>();
    /** Accepted, greeted, not yet watched by the selector. */
    private final Queue<Connection> arrivals = new ConcurrentLinkedQueue<>();
    private final Thread acceptor;
    private volatile Connection lastPeer;
    private int accepted;

    /** One accepted connection. */
    private final class Connection {
        final SocketLink link;
        final String peer;
        final FrameReader reader = new FrameReader(maxMessageSize, false);
        final FrameWriter writer = new FrameWriter(maxMessageSize);
        final ReentrantLock sendLock = new ReentrantLock();
        SelectionKey key;
        boolean inReady;
        boolean eof;
        IOException eofCause;
        volatile boolean closed;

        Connection(SocketChannel socket) throws IOException {
            this.link = new SocketLink(socket, false);
            SocketAddress remote = socket.getRemoteAddress();
            accepted++;
            this.peer = name + " (peer " + (remote instanceof InetSocketAddress i
                    ? i.getAddress().getHostAddress() + ":" + i.getPort() : "#" + accepted) + ")";
        }
    }

    private SocketListenerChannel(URI address, int maxMessageSize, ServerSocketChannel server, boolean tcp,
                                  Path socketFile, Object socketFileKey) throws IOException {
        super(address, maxMessageSize);
        this.server = server;
        this.tcp = tcp;
        this.socketFile = socketFile;
        this.socketFileKey = socketFileKey;
        selector = Selector.open();
        acceptor = Thread.ofVirtual().name("jipc accept " + name).unstarted(this::acceptLoop);
    }

    // ---- binding ----

    static SocketListenerChannel bind(URI uri, Sockets.Endpoint endpoint, ChannelOptions options) throws IOException {
        int max = options.maxMessageSizeOrDefault();
        String who = uri.toString();
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
            if (file != null) {
                // Owner-only (or as asked) right away: connecting needs write permission on the file.
                Files.setPosixFilePermissions(file, permissions(options.permissions()));
                key = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            } else {
                address = Sockets.tcpUri((InetSocketAddress) server.getLocalAddress());
            }
            SocketListenerChannel channel = new SocketListenerChannel(address, max, server, endpoint.tcp(), file, key);
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

    @Override
    public boolean canSend() {
        return true;
    }

    @Override
    public boolean canReceive() {
        return true;
    }

    // ---- sending: replies ----

    @Override
    boolean send0(MemorySegment message, long timeoutNanos) throws IOException {
        Connection c = lastPeer;
        if (c == null) {
            throw new IllegalStateException(name + ": a bound channel sends replies, to the peer of the last message "
                    + "it received, and it has received none yet");
        }
        long start = System.nanoTime();
        checkAlive(c);
        if (!awaitLock(c.sendLock, start, timeoutNanos)) {
            return false;
        }
        try {
            checkAlive(c);
            return c.writer.send(c.link, this, message, start, timeoutNanos);
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
            throw new ChannelClosedException("send", c.peer, "the peer of the last message received is gone");
        }
    }

    // ---- receiving ----

    @Override
    int receive0(MemorySegment into, long timeoutNanos) throws IOException {
        long start = System.nanoTime();
        if (!awaitLock(receiveLock, start, timeoutNanos)) {
            return NOTHING;
        }
        try {
            Connection c = nextReady(start, timeoutNanos);
            if (c == null) {
                return NOTHING;
            }
            int length = c.reader.next(c.peer);
            MemorySegment.copy(c.reader.payload(length), 0, into, 0, length);
            c.reader.consume(length);
            lastPeer = c;
            settle(c);
            return length;
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    boolean receive0(MessageHandler handler, long timeoutNanos) throws IOException {
        long start = System.nanoTime();
        if (!awaitLock(receiveLock, start, timeoutNanos)) {
            return false;
        }
        try {
            Connection c = nextReady(start, timeoutNanos);
            if (c == null) {
                return false;
            }
            int length = c.reader.next(c.peer);
            MemorySegment payload = c.reader.payload(length);
            c.reader.consume(length);
            lastPeer = c;
            try {
                deliver(handler, payload);
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
    private Connection nextReady(long start, long timeoutNanos) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                IpcException failure = failures.poll();
                if (failure != null) {
                    throw failure;
                }
                admitArrivals();
                if (!ready.isEmpty()) {
                    if (connections.size() > ready.size()) {
                        pump(0);
                    }
                    Connection c = ready.poll();
                    c.inReady = false;
                    return c;
                }
                if (isClosing()) {
                    throw closedWhileWaiting();
                }
                long wait = nextWait(start, timeoutNanos);
                if (retryTails()) {
                    wait = Math.min(wait, TAIL_RETRY_NANOS);
                }
                interrupted |= Thread.interrupted();
                if (arrivals.isEmpty()) {
                    pump(wait);
                } else {
                    admitArrivals();
                    pump(0);
                }
                if (ready.isEmpty() && failures.isEmpty()) {
                    if (isClosing()) {
                        throw closedWhileWaiting();
                    }
                    if (timeUp(start, timeoutNanos)) {
                        return null;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
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

    /** The accepting thread: accept, greet, hand over, until the listening socket closes. */
    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
                failures.add(Sockets.failure("accept", name, e));
                selector.wakeup();
                try {
                    Thread.sleep(ACCEPT_BACKOFF_MILLIS);
                } catch (InterruptedException stop) {
                    return;
                }
                continue;
            }
            Connection c = null;
            try {
                if (tcp) {
                    socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                c = new Connection(socket);
                c.writer.queueHello(maxMessageSize);
                // Twelve bytes into a new socket's empty buffer: taken at once, or held and retried.
                c.writer.flush(c.link, this, System.nanoTime(), 0);
                arrivals.add(c);
                selector.wakeup();
            } catch (IOException | RuntimeException e) {
                if (c != null) {
                    c.reader.free();
                    c.writer.free();
                }
                SocketLink.closeQuietly(socket);
            }
        }
    }

    /** Lets the selector watch the connections the accepting thread handed over. Under the receive lock. */
    private void admitArrivals() {
        Connection c;
        while ((c = arrivals.poll()) != null) {
            try {
                c.key = c.link.socket().register(selector, SelectionKey.OP_READ, c);
                connections.add(c);
            } catch (IOException | RuntimeException e) {
                c.link.close();
                c.reader.free();
                c.writer.free();
            }
        }
    }

    private void readFrom(Connection c) {
        int n;
        try {
            n = c.link.read(c.reader.room(), 0);
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
            failures.add(e);
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
        if (c.eof) {
            // A peer that closes between messages just leaves; one that stops inside a message is an error.
            if (c.reader.buffered() > 0) {
                IpcException e = new IpcException("receive", c.peer, "the peer closed the connection after "
                        + c.reader.partial() + (c.eofCause == null ? "" : " (" + c.eofCause.getMessage() + ")")
                        + "; the partial message was discarded", IpcException.Reason.BROKEN_PIPE);
                if (c.eofCause != null) {
                    e.initCause(c.eofCause);
                }
                failures.add(e);
            }
            drop(c);
            return;
        }
        c.key.interestOps(SelectionKey.OP_READ);
    }

    /** Closes one connection; the caller holds the receive lock and no slice of its buffer is in use. */
    private void drop(Connection c) {
        c.closed = true;
        connections.remove(c);
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
                        c.writer.flush(c.link, this, System.nanoTime(), 0);
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

    // ---- closing ----

    @Override
    void wakeUp() {
        selector.wakeup();
        for (Connection c : connections) {
            c.link.wakeUp();
        }
    }

    @Override
    void release() {
        // Closing the listening socket ends the accepting thread's accept; after it, nothing arrives.
        SocketLink.closeQuietly(server);
        boolean interrupted = false;
        while (true) {
            try {
                acceptor.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        admitArrivals();
        long start = System.nanoTime();
        for (Connection c : connections) {
            if (c.writer.hasTail() && !c.closed) {
                try {
                    c.writer.flush(c.link, null, start, Math.max(0, left(start, StreamChannel.CLOSE_LINGER_NANOS)));
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
        if (socketFile != null) {
            try {
                Object key = Files.readAttributes(socketFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .fileKey();
                // Only our own file: another listener may have replaced it since.
                if (Objects.equals(key, socketFileKey)) {
                    Files.deleteIfExists(socketFile);
                }
            } catch (IOException e) {
                // Already gone.
            }
        }
    }
}
