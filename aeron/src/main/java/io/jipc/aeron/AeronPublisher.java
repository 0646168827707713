package io.jipc.aeron;

import io.aeron.AeronCounters;
import io.aeron.Publication;
import io.aeron.exceptions.AeronException;
import io.aeron.exceptions.RegistrationException;
import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.channel.ChannelClosedException;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.MessageHandler;
import io.jipc.channel.spi.WaitLimit;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sending end of an {@code aeron:} channel: one Aeron publication. A send is one
 * {@code offer}, which Aeron fragments when the message is longer than a frame; "no room"
 * is what Aeron calls back-pressure, and also "no subscriber yet" (Aeron drops nothing a
 * subscriber could miss: an unconnected publication takes no message).
 */
final class AeronPublisher extends AeronChannel {
    /** How long an orderly close waits for the driver to send what was offered, as a stream's close does. */
    private static final long LINGER_NANOS = 1_000_000_000L;
    /**
     * How long an embedded driver keeps a closed publication for retransmissions (Aeron's
     * default is 5 s): the last channel's close waits for it, so it is short.
     */
    static final String EMBEDDED_LINGER = "300ms";

    private final Publication publication;
    private final boolean udp;
    private final ReentrantLock sending = new ReentrantLock();
    /** Set once a subscriber was connected: from then on, losing every subscriber is the end of the channel. */
    private volatile boolean wasConnected;

    private AeronPublisher(URI address, int max, EmbeddedDriver.Lease lease, WaitStrategy wait,
                           Publication publication, boolean udp) {
        super(address, max, lease, wait);
        this.publication = publication;
        this.udp = udp;
    }

    static AeronPublisher connect(URI uri, ChannelOptions options) throws IOException {
        AeronOptions ao = options.transport(AeronOptions.class).orElse(AeronOptions.defaults());
        AeronAddress a = AeronAddress.parse(uri, ao);
        int max = a.connectMax(uri, options);
        EmbeddedDriver.Lease lease = EmbeddedDriver.lease(ao, options.waitStrategy(), "connect", uri.toString());
        try {
            String channel = a.publicationChannel(uri, max, lease.embedded() ? EMBEDDED_LINGER : null);
            Publication p = lease.aeron().addPublication(channel, a.streamId());
            return new AeronPublisher(uri, max, lease, options.waitStrategy(), p, a.media().equals("udp"));
        } catch (RegistrationException e) {
            lease.close();
            throw refused("connect", uri, e);
        } catch (IllegalArgumentException e) {
            lease.close();
            throw e;
        } catch (RuntimeException e) {
            lease.close();
            throw EmbeddedDriver.failed("connect", uri.toString(), "adding an Aeron publication", e);
        }
    }

    @Override
    public boolean canSend() {
        return true;
    }

    @Override
    public boolean canReceive() {
        return false;
    }

    @Override
    protected boolean send0(MemorySegment message, WaitLimit limit) throws IOException {
        if (!awaitLock(sending, limit)) {
            return false;
        }
        Backoff backoff = new Backoff(waitStrategy);
        try {
            UnsafeBuffer buffer = wrap(message);
            int length = (int) message.byteSize();
            while (true) {
                long result;
                try {
                    result = publication.offer(buffer, 0, length);
                } catch (AeronException e) {
                    throw EmbeddedDriver.failed("send", name(), "Aeron's offer", e);
                }
                if (result > 0) {
                    wasConnected = true;
                    return true;
                }
                if (result == Publication.NOT_CONNECTED && wasConnected) {
                    throw new ChannelClosedException("send", name(), "no subscriber is connected any more (every one "
                            + "closed, or was silent longer than the driver's liveness timeout)");
                }
                if (result == Publication.CLOSED) {
                    if (isClosing()) {
                        throw closedWhileWaiting();
                    }
                    throw new IpcException("send", name(), "the Aeron client closed the publication (it lost "
                            + "its media driver)", IpcException.Reason.OTHER);
                }
                if (result == Publication.MAX_POSITION_EXCEEDED) {
                    throw new IpcException("send", name(), "the publication reached Aeron's maximum "
                            + "position; connect again", IpcException.Reason.LIMIT_EXCEEDED);
                }
                if (publication.isConnected()) {
                    wasConnected = true;
                }
                // BACK_PRESSURED, ADMIN_ACTION, or no subscriber yet: no room now.
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
            backoff.restoreInterrupt();
            sending.unlock();
        }
    }

    /** {@return an Agrona view of {@code m}, without a copy where Agrona can address it} */
    private static UnsafeBuffer wrap(MemorySegment m) {
        int length = (int) m.byteSize();
        if (m.isNative()) {
            return new UnsafeBuffer(m.address(), length);
        }
        Object base = m.heapBase().orElse(null); // empty for read-only segments
        if (base instanceof byte[] array) {
            return new UnsafeBuffer(array, (int) m.address(), length);
        }
        return new UnsafeBuffer(m.toArray(ValueLayout.JAVA_BYTE));
    }

    @Override
    protected int receive0(MemorySegment into, WaitLimit limit) {
        throw new AssertionError("a publisher cannot receive");
    }

    @Override
    protected boolean receive0(MessageHandler handler, WaitLimit limit) {
        throw new AssertionError("a publisher cannot receive");
    }

    @Override
    protected void release() {
        try {
            // The embedded driver closes with its last channel, and a driver that is gone sends
            // nothing: let it send what was offered, then the end of stream (while the
            // publication drains), so the subscriber sees an orderly end, not a dead publisher.
            boolean driverEnds = udp && lease.embedded() && lease.last() && wasConnected;
            if (driverEnds) {
                awaitSent();
            }
            long registration = publication.originalRegistrationId();
            publication.close();
            if (driverEnds) {
                awaitRemoved(registration);
            }
        } catch (RuntimeException e) {
            // The client already lost its driver: nothing left to close.
        }
        lease.close();
    }

    /** Waits (at most {@link #LINGER_NANOS}) until the embedded driver has sent everything offered. */
    private void awaitSent() {
        long target = publication.position();
        CountersReader counters = lease.aeron().countersReader();
        int counter = senderPosition(counters, publication.originalRegistrationId());
        long start = System.nanoTime();
        while (counter != CountersReader.NULL_COUNTER_ID && counters.getCounterValue(counter) < target
                && System.nanoTime() - start < LINGER_NANOS && publication.isConnected()) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * Waits (at most twice {@link #LINGER_NANOS}) until the driver has removed the closed
     * publication: it drains, sends the end of stream, lingers {@value #EMBEDDED_LINGER}, goes.
     */
    private void awaitRemoved(long registration) {
        CountersReader counters = lease.aeron().countersReader();
        long start = System.nanoTime();
        while (senderPosition(counters, registration) != CountersReader.NULL_COUNTER_ID
                && System.nanoTime() - start < 2 * LINGER_NANOS) {
            LockSupport.parkNanos(5_000_000);
        }
    }

    private static int senderPosition(CountersReader counters, long registration) {
        int[] found = {CountersReader.NULL_COUNTER_ID};
        counters.forEach((id, type, key, label) -> {
            if (type == AeronCounters.DRIVER_SENDER_POSITION_TYPE_ID && key.getLong(0) == registration) {
                found[0] = id;
            }
        });
        return found[0];
    }
}
