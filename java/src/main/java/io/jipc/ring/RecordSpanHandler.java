package io.jipc.ring;

import java.lang.foreign.MemorySegment;

/**
 * Receives the messages of a ring, one call per message, in order, without a segment per
 * message: each message is a span of one read-only view of the ring's region, the same
 * view on every call (Agrona's {@code MessageHandler} shape). Use it where a per-message
 * slice would be allocated: a {@link RecordHandler}'s slice is free only when the JIT
 * inlines the handler into the poll loop, which a call site that sees several handlers
 * defeats.
 *
 * <pre>{@code
 * ring.poll((type, buffer, offset, length) -> sum += buffer.get(ValueLayout.JAVA_LONG, offset), 16);
 * }</pre>
 */
@FunctionalInterface
public interface RecordSpanHandler {
    /**
     * Handles one message.
     *
     * @param type   the message's type, not negative
     * @param buffer a read-only view of the ring's whole region, the same object on every
     *               call of one ring handle; only the span below may be read, and only during
     *               this call (the space is reused afterwards)
     * @param offset where the message starts in {@code buffer}
     * @param length the message's length in bytes
     */
    void onRecord(int type, MemorySegment buffer, long offset, int length);
}
