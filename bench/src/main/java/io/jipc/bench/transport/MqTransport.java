package io.jipc.bench.transport;

import io.jipc.bench.Protocol;
import io.jipc.bench.Transport;
import io.jipc.mq.MessageQueue;
import io.jipc.mq.Received;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two jipc {@link MessageQueue}s, one per direction, with cbench's attributes:
 * {@link #MAX_MESSAGES} messages of {@link Protocol#MAX_SIZE} bytes each, blocking send
 * and receive, priority 0. The twin of cbench's "mq".
 *
 * <p>The queues are named {@code /jipc-bench-<pid>-q<n>-to} and {@code -from}; the peer
 * opens both and says hello on the way back, and the driver unlinks both names as soon as
 * the hello arrives (cbench unlinks before it forks), so nothing stays in the mqueue
 * namespace even if a side dies later.
 */
public final class MqTransport implements Transport {
    /** cbench's mq_maxmsg; also the default /proc/sys/fs/mqueue/msg_max. */
    public static final int MAX_MESSAGES = 10;
    private static final AtomicLong COUNTER = new AtomicLong();

    @Override
    public String name() {
        return "mq";
    }

    @Override
    public String waiting() {
        return "blocking";
    }

    @Override
    public String description() {
        return "two POSIX message queues (" + MAX_MESSAGES + " x " + Protocol.MAX_SIZE
                + " B); blocking mq_send/mq_receive; Java: io.jipc.mq.MessageQueue";
    }

    @Override
    public Endpoint listen(Path scratch) throws IOException {
        String base = "/jipc-bench-" + ProcessHandle.current().pid() + "-q" + COUNTER.incrementAndGet();
        MessageQueue toPeer = MessageQueue.create(base + "-to", MAX_MESSAGES, Protocol.MAX_SIZE);
        MessageQueue fromPeer;
        try {
            fromPeer = MessageQueue.create(base + "-from", MAX_MESSAGES, Protocol.MAX_SIZE);
        } catch (IOException | RuntimeException e) {
            toPeer.close();
            MessageQueue.unlink(base + "-to");
            throw e;
        }
        return new Endpoint() {
            private boolean accepted;

            @Override
            public String address() {
                return base;
            }

            @Override
            public Link accept(Duration timeout) throws IOException {
                MemorySegment hello = Arena.ofAuto().allocate(Protocol.MAX_SIZE, 8);
                if (fromPeer.receive(hello, timeout) == Received.NOTHING) {
                    throw new IOException("no hello from the peer on " + base + "-from within " + timeout);
                }
                unlink();
                accepted = true;
                return new MqLink(fromPeer, toPeer);
            }

            private void unlink() throws IOException {
                MessageQueue.unlink(base + "-to");
                MessageQueue.unlink(base + "-from");
            }

            @Override
            public void close() throws IOException {
                if (!accepted) {
                    toPeer.close();
                    fromPeer.close();
                }
                unlink();
            }
        };
    }

    @Override
    public Link connect(String address) throws IOException {
        MessageQueue in = MessageQueue.open(address + "-to");
        MessageQueue out;
        try {
            out = MessageQueue.open(address + "-from");
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
        out.send(Arena.ofAuto().allocate(8, 8), 0);
        return new MqLink(in, out);
    }

    private static final class MqLink implements Link {
        private final MessageQueue in;
        private final MessageQueue out;
        private final SliceCache sendSlice = new SliceCache();

        MqLink(MessageQueue in, MessageQueue out) {
            this.in = in;
            this.out = out;
        }

        @Override
        public void send(MemorySegment message, int length) throws IOException {
            out.send(sendSlice.of(message, length), 0);
        }

        @Override
        public void receive(MemorySegment message, int length) throws IOException {
            // The whole segment: the kernel wants room for the queue's largest message.
            int actual = Received.length(in.receive(message));
            if (actual != length) {
                throw new IOException("expected a message of " + length + " bytes, got " + actual);
            }
        }

        @Override
        public void close() {
            in.close();
            out.close();
        }
    }
}
