package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.mq.MessageQueue;
import io.jipc.mq.Received;
import io.jipc.posix.Sysctl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * A channel over one POSIX message queue ({@code mq:/name}). The binding end creates the
 * queue and receives; connecting ends open it and send, as many as like. Boundaries are the
 * kernel's; every message goes with priority 0, so the queue is plain FIFO across senders.
 *
 * <p>A queue has no notion of connection, so the binding end never reaches end of channel
 * (senders come and go), and a sender learns that the binder is gone only when it would
 * wait: while a send waits for room it checks, each slice, whether its queue was unlinked.
 */
final class MqChannel extends AbstractChannel {
    private static final int PRIORITY = 0;
    private static final String DELETED = " (deleted)";

    private final MessageQueue queue;
    private final boolean bound;
    /** Native receive buffers for the handler form; one per concurrent receiver, reused. */
    private final ArrayDeque<MemorySegment> buffers = new ArrayDeque<>();
    private final Arena arena = Arena.ofShared();

    private MqChannel(URI address, MessageQueue queue, boolean bound) {
        super(address, queue.maxMessageSize());
        this.queue = queue;
        this.bound = bound;
    }

    /** The queue name in an {@code mq:/name} address. */
    static String queueName(URI uri) {
        String path = uri.isOpaque() ? null : uri.getPath();
        if (path == null || !path.startsWith("/") || path.startsWith("//") || uri.getRawAuthority() != null
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("message queue address " + uri + " must be mq:/name (one leading '/', "
                    + "no host, query or fragment), as in mq:/orders");
        }
        return path;
    }

    static MqChannel bind(URI uri, ChannelOptions options) throws IpcException {
        String name = queueName(uri);
        int size = options.maxMessageSize() > 0 ? options.maxMessageSize()
                : (int) Math.min(ChannelOptions.DEFAULT_MAX_MESSAGE_SIZE, kernelLimit(Sysctl.MQ_MSGSIZE_MAX));
        int count = options.capacity() > 0 ? options.capacity()
                : (int) Math.min(ChannelOptions.DEFAULT_CAPACITY, kernelLimit(Sysctl.MQ_MSG_MAX));
        MessageQueue q = MessageQueue.builder(name).maxMessages(count).maxMessageSize(size)
                .mode(options.permissions()).create();
        return new MqChannel(uri, q, true);
    }

    static MqChannel connect(URI uri, ChannelOptions options) throws IpcException {
        MessageQueue.Builder b = MessageQueue.builder(queueName(uri));
        if (options.maxMessageSize() > 0) {
            b.maxMessageSize(options.maxMessageSize());
        }
        if (options.capacity() > 0) {
            b.maxMessages(options.capacity());
        }
        return new MqChannel(uri, b.open(), false);
    }

    /** A /proc/sys/fs/mqueue limit, which unprivileged creators may not exceed; huge if unreadable. */
    private static long kernelLimit(Path file) {
        long limit = Sysctl.read(file);
        return limit < 0 ? Integer.MAX_VALUE : limit;
    }

    @Override
    public boolean canSend() {
        return !bound;
    }

    @Override
    public boolean canReceive() {
        return bound;
    }

    @Override
    String directionNote() {
        return bound ? "the end that binds mq: receives; peers connect to send"
                : "the end that connects to mq: sends; only the binding end receives";
    }

    @Override
    boolean send0(MemorySegment message, long timeoutNanos) throws IOException {
        if (timeoutNanos == 0) {
            return queue.trySend(message, PRIORITY);
        }
        long start = System.nanoTime();
        while (true) {
            long wait = nextWait(start, timeoutNanos);
            if (queue.send(message, PRIORITY, wait == SLICE_NANOS ? SLICE : Duration.ofNanos(wait))) {
                return true;
            }
            if (isClosing()) {
                throw closedWhileWaiting();
            }
            if (binderGone()) {
                throw new ChannelClosedException("send", name,
                        "the receiving end closed: its queue was removed while this send waited for room");
            }
            if (timeUp(start, timeoutNanos)) {
                return false;
            }
        }
    }

    /** Whether the queue this descriptor refers to has lost its name (the binder closed it). */
    private boolean binderGone() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(queue.fd())))
                    .toString().endsWith(DELETED);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    int receive0(MemorySegment into, Peer from, long timeoutNanos) throws IOException {
        long r = receivePacked(into, timeoutNanos);
        if (r == Received.NOTHING) {
            return NOTHING;
        }
        fill(from);
        return Received.length(r);
    }

    @Override
    boolean receive0(MessageHandler handler, Peer from, long timeoutNanos) throws IOException {
        MemorySegment buffer = takeBuffer();
        try {
            long r = receivePacked(buffer, timeoutNanos);
            if (r == Received.NOTHING) {
                return false;
            }
            fill(from);
            deliver(handler, buffer.asSlice(0, Received.length(r)));
            return true;
        } finally {
            returnBuffer(buffer);
        }
    }

    private long receivePacked(MemorySegment into, long timeoutNanos) throws IOException {
        if (timeoutNanos == 0) {
            return queue.tryReceive(into);
        }
        long start = System.nanoTime();
        while (true) {
            long wait = nextWait(start, timeoutNanos);
            long r = queue.receive(into, wait == SLICE_NANOS ? SLICE : Duration.ofNanos(wait));
            if (r != Received.NOTHING) {
                return r;
            }
            if (isClosing()) {
                throw closedWhileWaiting();
            }
            if (timeUp(start, timeoutNanos)) {
                return Received.NOTHING;
            }
        }
    }

    private MemorySegment takeBuffer() {
        synchronized (buffers) {
            MemorySegment b = buffers.poll();
            return b != null ? b : arena.allocate(maxMessageSize, 16);
        }
    }

    private void returnBuffer(MemorySegment b) {
        synchronized (buffers) {
            buffers.push(b);
        }
    }

    @Override
    void release() {
        boolean ours = bound && !binderGone();
        queue.close();
        if (ours) {
            try {
                MessageQueue.unlink(queue.name());
            } catch (IpcException e) {
                // Removed by someone else meanwhile: nothing of ours is left.
            }
        }
        arena.close();
    }
}
