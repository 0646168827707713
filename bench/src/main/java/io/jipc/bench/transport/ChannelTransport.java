package io.jipc.bench.transport;

import io.jipc.bench.Protocol;
import io.jipc.bench.Transport;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.ChannelPair;
import io.jipc.channel.Channels;
import io.jipc.channel.MessageChannel;
import io.jipc.channel.Peer;
import io.jipc.process.Spawn;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The same exchange through jipc's {@link MessageChannel}, the API users are told to use,
 * over each of its local transports; each row sits next to the transport it is built on
 * ({@link #builtOn()}), so the "÷ raw" column is what the API costs. A send is
 * {@link MessageChannel#send(MemorySegment)}, a receive
 * {@link MessageChannel#receive(MemorySegment)} (copied out, like every harness transport).
 * <ul>
 *   <li>{@code chan-shm}, {@code chan-mq}: one-way transports, so one channel per direction:
 *   the driver binds {@code <base>-from}, the peer binds {@code <base>-to} and connects back,
 *   saying hello; names are {@code /jipc-bench-<pid>-c<n>-…}, the bound ends remove them.</li>
 *   <li>{@code chan-pipe}: {@link Channels#pipe(ChannelOptions)}, the far ends mapped into the
 *   peer JVM as descriptors {@value #PEER_READ_FD} and {@value #PEER_WRITE_FD}.</li>
 *   <li>{@code chan-unix}, {@code chan-tcp}: the driver binds, the peer connects and says hello
 *   (the bound end replies to the last sender).</li>
 * </ul>
 */
public final class ChannelTransport implements Transport {
    static final int PEER_READ_FD = 10;
    static final int PEER_WRITE_FD = 11;
    /** The mq rows' queue depth, as {@link MqTransport}'s. */
    private static final int QUEUE_DEPTH = MqTransport.MAX_MESSAGES;
    /** Ring capacity in messages: 256 x 4 KiB, the raw rings' 1 MiB. */
    private static final int RING_MESSAGES = JipcRingTransport.CAPACITY / Protocol.MAX_SIZE;
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicLong COUNTER = new AtomicLong();

    private final String scheme;
    private final String builtOn;
    private final String description;

    private ChannelTransport(String scheme, String builtOn, String description) {
        this.scheme = scheme;
        this.builtOn = builtOn;
        this.description = description;
    }

    public static ChannelTransport shm() {
        return new ChannelTransport("shm", "jipc-ring-sleep", "MessageChannel over shm:/name x 2 (an MpscRing of "
                + RING_MESSAGES + " x " + Protocol.MAX_SIZE + " B each, the channel's spin-then-sleep receive)");
    }

    public static ChannelTransport mq() {
        return new ChannelTransport("mq", "mq", "MessageChannel over mq:/name x 2 (" + QUEUE_DEPTH + " x "
                + Protocol.MAX_SIZE + " B queues, as mq)");
    }

    public static ChannelTransport pipe() {
        return new ChannelTransport("pipe", "pipe", "MessageChannel over Channels.pipe (two pipes, "
                + "length-prefixed frames)");
    }

    public static ChannelTransport unix() {
        return new ChannelTransport("unix", "uds", "MessageChannel over unix:/path (a bound end and one "
                + "connection, length-prefixed frames)");
    }

    public static ChannelTransport tcp() {
        return new ChannelTransport("tcp", "tcp", "MessageChannel over tcp://:0 on loopback (TCP_NODELAY, "
                + "length-prefixed frames)");
    }

    @Override
    public String name() {
        return "chan-" + scheme;
    }

    @Override
    public String waiting() {
        return scheme.equals("shm") ? SPIN_THEN_SLEEP : BLOCKING;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String builtOn() {
        return builtOn;
    }

    private ChannelOptions options() {
        ChannelOptions o = ChannelOptions.defaults().maxMessageSize(Protocol.MAX_SIZE).connectTimeout(HELLO_TIMEOUT);
        return switch (scheme) {
            case "shm" -> o.capacity(RING_MESSAGES);
            case "mq" -> o.capacity(QUEUE_DEPTH);
            default -> o;
        };
    }

    @Override
    public Endpoint listen(Path scratch) throws IOException {
        return switch (scheme) {
            case "shm", "mq" -> oneWay();
            case "pipe" -> pipePair();
            default -> {
                String address = scheme.equals("unix") ? "unix:" + scratch.resolve("chan.sock") : "tcp://:0";
                MessageChannel server = Channels.bind(address, options());
                yield new HelloEndpoint(server.address().toString(), server, null);
            }
        };
    }

    /** shm and mq: the driver binds what it receives from; the peer binds the other way. */
    private Endpoint oneWay() throws IOException {
        String base = scheme + ":/jipc-bench-" + ProcessHandle.current().pid() + "-c" + COUNTER.incrementAndGet();
        MessageChannel in = Channels.bind(base + "-from", options());
        return new HelloEndpoint(base, in, base + "-to");
    }

    @Override
    public Link connect(String address) throws IOException {
        return switch (scheme) {
            case "shm", "mq" -> {
                MessageChannel in = Channels.bind(address + "-to", options());
                try {
                    MessageChannel out = Channels.connect(address + "-from", options());
                    out.send(new byte[0]);
                    yield new ChannelLink(in, out, null);
                } catch (IOException | RuntimeException e) {
                    in.close();
                    throw e;
                }
            }
            case "pipe" -> {
                MessageChannel c = Channels.connect(address, options());
                yield new ChannelLink(c, c, null);
            }
            default -> {
                MessageChannel c = Channels.connect(address, options());
                try {
                    c.send(new byte[0]);
                } catch (IOException | RuntimeException e) {
                    c.close();
                    throw e;
                }
                yield new ChannelLink(c, c, null);
            }
        };
    }

    /**
     * The driver's end of every channel row but pipe: waits for the peer's hello on
     * {@code in}, then (one-way transports) connects to the peer's bound end.
     */
    private final class HelloEndpoint implements Endpoint {
        private final String address;
        private final MessageChannel in;
        private final String back;
        private boolean accepted;

        HelloEndpoint(String address, MessageChannel in, String back) {
            this.address = address;
            this.in = in;
            this.back = back;
        }

        @Override
        public String address() {
            return address;
        }

        @Override
        public Link accept(Duration timeout) throws IOException {
            // A bound socket end replies through the Peer of a message: the hello names the peer.
            Peer peer = new Peer();
            if (!in.receive(m -> { }, peer, timeout)) {
                throw new IOException("no hello from the peer on " + in.address() + " within " + timeout);
            }
            MessageChannel out = back == null ? in : Channels.connect(back, options());
            accepted = true;
            return new ChannelLink(in, out, back == null && !in.canSend() ? peer : null);
        }

        @Override
        public void close() {
            if (!accepted) {
                in.close();
            }
        }
    }

    private Endpoint pipePair() throws IOException {
        ChannelPair pair = Channels.pipe(options());
        return new Endpoint() {
            private boolean accepted;

            @Override
            public String address() {
                return ChannelPair.peerAddress(PEER_READ_FD, PEER_WRITE_FD).toString();
            }

            @Override
            public void handOver(Spawn peer) {
                peer.mapDescriptor(PEER_READ_FD, pair.peerReadFd());
                peer.mapDescriptor(PEER_WRITE_FD, pair.peerWriteFd());
            }

            @Override
            public void peerStarted() {
                pair.closePeer();
            }

            @Override
            public Link accept(Duration timeout) {
                accepted = true;
                return new ChannelLink(pair.channel(), pair.channel(), null);
            }

            @Override
            public void close() {
                if (!accepted) {
                    pair.close();
                }
            }
        };
    }

    private static final class ChannelLink implements Link {
        private final MessageChannel in;
        private final MessageChannel out;
        /** Where a bound socket end's sends go, or null to send on {@code out}. */
        private final Peer replyTo;
        private final SliceCache sendSlice = new SliceCache();

        ChannelLink(MessageChannel in, MessageChannel out, Peer replyTo) {
            this.in = in;
            this.out = out;
            this.replyTo = replyTo;
        }

        @Override
        public void send(MemorySegment message, int length) throws IOException {
            if (replyTo != null) {
                replyTo.send(sendSlice.of(message, length));
            } else {
                out.send(sendSlice.of(message, length));
            }
        }

        @Override
        public void receive(MemorySegment message, int length) throws IOException {
            int n = in.receive(message);
            if (n != length) {
                throw new IOException("expected a message of " + length + " bytes, got " + n);
            }
        }

        @Override
        public void close() {
            out.close();
            in.close();
        }
    }
}
