package io.jipc.aeron;

import io.jipc.channel.ChannelOptions;
import io.jipc.channel.Channels;
import io.jipc.channel.MessageChannel;
import io.jipc.pipe.Pipe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The child JVMs of the Aeron tests, each with its own embedded driver unless given
 * {@code aeron.dir}: {@code AeronPeer <scenario> <address> args...}. Descriptor
 * {@value #READY_FD}, if mapped, gets one byte when the scenario reached the state a test waits for.
 */
public final class AeronPeer {
    static final int READY_FD = 5;

    private AeronPeer() {
    }

    public static void main(String[] args) throws Exception {
        String address = args[1];
        switch (args[0]) {
            case "publish" -> publish(address, Long.parseLong(args[2]));
            case "subscribe" -> System.exit(subscribe(address, Integer.parseInt(args[2])));
            case "bind-and-wait" -> bindAndWait(address);
            default -> {
                System.err.println("unknown scenario " + args[0]);
                System.exit(64);
            }
        }
    }

    /**
     * Sends 8-byte messages 0, 1, 2, … ({@code count} of them, or until killed if negative),
     * one a millisecond, says ready after the first, closes in order.
     */
    private static void publish(String address, long count) throws Exception {
        try (MessageChannel out = Channels.connect(address, ChannelOptions.defaults());
             Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(8);
            for (long i = 0; count < 0 || i < count; i++) {
                m.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                out.send(m);
                if (i == 0) {
                    ready();
                }
                LockSupport.parkNanos(1_000_000);
            }
        }
    }

    /**
     * Binds, says ready, receives {@code count} consecutive messages from whichever it gets
     * first (a subscriber that joins late starts where it joined). {@return 0 if they came so}
     */
    private static int subscribe(String address, int count) throws Exception {
        try (MessageChannel in = Channels.bind(address, ChannelOptions.defaults());
             Arena arena = Arena.ofConfined()) {
            ready();
            MemorySegment b = arena.allocate(in.maxMessageSize());
            long first = -1;
            for (long i = 0; i < count; i++) {
                int n = in.receive(b, Duration.ofSeconds(60));
                long got = n == 8 ? b.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) : -1;
                if (first < 0) {
                    first = got;
                }
                if (n != 8 || got != first + i) {
                    System.err.println("message " + i + " after " + first + ": " + n + " bytes, " + got);
                    return 1;
                }
            }
            System.out.println("received " + count + " messages from " + first);
        }
        return 0;
    }

    /** Binds (so the embedded driver runs), says ready, waits to be killed. */
    private static void bindAndWait(String address) throws Exception {
        MessageChannel in = Channels.bind(address, ChannelOptions.defaults());
        ready();
        Thread.sleep(Long.MAX_VALUE);
        in.close();
    }

    private static void ready() {
        try (Pipe.WriteEnd w = Pipe.WriteEnd.adopt(READY_FD)) {
            w.write(ByteBuffer.wrap(new byte[] {'r'}));
        } catch (Exception notMapped) {
            // Nobody waits for the signal.
        }
    }
}
