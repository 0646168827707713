package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.internal.Deadline;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A channel over one byte stream to one peer (a pipe pair, or a socket this side connected):
 * framed by {@link FrameReader} and {@link FrameWriter}, duplex.
 *
 * <p>One receive and one send at a time, each under its own lock, so a thread may wait for a
 * message while another sends. The end of the stream is the end of the channel: buffered
 * whole messages are still delivered, then a receive throws {@link ChannelClosedException};
 * a stream that ends inside a frame first makes one receive fail with an
 * {@link IpcException} that says how far the frame got.
 */
final class StreamChannel extends AbstractChannel {
    /** How often a receive that waits tries to push out a held tail. */
    private static final long TAIL_RETRY_NANOS = 5_000_000L;
    /** How long a close may spend writing a held tail before it gives up on the message. */
    static final long CLOSE_LINGER_NANOS = 1_000_000_000L;

    private final ByteLink link;
    private final FrameReader reader;
    private final FrameWriter writer;
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final ReentrantLock sendLock = new ReentrantLock();
    /** Set once nothing more can be received; the reason is what the next receive reports. */
    private volatile String inputEnded;
    /** Set once nothing more can be sent. */
    private volatile String outputEnded;
    /** Set when a protocol error dropped the connection: what is still buffered is not to be trusted. */
    private volatile boolean dropped;

    /**
     * @param peerHelloSeen whether a handshake already read the peer's hello
     * @param ourHello      whether this side still has to send its hello (queued, sent first)
     */
    StreamChannel(URI address, int maxMessageSize, ByteLink link, boolean peerHelloSeen, boolean ourHello,
                  WaitStrategy strategy) throws IOException {
        super(address, maxMessageSize, strategy);
        this.link = link;
        link.attach(lifetime);
        this.reader = new FrameReader(maxMessageSize, peerHelloSeen);
        this.writer = new FrameWriter(maxMessageSize);
        if (ourHello) {
            writer.queueHello(maxMessageSize);
        }
    }

    @Override
    public boolean canSend() {
        return true;
    }

    @Override
    public boolean canReceive() {
        return true;
    }

    // ---- sending ----

    @Override
    boolean send0(MemorySegment message, Deadline deadline) throws IOException {
        checkOutput();
        if (!lock(sendLock, deadline)) {
            return false;
        }
        try {
            checkOutput();
            return writer.send(link, this, message, deadline);
        } catch (ChannelClosedException e) {
            throw e;
        } catch (IOException e) {
            if (e instanceof AsynchronousCloseException && isClosing()) {
                throw e;
            }
            throw outputFailed(e);
        } finally {
            sendLock.unlock();
        }
    }

    /** Sends the queued hello now; for the factories, within the connect timeout. */
    void sendHello(long timeoutNanos) throws IOException {
        sendLock.lock();
        try {
            if (!writer.flush(link, this, Deadline.afterNanos(timeoutNanos))) {
                throw new IpcException("connect", name, "the peer took no bytes of the hello in time",
                        IpcException.Reason.OTHER);
            }
        } finally {
            sendLock.unlock();
        }
    }

    private void checkOutput() throws ChannelClosedException {
        String why = outputEnded;
        if (why != null) {
            throw new ChannelClosedException("send", name, why);
        }
    }

    private ChannelClosedException outputFailed(IOException e) {
        String why = outputEnded;
        if (why == null) {
            why = "the peer is gone (" + e + ")";
            outputEnded = why;
        }
        return new ChannelClosedException("send", name, why, e);
    }

    /** From a waiting receive: pushes a held tail out, if the send side is free. */
    private void retryTail() {
        if (writer.hasTail() && outputEnded == null && sendLock.tryLock()) {
            try {
                writer.flush(link, this, Deadline.NOW);
            } catch (IOException e) {
                outputEnded = "the peer is gone (" + e.getMessage() + ")";
            } finally {
                sendLock.unlock();
            }
        }
    }

    // ---- receiving ----

    @Override
    int receive0(MemorySegment into, Peer from, Deadline deadline) throws IOException {
        if (!lock(receiveLock, deadline)) {
            return NOTHING;
        }
        try {
            int length = nextFrame(deadline);
            if (length < 0) {
                return NOTHING;
            }
            MemorySegment.copy(reader.memory(), reader.payloadOffset(), into, 0, length);
            reader.consume(length);
            reader.trim();
            fill(from);
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
            int length = nextFrame(deadline);
            if (length < 0) {
                return false;
            }
            long offset = reader.payloadOffset();
            // Received once handed out, even if the handler throws; the bytes stay put until the next read.
            reader.consume(length);
            fill(from);
            try {
                deliver(handler, reader.memory(), offset, length);
            } finally {
                reader.trim();
            }
            return true;
        } finally {
            receiveLock.unlock();
        }
    }

    /** {@return the length of the next whole frame, now buffered, or -1 if none came in time} */
    private int nextFrame(Deadline deadline) throws IOException {
        while (true) {
            if (dropped) {
                throw new ChannelClosedException("receive", name, inputEnded);
            }
            int length;
            try {
                length = reader.next(name);
            } catch (IpcException e) {
                endInput("the peer broke the protocol: " + e.getMessage(), true);
                throw e;
            }
            if (length >= 0) {
                return length;
            }
            String ended = inputEnded;
            if (ended != null) {
                throw new ChannelClosedException("receive", name, ended);
            }
            int n = readOrWait(deadline);
            if (n < 0) {
                throw endOfStream(null);
            }
            if (n == 0 && deadline.hasExpired()) {
                return -1;
            }
        }
    }

    /**
     * Reads what is there, or waits (in jipc's wait loop) for bytes; while a tail is held it
     * wakes now and then to push it out. {@return bytes read, 0 if none came (in time, or
     * before a tail retry), -1 at end of stream}
     */
    private int readOrWait(Deadline deadline) throws IOException {
        try {
            int n = link.read(reader.room());
            if (n != 0 || deadline.isNow()) {
                return n;
            }
            Deadline until = deadline;
            if (writer.hasTail()) {
                retryTail();
                if (writer.hasTail() && deadline.remainingNanos() > TAIL_RETRY_NANOS) {
                    until = Deadline.afterNanos(TAIL_RETRY_NANOS);
                }
            }
            Integer got = await(() -> {
                int k = link.read(reader.room());
                return k == 0 ? null : k;
            }, link.readable(), until);
            return got == null ? 0 : got;
        } catch (AsynchronousCloseException e) {
            throw e;
        } catch (IOException e) {
            if (isClosing()) {
                throw closedWhileWaiting();
            }
            throw endOfStream(e);
        }
    }

    /**
     * The stream ended (or failed: {@code cause}) with no whole frame left: end of channel, or,
     * if it stopped inside a hello or frame, a broken message reported once.
     */
    private IOException endOfStream(IOException cause) {
        String detail = cause == null ? "" : " (" + cause.getMessage() + ")";
        IpcException e;
        if (reader.buffered() == 0 && reader.helloSeen()) {
            endInput("the peer closed the channel" + detail, false);
            e = new ChannelClosedException("receive", name, inputEnded);
        } else {
            endInput("the peer went away in the middle of a message, which was discarded", false);
            e = new IpcException("receive", name, "the peer closed the connection after " + reader.partial()
                    + detail + "; the partial message was discarded", IpcException.Reason.BROKEN_PIPE);
        }
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /**
     * Records why nothing more can be received. A protocol error also drops the connection
     * ({@code drop}): the peer must not go on sending into the void.
     */
    private void endInput(String why, boolean drop) {
        if (inputEnded == null) {
            inputEnded = why;
        }
        if (drop) {
            dropped = true;
            if (outputEnded == null) {
                outputEnded = why;
            }
            link.shutdown();
        }
    }

    // ---- closing ----

    @Override
    protected void wakeUp() {
        link.wakeUp();
    }

    @Override
    protected void release() {
        if (writer.hasTail() && outputEnded == null) {
            try {
                sendLock.lock();
                try {
                    writer.flush(link, null, Deadline.afterNanos(CLOSE_LINGER_NANOS));
                } finally {
                    sendLock.unlock();
                }
            } catch (IOException | RuntimeException e) {
                // The peer did not take the rest in time: it will see a broken frame, never half a message.
            }
        }
        link.close();
        reader.free();
        writer.free();
    }
}
