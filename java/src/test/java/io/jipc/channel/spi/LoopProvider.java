package io.jipc.channel.spi;

import io.jipc.IpcException;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.MessageChannel;
import io.jipc.channel.MessageHandler;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A transport of the tests, {@code test-loop:name}: a bounded queue in this JVM, reached
 * through the SPI exactly as a transport of another module is. It records what it was given
 * so the tests can see what {@code Channels} passed on.
 */
public final class LoopProvider implements ChannelProvider {
    static final Map<String, BlockingQueue<byte[]>> BOUND = new ConcurrentHashMap<>();
    static volatile URI lastAddress;
    static volatile ChannelOptions lastOptions;

    /** For ServiceLoader. */
    public LoopProvider() {
    }

    @Override
    public String scheme() {
        return "Test-Loop";
    }

    @Override
    public MessageChannel bind(URI address, ChannelOptions options) throws IOException {
        lastAddress = address;
        lastOptions = options;
        BlockingQueue<byte[]> q = new ArrayBlockingQueue<>(Math.max(1, options.capacity()));
        if (BOUND.putIfAbsent(address.getSchemeSpecificPart(), q) != null) {
            throw new IpcException("bind", address.toString(), "taken", IpcException.Reason.ALREADY_EXISTS);
        }
        return new Loop(address, q, false, options);
    }

    @Override
    public MessageChannel connect(URI address, ChannelOptions options) throws IOException {
        lastAddress = address;
        lastOptions = options;
        BlockingQueue<byte[]> q = BOUND.get(address.getSchemeSpecificPart());
        if (q == null) {
            throw new IpcException("connect", address.toString(), "nothing bound",
                    IpcException.Reason.DOES_NOT_EXIST);
        }
        return new Loop(address, q, true, options);
    }

    /** Claims a built-in scheme: must never be asked. */
    public static final class Usurper implements ChannelProvider {
        /** For ServiceLoader. */
        public Usurper() {
        }

        @Override
        public String scheme() {
            return "tcp";
        }

        @Override
        public MessageChannel bind(URI address, ChannelOptions options) {
            throw new AssertionError("a provider was asked for a built-in scheme");
        }

        @Override
        public MessageChannel connect(URI address, ChannelOptions options) {
            throw new AssertionError("a provider was asked for a built-in scheme");
        }
    }

    /** One end: the bound one receives, connected ones send; waits park a millisecond at a time to notice a close. */
    static final class Loop extends TransportChannel {
        private final BlockingQueue<byte[]> queue;
        private final boolean sender;
        private final String key;

        Loop(URI address, BlockingQueue<byte[]> queue, boolean sender, ChannelOptions options) {
            super(address, options.maxMessageSize() > 0 ? options.maxMessageSize() : 1024);
            this.queue = queue;
            this.sender = sender;
            this.key = address.getSchemeSpecificPart();
        }

        @Override
        public boolean canSend() {
            return sender;
        }

        @Override
        public boolean canReceive() {
            return !sender;
        }

        @Override
        protected boolean send0(MemorySegment message, WaitLimit limit) throws IOException {
            byte[] m = message.toArray(ValueLayout.JAVA_BYTE);
            while (!queue.offer(m)) {
                if (limit.hasExpired()) {
                    return false;
                }
                if (isClosing()) {
                    throw closedWhileWaiting();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            return true;
        }

        /** Waits in short parks, looking at the close: an interrupt closes the channel (the base does that). */
        private byte[] take(WaitLimit limit) throws IOException {
            while (true) {
                byte[] m = queue.poll();
                if (m != null || limit.hasExpired()) {
                    return m;
                }
                if (isClosing()) {
                    throw closedWhileWaiting();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(Math.min(1_000_000L, limit.remainingNanos()));
            }
        }

        @Override
        protected int receive0(MemorySegment into, WaitLimit limit) throws IOException {
            byte[] m = take(limit);
            if (m == null) {
                return NOTHING;
            }
            MemorySegment.copy(MemorySegment.ofArray(m), 0, into, 0, m.length);
            return m.length;
        }

        @Override
        protected boolean receive0(MessageHandler handler, WaitLimit limit) throws IOException {
            byte[] m = take(limit);
            if (m == null) {
                return false;
            }
            deliver(handler, MemorySegment.ofArray(m));
            return true;
        }

        @Override
        protected void release() {
            if (!sender) {
                BOUND.remove(key, queue);
            }
        }
    }
}
