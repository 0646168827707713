package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.internal.Deadline;
import io.jipc.internal.DescriptorBlocker;
import io.jipc.internal.Nap;
import io.jipc.internal.Reclaim;
import io.jipc.mq.MessageQueue;
import io.jipc.mq.Received;
import io.jipc.posix.Errno;
import io.jipc.posix.FileLocks;
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
 * wait: while a send waits for room it checks, every 50 ms, whether a binder still holds its
 * queue (see below) and whether the queue was unlinked.
 *
 * <p><b>Who binds a queue.</b> A queue holds only messages: there is no header to name a binder
 * in. The binder marks itself instead with an exclusive open-file-description lock on its
 * queue descriptor ({@link FileLocks}), which the kernel drops when the binder's last
 * descriptor closes, however its process ends (SIGKILL included). So the lock <em>is</em> the
 * binder's liveness, with no pid to be recycled, no start time to compare, and no companion
 * object that could outlive the queue or be left behind by a kill. The protocol:
 * <ul>
 *   <li>a binder unlinks its queue only while it holds the lock (close, exit, cleaner), and
 *       keeps it until after the unlink;</li>
 *   <li>binding a taken name ({@code EEXIST}) opens that queue and tries its lock: if held, a
 *       binder lives and the bind fails with {@code ALREADY_EXISTS} as before; if taken, no
 *       binder of it lives (it died, or it closed and is unlinking), and, if the name still
 *       refers to the queue just locked (device and inode), the name is removed and made anew
 *       with {@code O_EXCL};</li>
 *   <li>a fresh binder locks its new queue and then checks that the name still refers to it:
 *       a rival that judged the new queue abandoned in the instant before the lock has then
 *       removed it, and the bind starts over.</li>
 * </ul>
 * Every removal of a name by a jipc binder happens under the lock of the queue it names, and
 * a live binder holds its lock from a moment after creating the queue until after removing
 * it, so no binder removes another's live queue. A queue that nobody holds this way is taken
 * as abandoned: one left by a dead binder, or one a program other than a jipc binder made
 * under the name (the mqueue directory is sticky, so only its owner can remove it). Names
 * given to {@code mq:} belong to jipc. A connecting end likewise refuses, within
 * {@value #BINDER_GRACE_MILLIS} ms, a queue that no binder holds.
 */
final class MqChannel extends AbstractChannel {
    private static final int PRIORITY = 0;
    private static final String DELETED = " (deleted)";
    /** How long a connecting end lets a queue go unlocked (a binder between create and lock) before refusing it. */
    private static final long BINDER_GRACE_MILLIS = 50;
    /** A bind that keeps losing races to rivals gives up after this many rounds, as the name is taken. */
    private static final int BIND_ROUNDS = 4;

    private final MessageQueue queue;
    private final boolean bound;
    /** Native receive buffers for the handler form; one per concurrent receiver, reused. */
    private final ArrayDeque<MemorySegment> buffers = new ArrayDeque<>();
    private final Arena arena = Arena.ofShared();
    /** Sleeps in poll(2) on the queue's descriptor (readable for the binder, writable for a sender), beside a wake pipe. */
    private final DescriptorBlocker sleep;
    /** How often a send waiting for room asks whether the binder removed the queue. */
    private static final long LIVENESS_NANOS = 50_000_000L;
    /** Closes the queue (the binder removes its name first): at close, at a clean exit, or when unreachable. */
    private final Reclaim.Handle unbind;

    private MqChannel(URI address, MessageQueue queue, boolean bound, WaitStrategy strategy) {
        super(address, queue.maxMessageSize(), strategy);
        this.queue = queue;
        this.bound = bound;
        this.sleep = new DescriptorBlocker(lifetime, queue.fd(), bound ? Poll.POLLIN : Poll.POLLOUT);
        // A binder that exits without closing (System.exit, SIGTERM) or drops the channel still leaves no queue.
        this.unbind = bound ? Reclaim.whenUnreachableOrAtExit(this, () -> unbind(queue))
                : Reclaim.whenUnreachable(this, queue::close);
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
        MessageQueue.Builder builder = MessageQueue.builder(name).maxMessages(count).maxMessageSize(size)
                .mode(options.permissions());
        for (int round = 1; ; round++) {
            MessageQueue q;
            try {
                q = builder.create();
            } catch (IpcException e) {
                if (e.reason() != IpcException.Reason.ALREADY_EXISTS || round >= BIND_ROUNDS
                        || !removeIfAbandoned(name)) {
                    throw e;
                }
                continue;  // the abandoned queue is gone: make ours (O_EXCL still: a rival that won stays)
            }
            boolean ok = false;
            try {
                if (FileLocks.tryLockExclusive(q.fd()) == 0 && stillNamed(q, name)) {
                    ok = true;
                    return new MqChannel(uri, q, true, options.waitStrategy());
                }
            } finally {
                if (!ok) {
                    q.close();
                }
            }
            // A rival judged our new queue abandoned in the instant before we locked it, and removed it.
            if (round >= BIND_ROUNDS) {
                throw new IpcException("mq_open", name, 0, null, "other binders kept taking the name while it "
                        + "was being bound", IpcException.Reason.ALREADY_EXISTS);
            }
        }
    }

    /**
     * Restart after a crash: removes the queue under {@code name} if no binder holds its lock
     * (see the class comment), and leaves alone a queue whose binder lives.
     *
     * @return whether the caller should try to create the queue again
     */
    private static boolean removeIfAbandoned(String name) throws IpcException {
        MessageQueue old;
        try {
            old = MessageQueue.open(name);
        } catch (IpcException e) {
            // Gone meanwhile (its binder closed): try again; anything else (not ours to open) stands.
            return e.reason() == IpcException.Reason.DOES_NOT_EXIST;
        }
        try (old) {
            if (FileLocks.tryLockExclusive(old.fd()) != 0) {
                return false;  // a binder lives (or a rival is taking it over right now)
            }
            // Held by us now: no binder of this queue lives, and none can start on it.
            if (stillNamed(old, name)) {
                MessageQueue.unlink(name);
            }
            // Closing lets the lock go only after the unlink, as a binder's own close does.
            return true;
        }
    }

    /** {@return whether {@code name} refers to the very queue {@code q} has open} */
    private static boolean stillNamed(MessageQueue q, String name) throws IpcException {
        MessageQueue now;
        try {
            now = MessageQueue.open(name);
        } catch (IpcException e) {
            if (e.reason() == IpcException.Reason.DOES_NOT_EXIST) {
                return false;
            }
            throw e;
        }
        try (now) {
            return FileLocks.identity(q.fd(), name).equals(FileLocks.identity(now.fd(), name));
        }
    }

    static MqChannel connect(URI uri, ChannelOptions options) throws IpcException {
        String name = queueName(uri);
        MessageQueue.Builder b = MessageQueue.builder(name);
        if (options.maxMessageSize() > 0) {
            b.maxMessageSize(options.maxMessageSize());
        }
        if (options.capacity() > 0) {
            b.maxMessages(options.capacity());
        }
        MessageQueue q = b.open();
        boolean ok = false;
        try {
            requireBinder(q, name);
            ok = true;
            return new MqChannel(uri, q, false, options.waitStrategy());
        } finally {
            if (!ok) {
                q.close();
            }
        }
    }

    /**
     * Refuses a queue that no binder holds (see the class comment), giving a binder that has
     * just created its queue {@value #BINDER_GRACE_MILLIS} ms to lock it. The question takes
     * no lock, so it never makes a binder's own attempt fail.
     */
    private static void requireBinder(MessageQueue q, String name) throws IpcException {
        Boolean held = Nap.until(() -> {
            int h = FileLocks.lockedByOther(q.fd());
            if (h < 0) {
                throw Errno.exception("fcntl(F_OFD_GETLK)", name, -h);
            }
            return h == 1 ? Boolean.TRUE : null;
        }, Deadline.afterNanos(BINDER_GRACE_MILLIS * 1_000_000L));
        if (held == null) {
            throw new IpcException("connect", name, 0, null, "no jipc binder holds this queue (a binder "
                    + "keeps a lock on it while bound): it was not made by a jipc channel, or its binder died; "
                    + "binding the address takes it over", IpcException.Reason.INCOMPATIBLE_LAYOUT);
        }
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
                            "the receiving end closed or died while this send waited for room: no binder holds its queue");
                }
            }
            return null;
        }, sleep, deadline) != null;
    }

    /**
     * Whether nobody receives from this queue any more: no binder holds its lock (the binder
     * closed, or died: SIGKILL leaves the queue and its name, but not the lock), or the queue
     * has lost its name.
     */
    private boolean binderGone() {
        if (FileLocks.lockedByOther(queue.fd()) == 0) {
            return true;
        }
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
        sleep.close();
        unbind.run();
        arena.close();
    }

    /**
     * Removes the binder's queue name, unless someone removed it and bound it anew meanwhile
     * (it names another queue then), and then closes the descriptor: the lock goes only after
     * the name, as the protocol in the class comment needs.
     */
    private static void unbind(MessageQueue queue) {
        try {
            if (stillNamed(queue, queue.name())) {
                MessageQueue.unlink(queue.name());
            }
        } catch (IpcException | RuntimeException e) {
            // Removed by someone else meanwhile: nothing of ours is left under the name.
        } finally {
            queue.close();
        }
    }
}
