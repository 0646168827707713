package io.jipc.mq;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Entry point of the child JVMs the message-queue tests spawn: {@code MqChildren <scenario> args...}.
 * Exit code 0 means the scenario ran as expected.
 */
public final class MqChildren {
    private MqChildren() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "wake" -> wake(args[1], args[2]);
            case "echo" -> echo(args[1], args[2], Integer.parseInt(args[3]));
            default -> {
                System.err.println("unknown scenario " + args[0]);
                System.exit(64);
            }
        }
    }

    /**
     * Says "ready" on {@code replies}, then blocks in {@link MessageQueue#receive()} on
     * {@code requests}; answers with how long it waited (8 bytes, nanoseconds), the priority it
     * saw (4 bytes) and the request's bytes.
     */
    private static void wake(String requests, String replies) throws Exception {
        try (MessageQueue in = MessageQueue.open(requests); MessageQueue out = MessageQueue.open(replies)) {
            out.send(new byte[] {'r'}, 0);
            long t0 = System.nanoTime();
            Message m = in.receive();
            long waited = System.nanoTime() - t0;
            ByteBuffer reply = ByteBuffer.allocate(12 + m.length()).putLong(waited).putInt(m.priority()).put(m.bytes());
            out.send(reply.flip(), 0);
        }
    }

    /**
     * Returns every message of {@code requests} to {@code replies} unchanged, {@code count}
     * times, with the allocation-free calls a hot loop would use.
     */
    private static void echo(String requests, String replies, int count) throws Exception {
        try (MessageQueue in = MessageQueue.open(requests); MessageQueue out = MessageQueue.open(replies);
             Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(in.maxMessageSize());
            for (int i = 0; i < count; i++) {
                long r = in.receive(buffer);
                out.send(buffer.asSlice(0, Received.length(r)), Received.priority(r));
            }
        }
    }
}
