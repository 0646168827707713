package io.jipc.aeron;

import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.exceptions.AeronException;
import io.aeron.exceptions.RegistrationException;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.channel.ChannelClosedException;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.MessageHandler;
import io.jipc.channel.spi.WaitLimit;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The receiving end of an {@code aeron:} channel: one Aeron subscription, whose images (one
 * per publisher) are polled in turn, one whole message per receive.
 *
 * <p>Reassembly: a message longer than a frame arrives as fragments, which are gathered in a
 * buffer of {@link #maxMessageSize()} bytes per image, allocated when that image first sends
 * one. A fragmented message that outgrows the maximum is not copied further; it is dropped
 * and reported once, when its last fragment arrives (a publisher's maximum may be larger
 * than this end's: Aeron has no handshake that could refuse it earlier).
 */
final class AeronSubscriber extends AeronChannel implements ControlledFragmentHandler {
    private static final int FRAGMENT_LIMIT = 64;

    private final Subscription subscription;
    private final ReentrantLock receiving = new ReentrantLock();
    /** Publishers whose image went without end of stream, for the next receives to report (filled by Aeron's conductor). */
    private final Queue<String> lost;
    /** Images gone, whose assembly buffers the next receive drops (filled by Aeron's conductor). */
    private final Queue<Long> gone;
    /** Partly assembled messages by image (correlation id); touched only under {@link #receiving}. */
    private final Map<Long, Assembly> assemblies = new HashMap<>();
    private int nextImage;

    // The current receive, for onFragment (under receiving).
    private Image image;
    private MemorySegment into;
    private MessageHandler handler;
    private int received;
    private Throwable failure;

    private AeronSubscriber(URI address, int max, EmbeddedDriver.Lease lease, WaitStrategy wait,
                            Subscription subscription, Queue<String> lost, Queue<Long> gone) {
        super(address, max, lease, wait);
        this.subscription = subscription;
        this.lost = lost;
        this.gone = gone;
    }

    static AeronSubscriber bind(URI uri, ChannelOptions options) throws IOException {
        AeronOptions ao = options.transport(AeronOptions.class).orElse(AeronOptions.defaults());
        AeronAddress a = AeronAddress.parse(uri, ao);
        int max = AeronAddress.bindMax(uri, options);
        if (a.maxMessageSize() != 0 && a.maxMessageSize() != max) {
            throw new IllegalArgumentException("aeron address " + uri + " names a maximum message size of "
                    + a.maxMessageSize() + " and the options " + max + ": bind with one");
        }
        EmbeddedDriver.Lease lease = EmbeddedDriver.lease(ao, options.waitStrategy(), "bind", uri.toString());
        Subscription s = null;
        try {
            Queue<String> lost = new ConcurrentLinkedQueue<>();
            Queue<Long> gone = new ConcurrentLinkedQueue<>();
            s = lease.aeron().addSubscription(a.channel(), a.streamId(), img -> { }, img -> {
                gone.add(img.correlationId());
                if (!img.isEndOfStream()) {
                    lost.add("publisher session " + img.sessionId() + " from " + img.sourceIdentity());
                }
            });
            String endpoint = a.media().equals("udp") ? resolved(s, uri, options) : null;
            return new AeronSubscriber(a.reported(endpoint, max), max, lease, options.waitStrategy(), s, lost, gone);
        } catch (RegistrationException e) {
            close(s, lease);
            throw refused("bind", uri, e);
        } catch (IOException | RuntimeException e) {
            close(s, lease);
            throw e instanceof IOException io ? io
                    : EmbeddedDriver.failed("bind", uri.toString(), "adding an Aeron subscription", e);
        }
    }

    private static void close(Subscription s, EmbeddedDriver.Lease lease) {
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException ignored) {
                // The client is going anyway.
            }
        }
        lease.close();
    }

    /** {@return the endpoint the driver bound (the real port of port 0)} */
    private static String resolved(Subscription s, URI uri, ChannelOptions options) throws IpcException {
        long end = System.nanoTime() + options.connectTimeout().toNanos();
        while (true) {
            String e = s.resolvedEndpoint();
            if (e != null) {
                return e;
            }
            if (System.nanoTime() - end > 0) {
                throw new IpcException("bind", uri.toString(), "the Aeron media driver did not bind the "
                        + "endpoint within " + options.connectTimeout(), IpcException.Reason.OTHER);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Override
    public boolean canSend() {
        return false;
    }

    @Override
    public boolean canReceive() {
        return true;
    }

    @Override
    protected boolean send0(MemorySegment message, WaitLimit limit) {
        throw new AssertionError("a subscriber cannot send");
    }

    @Override
    protected int receive0(MemorySegment into, WaitLimit limit) throws IOException {
        return receive(into, null, limit) ? received : NOTHING;
    }

    @Override
    protected boolean receive0(MessageHandler handler, WaitLimit limit) throws IOException {
        return receive(null, handler, limit);
    }

    private boolean receive(MemorySegment into, MessageHandler handler, WaitLimit limit) throws IOException {
        if (!awaitLock(receiving, limit)) {
            return false;
        }
        Backoff backoff = new Backoff(waitStrategy);
        this.into = into;
        this.handler = handler;
        try {
            while (true) {
                dropGone();
                if (pollOne()) {
                    return true;
                }
                String dead = lost.poll();
                if (dead != null) {
                    throw new ChannelClosedException("receive", name(), dead + " is gone without closing its "
                            + "publication (died, or silent longer than the driver's liveness timeout); this end "
                            + "goes on receiving from other and new publishers");
                }
                if (isClosing()) {
                    throw closedWhileWaiting();
                }
                long left = limit.remainingNanos();
                if (left <= 0) {
                    return false;
                }
                backoff.idle(left);
            }
        } finally {
            this.into = null;
            this.handler = null;
            this.image = null;
            backoff.restoreInterrupt();
            receiving.unlock();
        }
    }

    /** {@return whether one message (or one failure to report) came out of an image} */
    private boolean pollOne() throws IOException {
        List<Image> images;
        try {
            images = subscription.images();
        } catch (AeronException e) {
            throw EmbeddedDriver.failed("receive", name(), "Aeron's subscription", e);
        }
        int count = images.size();
        for (int k = 0; k < count; k++) {
            int i = (nextImage + k) % count;
            image = images.get(i);
            received = NOTHING;
            failure = null;
            image.controlledPoll(this, FRAGMENT_LIMIT);
            if (received != NOTHING || failure != null) {
                nextImage = i + 1; // the next receive starts at the next publisher: turns are fair
                Throwable f = failure;
                failure = null;
                if (f != null) {
                    rethrow(f);
                }
                return true;
            }
        }
        return false;
    }

    private static void rethrow(Throwable f) throws IOException {
        if (f instanceof IOException io) {
            throw io;
        }
        if (f instanceof RuntimeException r) {
            throw r;
        }
        throw (Error) f;
    }

    private void dropGone() {
        for (Long id = gone.poll(); id != null; id = gone.poll()) {
            assemblies.remove(id);
        }
    }

    @Override
    public Action onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        byte flags = header.flags();
        if ((flags & FrameDescriptor.UNFRAGMENTED) == FrameDescriptor.UNFRAGMENTED) {
            if (length > maxMessageSize()) {
                failure = tooLong(length, header);
                return Action.BREAK;
            }
            hand(view(buffer, offset, length), length);
            return Action.BREAK;
        }
        Assembly a = assemblies.computeIfAbsent(image.correlationId(), id -> new Assembly(maxMessageSize()));
        if ((flags & FrameDescriptor.BEGIN_FRAG_FLAG) != 0) {
            a.begin();
        } else if (!a.active) {
            return Action.CONTINUE; // joined in the middle of a message: its start is not ours to have
        }
        a.append(buffer, offset, length);
        if ((flags & FrameDescriptor.END_FRAG_FLAG) == 0) {
            return Action.CONTINUE;
        }
        a.active = false;
        if (a.length > maxMessageSize()) {
            failure = tooLong(a.length, header);
        } else {
            hand(a.memory.asSlice(0, a.length), (int) a.length);
        }
        return Action.BREAK;
    }

    /** Gives the message to the caller's buffer or handler; a handler's exception is kept for the caller. */
    private void hand(MemorySegment message, int length) {
        try {
            if (handler != null) {
                deliver(handler, message);
            } else {
                MemorySegment.copy(message, 0, into, 0, length);
            }
        } catch (Throwable t) {
            failure = t;
        }
        received = length;
    }

    private IpcException tooLong(long length, Header header) {
        return new IpcException("receive", name(), "a message of " + length + " bytes from publisher "
                + "session " + header.sessionId() + " is longer than the maximum of " + maxMessageSize()
                + " bytes; it was dropped", IpcException.Reason.INVALID_ARGUMENT);
    }

    /** {@return the bytes of a frame where they lie, or a copy where Agrona does not say where} */
    private static MemorySegment view(DirectBuffer buffer, int offset, int length) {
        ByteBuffer bb = buffer.byteBuffer();
        if (bb != null) {
            return MemorySegment.ofBuffer(bb).asSlice(buffer.wrapAdjustment() + (long) offset, length);
        }
        byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        return MemorySegment.ofArray(copy);
    }

    @Override
    protected void release() {
        close(subscription, lease);
    }

    /** A message being gathered from fragments, in memory of the maximum's size, never more. */
    private static final class Assembly {
        final MemorySegment memory;
        long length;
        boolean active;

        Assembly(int max) {
            memory = Arena.ofAuto().allocate(max);
        }

        void begin() {
            length = 0;
            active = true;
        }

        void append(DirectBuffer buffer, int offset, int fragment) {
            if (length + fragment <= memory.byteSize()) {
                MemorySegment.copy(view(buffer, offset, fragment), 0, memory, length, fragment);
            }
            length += fragment; // counted past the maximum only to say how long the dropped message was
        }
    }
}
