package io.jipc.channel;

// Long because binding, taking over a dead binder, the attach checks and the ring-backed
// send and receive all follow one header protocol.

import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.internal.Deadline;
import io.jipc.internal.Nap;
import io.jipc.internal.Wait;
import io.jipc.internal.Reclaim;
import io.jipc.process.ProcessIdentity;
import io.jipc.ring.Claim;
import io.jipc.ring.MpscRing;
import io.jipc.ring.RecordSpanHandler;
import io.jipc.ring.Ring;
import io.jipc.ring.RingDescriptor;
import io.jipc.shm.SharedMemory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

import static io.jipc.channel.ShmChannelDescriptor.BINDER_PID_OFFSET;
import static io.jipc.channel.ShmChannelDescriptor.BINDER_START_TIME_OFFSET;
import static io.jipc.channel.ShmChannelDescriptor.INCARNATION_OFFSET;
import static io.jipc.channel.ShmChannelDescriptor.LAYOUT_VERSION;
import static io.jipc.channel.ShmChannelDescriptor.LAYOUT_VERSION_OFFSET;
import static io.jipc.channel.ShmChannelDescriptor.MAGIC;
import static io.jipc.channel.ShmChannelDescriptor.MAGIC_OFFSET;
import static io.jipc.channel.ShmChannelDescriptor.MAX_MESSAGE_SIZE_OFFSET;
import static io.jipc.channel.ShmChannelDescriptor.RING_OFFSET;
import static io.jipc.channel.ShmChannelDescriptor.STATE_CLOSED;
import static io.jipc.channel.ShmChannelDescriptor.STATE_MAKING;
import static io.jipc.channel.ShmChannelDescriptor.STATE_OFFSET;
import static io.jipc.channel.ShmChannelDescriptor.STATE_OPEN;

/**
 * A channel over an MPSC ring in a named shared-memory object ({@code shm:/name}), laid out as
 * {@link ShmChannelDescriptor} says. The binding end creates the object and the ring and
 * receives; connecting ends open it and send, as many as like, each a producer of the ring.
 * A message is one ring record: a send reserves room, copies the message in (one copy) and
 * commits, the ring's {@code offer}; a receive with a handler hands the record over where it
 * lies in the ring, and the ring releases it after the handler returns.
 *
 * <p>Like a message queue, shared memory has no connection: the binding end never reaches end
 * of channel, and a sender learns that the binder is gone from the header's state, which it
 * reads before every send and, while it waits for room, on every wake-up (every 50 ms it also asks
 * whether the binder's process still lives).
 */
final class ShmChannel extends AbstractChannel {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** How long a connecting end gives a header with no binder in it before it calls it foreign. */
    private static final long MAKING_GRACE_NANOS = 50_000_000L;

    private final SharedMemory shm;
    private final MemorySegment header;
    private final MpscRing ring;
    private final boolean bound;
    /** The binder, as its header names it; for a sender that waits for room. */
    private final ProcessIdentity binder;
    /** The binder's removal of its name: at close, at a clean exit, or when the channel is unreachable. */
    private final Reclaim.Handle unbind;
    /** Ring consumer methods are for one thread at a time. */
    private final ReentrantLock receiving = new ReentrantLock();
    /** The ring's region: its header holds the futex words the waits sleep on. */
    private final MemorySegment ringRegion;
    /** The receiving end's sleep; null on a sending end. */
    private final RingSleeps.Data dataSleep;
    private final Receiver receiver = new Receiver();

    private ShmChannel(URI address, int maxMessageSize, SharedMemory shm, MpscRing ring, boolean bound,
                       WaitStrategy strategy) {
        super(address, maxMessageSize, strategy);
        this.shm = shm;
        this.header = shm.segment().asSlice(0, ShmChannelDescriptor.HEADER_LENGTH);
        this.ring = ring;
        this.ringRegion = shm.segment().asSlice(RING_OFFSET);
        this.dataSleep = bound ? new RingSleeps.Data(lifetime, ringRegion, ring.capacity()) : null;
        this.bound = bound;
        int pid = (int) INT.get(header, (long) BINDER_PID_OFFSET);
        long startTime = (long) LONG.get(header, (long) BINDER_START_TIME_OFFSET);
        this.binder = pid > 0 && startTime >= 0 ? new ProcessIdentity(pid, startTime) : null;
        if (bound) {
            // A binder that exits without closing (System.exit, SIGTERM) or drops the channel still leaves no name.
            String objectName = shm.name();
            long incarnation = (long) LONG.get(header, (long) INCARNATION_OFFSET);
            this.unbind = Reclaim.whenUnreachableOrAtExit(this, () -> unbind(objectName, incarnation));
        } else {
            this.unbind = null;
        }
    }

    /** The shared-memory name in an {@code shm:/name} address. */
    static String objectName(URI uri) {
        String path = uri.isOpaque() ? null : uri.getPath();
        if (path == null || !path.startsWith("/") || path.startsWith("//") || uri.getRawAuthority() != null
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("shared-memory address " + uri + " must be shm:/name (one leading "
                    + "'/', no host, query or fragment), as in shm:/orders");
        }
        return path;
    }

    static ShmChannel bind(URI uri, ChannelOptions options) throws IpcException {
        String name = objectName(uri);
        int max = options.maxMessageSizeOrDefault();
        int messages = options.capacity() > 0 ? options.capacity() : ShmChannelDescriptor.DEFAULT_CAPACITY;
        int capacity = ShmChannelDescriptor.ringCapacity(max, messages);
        SharedMemory shm;
        try {
            shm = SharedMemory.builder(name).size(ShmChannelDescriptor.objectLength(capacity))
                    .mode(options.permissions()).create();
        } catch (IpcException e) {
            if (e.reason() != IpcException.Reason.ALREADY_EXISTS || !removeIfBinderDead(name)) {
                throw e;
            }
            // The dead binder's object is gone: make ours (O_EXCL still: a live rival that won stays).
            shm = SharedMemory.builder(name).size(ShmChannelDescriptor.objectLength(capacity))
                    .mode(options.permissions()).create();
        }
        boolean ok = false;
        try {
            MemorySegment mem = shm.segment();
            ProcessIdentity me = ProcessIdentity.current();
            LONG.set(mem, (long) MAGIC_OFFSET, MAGIC);
            INT.set(mem, (long) LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
            INT.set(mem, (long) MAX_MESSAGE_SIZE_OFFSET, max);
            INT.set(mem, (long) BINDER_PID_OFFSET, me.pid());
            LONG.set(mem, (long) BINDER_START_TIME_OFFSET, me.startTime());
            LONG.set(mem, (long) INCARNATION_OFFSET, ThreadLocalRandom.current().nextLong() | 1);
            MpscRing ring = MpscRing.create(mem.asSlice(RING_OFFSET), capacity);
            // Publishes the fields above and the ring to every connecting end's acquire read.
            INT.setRelease(mem, (long) STATE_OFFSET, STATE_OPEN);
            ShmChannel c = new ShmChannel(uri, max, shm, ring, true, options.waitStrategy());
            ok = true;
            return c;
        } finally {
            if (!ok) {
                shm.close();
                try {
                    SharedMemory.unlink(name);
                } catch (IpcException e) {
                    // The failure that brought us here is the one to report.
                }
            }
        }
    }

    /**
     * Restart after a crash: removes the channel object under {@code name} if its header names
     * a binder that is dead (pid and start time) or that closed it, and leaves alone anything
     * else (a live binder, an object jipc did not make). A rival that read the same dead header
     * and removed and re-made the name between our look and our removal is protected by the
     * incarnation, read twice; the window between that second read and the unlink remains.
     *
     * @return whether the name was removed
     */
    private static boolean removeIfBinderDead(String name) {
        try (SharedMemory old = SharedMemory.open(name)) {
            if (old.size() < ShmChannelDescriptor.HEADER_LENGTH) {
                return false;
            }
            MemorySegment h = old.segment();
            if ((long) LONG.get(h, (long) MAGIC_OFFSET) != MAGIC) {
                return false;
            }
            int state = (int) INT.getAcquire(h, (long) STATE_OFFSET);
            int pid = (int) INT.get(h, (long) BINDER_PID_OFFSET);
            long startTime = (long) LONG.get(h, (long) BINDER_START_TIME_OFFSET);
            boolean alive = pid > 0 && new ProcessIdentity(pid, startTime).isAlive();
            if (state != STATE_CLOSED && alive) {
                return false;
            }
            long incarnation = (long) LONG.getVolatile(h, (long) INCARNATION_OFFSET);
            try (SharedMemory again = SharedMemory.open(name)) {
                if (again.size() < ShmChannelDescriptor.HEADER_LENGTH
                        || (long) LONG.getVolatile(again.segment(), (long) INCARNATION_OFFSET) != incarnation) {
                    return false;
                }
            }
            SharedMemory.unlink(name);
            return true;
        } catch (IpcException | RuntimeException e) {
            return false;
        }
    }

    static ShmChannel connect(URI uri, ChannelOptions options) throws IpcException {
        String name = objectName(uri);
        SharedMemory shm = SharedMemory.builder(name).size(ShmChannelDescriptor.objectLength(
                RingDescriptor.MIN_CAPACITY)).open();
        boolean ok = false;
        try {
            MemorySegment mem = shm.segment();
            long start = System.nanoTime();
            // The binder fills the header in; nothing signals its end, so the wait naps.
            Integer made = Nap.until(() -> {
                int s = (int) INT.getAcquire(mem, (long) STATE_OFFSET);
                if (s != STATE_MAKING) {
                    return s;
                }
                // A binder writes its pid right after making the object; zeros after the grace are not a binder's.
                int pid = (int) INT.getAcquire(mem, (long) BINDER_PID_OFFSET);
                if (System.nanoTime() - start > MAKING_GRACE_NANOS) {
                    if (pid == 0) {
                        throw new IpcException("connect", name, 0, null, "not a channel made by jipc: its header "
                                + "names no binder (zero-filled?) " + MAKING_GRACE_NANOS / 1_000_000
                                + " ms after it was found", IpcException.Reason.INCOMPATIBLE_LAYOUT);
                    }
                    if (!new ProcessIdentity(pid, (long) LONG.get(mem, (long) BINDER_START_TIME_OFFSET)).isAlive()) {
                        throw new IpcException("connect", name, 0, null, "its binder (pid " + pid + ") died while "
                                + "making the channel; binding the address again takes it over",
                                IpcException.Reason.CREATOR_DIED);
                    }
                }
                return null;
            }, Deadline.afterNanos(nanos(options.connectTimeout())));
            if (made == null) {
                throw new IpcException("connect", name, "the binding end did not finish making the "
                        + "channel within " + options.connectTimeout().toMillis() + " ms (it may have died "
                        + "while binding; then remove " + name + ")", IpcException.Reason.OTHER);
            }
            int state = made;
            long magic = (long) LONG.get(mem, (long) MAGIC_OFFSET);
            int version = (int) INT.get(mem, (long) LAYOUT_VERSION_OFFSET);
            if (magic != MAGIC || version != LAYOUT_VERSION) {
                throw new IpcException("connect", name, magic != MAGIC
                        ? "not a jipc shared-memory channel (magic 0x" + Long.toHexString(magic) + ")"
                        : "channel layout version " + version + ", this jipc reads version " + LAYOUT_VERSION,
                        IpcException.Reason.INCOMPATIBLE_LAYOUT);
            }
            if (state == STATE_CLOSED) {
                throw new IpcException("connect", name, "the binding end has closed",
                        IpcException.Reason.DOES_NOT_EXIST);
            }
            MpscRing ring;
            try {
                ring = MpscRing.attach(mem.asSlice(RING_OFFSET));
            } catch (IpcException e) {
                IpcException named = new IpcException("connect", name, e.getMessage(), e.reason());
                named.initCause(e);
                throw named;
            }
            int max = (int) INT.get(mem, (long) MAX_MESSAGE_SIZE_OFFSET);
            if (max < 0 || max > ring.maxMessageLength()) {
                throw new IpcException("connect", name, "the header's maximum message size " + max
                        + " does not fit its ring of " + ring.capacity() + " bytes",
                        IpcException.Reason.INCOMPATIBLE_LAYOUT);
            }
            Sockets.requireSize(uri.toString(), max, options);
            long held = ShmChannelDescriptor.messagesHeld(ring.capacity(), max);
            if (held < options.capacity()) {
                throw new IpcException("connect", uri.toString(), "the channel's ring holds " + held
                        + " messages of the maximum size; at least " + options.capacity() + " were required",
                        IpcException.Reason.INCOMPATIBLE_LAYOUT);
            }
            ShmChannel c = new ShmChannel(uri, max, shm, ring, false, options.waitStrategy());
            ok = true;
            return c;
        } finally {
            if (!ok) {
                shm.close();
            }
        }
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
        return bound ? "the end that binds shm: receives; peers connect to send"
                : "the end that connects to shm: sends; only the binding end receives";
    }

    // ---- sending: reserve, one copy, commit ----

    /**
     * The ring's {@code offer}, not a {@link Claim}: it reserves, copies and commits without
     * an object per message, where a claim escapes (72 bytes a send) as soon as the JIT has
     * seen other callers of {@code tryClaim}.
     */
    @Override
    boolean send0(MemorySegment message, Deadline deadline) throws IOException {
        checkBinder(false);
        if (ring.offer(Ring.DEFAULT_TYPE, message)) {
            return true;
        }
        return !deadline.isNow() && awaitRoom(message, deadline);
    }

    /** The slow path of a send: waits for room; asks now and then whether the binder still lives. */
    private boolean awaitRoom(MemorySegment message, Deadline deadline) throws IOException {
        RingSleeps.Space space = new RingSleeps.Space(lifetime, ringRegion, ring.capacity(), (int) message.byteSize());
        long[] lastLook = {System.nanoTime()};
        return await(() -> {
            space.beforeAttempt();
            if (ring.offer(Ring.DEFAULT_TYPE, message)) {
                return Boolean.TRUE;
            }
            long now = System.nanoTime();
            boolean look = now - lastLook[0] >= RingSleeps.LIVENESS_NANOS;
            if (look) {
                lastLook[0] = now;
            }
            checkBinder(look);
            return null;
        }, space, deadline) != null;
    }

    /**
     * Throws {@link ChannelClosedException} if the binding end has closed, or, when
     * {@code waited} (a send found no room for a while), if its process is gone.
     */
    private void checkBinder(boolean waited) throws ChannelClosedException {
        if ((int) INT.getAcquire(header, (long) STATE_OFFSET) == STATE_CLOSED) {
            throw new ChannelClosedException("send", name, waited
                    ? "the receiving end closed while this send waited for room"
                    : "the receiving end has closed: nothing receives from this ring any more");
        }
        if (waited && binder != null && !binder.isAlive()) {
            throw new ChannelClosedException("send", name, "the receiving end (pid " + binder.pid()
                    + ") died: nothing receives from this ring any more");
        }
    }

    // ---- receiving: in place, released after the handler ----

    @Override
    int receive0(MemorySegment into, Peer from, Deadline deadline) throws IOException {
        return receive(into, null, from, deadline) ? receiver.length : NOTHING;
    }

    @Override
    boolean receive0(MessageHandler handler, Peer from, Deadline deadline) throws IOException {
        return receive(null, handler, from, deadline);
    }

    /** Hands at most one record to the caller's buffer or handler; {@return whether one came in time} */
    private boolean receive(MemorySegment into, MessageHandler handler, Peer from, Deadline deadline)
            throws IOException {
        if (!lock(receiving, deadline)) {
            return false;
        }
        Receiver r = receiver;
        r.into = into;
        r.handler = handler;
        r.from = from;
        try {
            if (ring.poll(r, 1) > 0) {
                return true;
            }
            return !deadline.isNow() && await(r, dataSleep, deadline) != null;
        } catch (HandlerFailed e) {
            throw e.getCause();
        } finally {
            r.into = null;
            r.handler = null;
            r.from = null;
            receiving.unlock();
        }
    }

    /**
     * The one receive in progress (under {@link #receiving}): the ring's record handler and
     * the wait loop's attempt at once, so that a receive allocates nothing.
     */
    private final class Receiver implements RecordSpanHandler, Wait.Attempt<Boolean> {
        MemorySegment into;
        MessageHandler handler;
        Peer from;
        int length;

        @Override
        public Boolean attempt() {
            return ring.poll(this, 1) > 0 ? Boolean.TRUE : null;
        }

        @Override
        public void onRecord(int type, MemorySegment buffer, long offset, int length) {
            checkLength(length);
            this.length = length;
            fill(from);
            if (handler == null) {
                MemorySegment.copy(buffer, offset, into, 0, length);
                return;
            }
            try {
                deliver(handler, buffer, offset, length);
            } catch (IOException e) {
                throw new HandlerFailed(e);
            }
        }
    }

    /**
     * A record longer than the channel's maximum was not written by a jipc sender (the ring's
     * own limit is higher, and a C program may use it): it is refused as corrupt, released
     * unread, and the receive that met it throws; the next receive goes on.
     */
    private void checkLength(int length) {
        if (length > maxMessageSize) {
            IpcException e = new IpcException("receive", name, 0, null, "a record of " + length
                    + " bytes is longer than the channel's maximum of " + maxMessageSize + " bytes: not written by a "
                    + "jipc sender, refused as corrupt and discarded", IpcException.Reason.INVALID_ARGUMENT);
            throw new HandlerFailed(e);
        }
    }

    /** Carries a handler's {@link IOException} through the ring's handler, which cannot throw it. */
    private static final class HandlerFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerFailed(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    /**
     * Wakes this end's waits. A receive may still be leaving, but the senders, in every
     * process, can stop at once all the same: the state says closed, and they are woken to read it.
     */
    @Override
    protected void wakeUp() {
        if (bound) {
            INT.setVolatile(header, (long) STATE_OFFSET, STATE_CLOSED);
            dataSleep.wake();
        }
        RingSleeps.wakeProducers(ringRegion);
    }

    @Override
    protected void release() {
        if (bound) {
            INT.setVolatile(header, (long) STATE_OFFSET, STATE_CLOSED);
            unbind.run();
        }
        shm.close();
    }

    /**
     * Marks the channel closed and removes the name, unless someone removed it and bound it
     * anew meanwhile (the incarnation differs). It works through a mapping of its own, never
     * the channel's, so that it can run at JVM exit while the channel is in use or unmapped.
     */
    private static void unbind(String name, long incarnation) {
        try {
            boolean same;
            try (SharedMemory now = SharedMemory.open(name)) {
                same = now.size() >= ShmChannelDescriptor.HEADER_LENGTH
                        && (long) LONG.getVolatile(now.segment(), (long) INCARNATION_OFFSET) == incarnation;
                if (same) {
                    INT.setVolatile(now.segment(), (long) STATE_OFFSET, STATE_CLOSED);
                }
            }
            if (same) {
                SharedMemory.unlink(name);
            }
        } catch (IpcException | RuntimeException e) {
            // Gone already, or not ours to remove: nothing of this channel is left under the name.
        }
    }
}
