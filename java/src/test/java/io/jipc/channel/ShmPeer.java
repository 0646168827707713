package io.jipc.channel;

import io.jipc.pipe.Pipe;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Entry point of the child JVMs that only the shared-memory channel tests need:
 * {@code ShmPeer <scenario> <address> args...}, public API only. {@code bind-and-wait} writes
 * one byte to descriptor {@value ChannelPeer#READY_FD}, which the test maps, once bound.
 */
public final class ShmPeer {
    private ShmPeer() {
    }

    public static void main(String[] args) throws Exception {
        String address = args[1];
        switch (args[0]) {
            case "bind-and-wait" -> bindAndWait(address, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "bind-and-exit" -> {
                // Bound and never closed: System.exit must leave neither name behind.
                Channels.bind(address);
                Channels.bind(args[2]);
                System.exit(0);
            }
            case "send-tagged" -> sendTagged(address, Byte.parseByte(args[2]), Integer.parseInt(args[3]));
            default -> {
                System.err.println("unknown scenario " + args[0]);
                System.exit(64);
            }
        }
    }

    /** Binds with these sizes, says it is ready, and waits to be killed without receiving. */
    private static void bindAndWait(String address, int max, int capacity) throws Exception {
        MessageChannel c = Channels.bind(address, ChannelOptions.defaults().maxMessageSize(max).capacity(capacity));
        ready();
        Thread.sleep(Long.MAX_VALUE);
        c.close();
    }

    /** Sends {@code count} messages {@code [tag, i (4 bytes), filler]} of varying length, then closes. */
    private static void sendTagged(String address, byte tag, int count) throws IOException {
        try (MessageChannel c = Channels.connect(address)) {
            for (int i = 0; i < count; i++) {
                int length = 5 + i % 200;
                ByteBuffer m = ByteBuffer.allocate(length).put(tag).putInt(i);
                while (m.hasRemaining()) {
                    m.put((byte) (tag + i));
                }
                c.send(m.flip());
            }
        }
    }

    private static void ready() throws IOException {
        try (Pipe.WriteEnd w = Pipe.WriteEnd.adopt(ChannelPeer.READY_FD)) {
            w.write(ByteBuffer.wrap(new byte[] {'r'}));
        }
    }
}
