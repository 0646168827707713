package io.jipc.channel;

// Long because fair selection, reading, framing, dropping and replying all work on the same
// connection state under one receive lock; the door and a connection's data are in their own files.

import io.jipc.IpcException;
import io.jipc.internal.Deadline;
import io.jipc.internal.Reclaim;
import io.jipc.posix.Poll;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The binding end of {@code unix:} and {@code tcp:}: every connection its {@link ListenerDoor}
 * lets in, received from as one channel. The door accepts, limits and authenticates; this
 * class frames messages on the connections and sends replies.
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
 *
 * <p>A channel dropped without {@code close()} is cleaned: no thread of the door and no
 * connection refers to this object, so it becomes unreachable and a cleaner shuts the door
 * ({@link ListenerDoor#reclaim}); at a clean JVM exit the socket file is removed.
 */
final class SocketListenerChannel extends AbstractChannel {
    private static final long TAIL_RETRY_NANOS = 5_000_000L;

    private final ListenerDoor door;
    private final Selector selector;
    /** The receiving thread's sleep in {@link #selector}, for jipc's wait loop. */
    private final SocketLink.SelectorSleep selectorSleep;
    /** Every live connection; the door's table, changed under the receive lock. */
    private final List<ListenerConnection> connections;
    /** The socket file's removal at a clean exit. */
    private final Reclaim.Handle unbind;
    /** Everything the door holds, once this channel is unreachable; run by close too. */
    private final Reclaim.Handle reclaim;
    /** Memory for unfinished frames, all connections together; changed under the receive lock. */
    private final ListenerConnection.Budget budget;
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final ArrayDeque<ListenerConnection> ready = new ArrayDeque<>();
    /** Set by a drop, under the receive lock: the next select must follow at once (see pump). */
    private boolean dropsPending;

    private SocketListenerChannel(URI address, int maxMessageSize, ListenerDoor door, ChannelOptions options) {
        super(address, maxMessageSize, options.waitStrategy());
        this.door = door;
        this.selector = door.selector;
        this.selectorSleep = new SocketLink.SelectorSleep(lifetime, selector);
        this.connections = door.connections;
        this.budget = new ListenerConnection.Budget(options.maxUnfinishedBytesFor(maxMessageSize));
        // Neither action refers to this channel: the door's threads and table do not reach it either.
        this.unbind = Reclaim.whenUnreachableOrAtExit(this, door::removeSocketFile);
        this.reclaim = Reclaim.whenUnreachable(this, door::reclaim);
    }

    static SocketListenerChannel bind(URI uri, Sockets.Endpoint endpoint, ChannelOptions options) throws IOException {
        ListenerDoor door = ListenerDoor.bind(uri, endpoint, options);
        SocketListenerChannel channel;
        try {
            channel = new SocketListenerChannel(door.address, options.maxMessageSizeOrDefault(), door, options);
        } catch (RuntimeException | Error e) {
            door.reclaim();
            throw e;
        }
        door.start();
        return channel;
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
        return ((ListenerConnection) sender).peer;
    }

    // ---- sending: replies to one connection ----

    @Override
    boolean send0(MemorySegment message, Deadline deadline) {
        throw new AssertionError("canSend() is false");
    }

    @Override
    boolean reply0(Object sender, MemorySegment message, Deadline deadline) throws IOException {
        ListenerConnection c = (ListenerConnection) sender;
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

    private static void checkAlive(ListenerConnection c) throws ChannelClosedException {
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
            ListenerConnection c = nextReady(deadline);
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
            ListenerConnection c = nextReady(deadline);
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
    private ListenerConnection nextReady(Deadline deadline) throws IOException {
        while (true) {
            admitArrivals();
            if (!ready.isEmpty()) {
                if (connections.size() > ready.size()) {
                    pump(0);
                }
                ListenerConnection c = ready.poll();
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
            if (ready.isEmpty() && !door.hasArrivals() && !deadline.isNow()) {
                // Sleeps in the selector, which a greeter's hand-over and a close both wake.
                Deadline until = tails && deadline.remainingNanos() > TAIL_RETRY_NANOS
                        ? Deadline.afterNanos(TAIL_RETRY_NANOS) : deadline;
                // A virtual thread's sleep runs on a waiter thread, in this selector: its attempts
                // must not select too (they would queue behind that sleep), so they read its outcome.
                boolean virtual = Thread.currentThread().isVirtual();
                await(() -> door.hasArrivals() || selectorSleep.takeReady()
                        || !virtual && selector.selectNow(SocketLink.IGNORE) > 0 ? Boolean.TRUE : null,
                        selectorSleep, until);
                if (virtual) {
                    selector.wakeup(); // a waiter thread's next sleep ends at once, so the pump below need not wait
                }
            }
            if (ready.isEmpty() && !door.hasArrivals()) {
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
        if (key.attachment() instanceof ListenerConnection c && key.isValid() && key.isReadable()) {
            readFrom(c);
        }
    }

    /** Lets the selector watch the connections the door's greeters handed over. Under the receive lock. */
    private void admitArrivals() {
        ListenerDoor.Arrival a;
        while ((a = door.nextArrival()) != null) {
            ListenerConnection c = null;
            try {
                c = new ListenerConnection(a.socket(), a.peer(), a.maxMessageSize(), budget);
                // Not this channel's lifetime: the door's table must not reach the channel (see the
                // constructor); a reply's wait is under the channel's lifetime all the same (await).
                c.link.attach(null);
                c.key = a.socket().register(selector, SelectionKey.OP_READ, c);
                connections.add(c);
            } catch (IOException | RuntimeException e) {
                door.left();
                if (c != null) {
                    c.link.close();
                } else {
                    SocketLink.closeQuietly(a.socket());
                }
            }
        }
    }

    private void peerDropped(IpcException why) {
        door.peerDropped(why);
    }

    @Override
    public long peersDropped() {
        return door.peersDropped();
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

    private void readFrom(ListenerConnection c) {
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
    private void settle(ListenerConnection c) {
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
    private void drop(ListenerConnection c) {
        c.closed = true;
        dropsPending = true;
        if (connections.remove(c)) {
            door.left();
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
        for (ListenerConnection c : connections) {
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

    // ---- closing ----

    @Override
    protected void wakeUp() {
        selectorSleep.wake();
        for (ListenerConnection c : connections) {
            c.link.wakeUp();
        }
    }

    @Override
    protected void release() {
        // The socket file goes first, while this end still listens (see ListenerDoor); then nothing arrives.
        boolean interrupted = door.shut();
        admitArrivals();
        long start = System.nanoTime();
        for (ListenerConnection c : connections) {
            if (c.writer.hasTail() && !c.closed) {
                try {
                    c.writer.flush(c.link, null, Deadline.afterNanos(left(start, StreamChannel.CLOSE_LINGER_NANOS)));
                } catch (IOException | RuntimeException e) {
                    // The peer will see a broken frame, never half a message.
                }
            }
        }
        unbind.run();
        reclaim.run();  // closes the connections and the selector
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
