package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.internal.Deadline;
import io.jipc.internal.DescriptorBlocker;
import io.jipc.mq.MessageQueue;
import io.jipc.mq.Received;
import io.jipc.posix.Poll;
import io.jipc.posix.Sysctl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;

/**
 * A channel over one POSIX message queue ({@code mq:/name}). The binding end creates the
 * queue and receives; connecting ends open it and send, as many as like. Boundaries are the
 * kernel's; every message goes with priority 0, so the queue is plain FIFO across senders.
 *
 * <p>A queue has no notion of connection, so the binding end never reaches end of channel
 * (senders come and go), and a sender learns that the binder is gone only when it would
 * wait: while a send waits for room it checks, every 50 ms, whether its queue was unlinked.
 */
final class MqChannel extends AbstractChannel {
    private static final int PRIORITY = 0;
    private static final String DELETED = " (deleted)";

    private final MessageQueue queue;
    private final boolean bound;
    /** Native receive buffers for the handler form; one per concurrent receiver, reused. */
    private final ArrayDeque<MemorySegment> buffers = new ArrayDeque<>();
    private final Arena arena = Arena.ofShared();
    /** Sleeps in poll(2) on the queue's descriptor (readable for the binder, writable for a sender), beside a wake pipe. */
    private final DescriptorBlocker sleep;
    /** How often a send waiting for room asks whether the binder removed the queue. */
    private static final long LIVENESS_NANOS = 50_000_000L;

    private MqChannel(URI address, MessageQueue queue, boolean bound, WaitStrategy strategy) {
        super(address, queue.maxMessageSize(), strategy);
        this.queue = queue;
        this.bound = bound;
        this.sleep = new DescriptorBlocker(lifetime, queue.fd(), bound ? Poll.POLLIN : Poll.POLLOUT);
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
        return new MqChannel(uri, q, true, options.waitStrategy());
    }

    static MqChannel connect(URI uri, ChannelOptions options) throws IpcException {
        MessageQueue.Builder b = MessageQueue.builder(queueName(uri));
        if (options.maxMessageSize() > 0) {
            b.maxMessageSize(options.maxMessageSize());
        }
        if (options.capacity() > 0) {
            b.maxMessages(options.capacity());
        }
        return new MqChannel(uri, b.open(), false, options.waitStrategy());
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
    protected String directionNote() {
        return bound ? "the end that binds mq: receives; peers connect to send"
                : "the end that connects to mq: sends; only the binding end receives";
    }

    @Override
    boolean send0(MemorySegment message, Deadline deadline) throws IOException {
        if (queue.trySend(message, PRIORITY)) {
            return true;
        }
        if (deadline.isNow()) {
            return false;
        }
        long[] lastLook = {System.nanoTime()};
        return await(() -> {
            if (queue.trySend(message, PRIORITY)) {
                return Boolean.TRUE;
            }
            long now = System.nanoTime();
            if (now - lastLook[0] >= LIVENESS_NANOS) {
                lastLook[0] = now;
                if (binderGone()) {
                    throw new ChannelClosedException("send", name,
                            "the receiving end closed: its queue was removed while this send waited for room");
                }
            }
            return null;
        }, sleep, deadline) != null;
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
    int receive0(MemorySegment into, Peer from, Deadline deadline) throws IOException {
        long r = receivePacked(into, deadline);
        if (r == Received.NOTHING) {
            return NOTHING;
        }
        fill(from);
        return Received.length(r);
    }

    @Override
    boolean receive0(MessageHandler handler, Peer from, Deadline deadline) throws IOException {
        MemorySegment buffer = takeBuffer();
        try {
            long r = receivePacked(buffer, deadline);
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

    private long receivePacked(MemorySegment into, Deadline deadline) throws IOException {
        long r = queue.tryReceive(into);
        if (r != Received.NOTHING || deadline.isNow()) {
            return r;
        }
        Long got = await(() -> {
            long n = queue.tryReceive(into);
            return n == Received.NOTHING ? null : n;
        }, sleep, deadline);
        return got == null ? Received.NOTHING : got;
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
    protected void wakeUp() {
        sleep.wake();
    }

    @Override
    protected void release() {
        boolean ours = bound && !binderGone();
        sleep.close();
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
