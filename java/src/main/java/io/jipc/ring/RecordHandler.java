package io.jipc.ring;

import java.lang.foreign.MemorySegment;

/** Receives the messages of a ring, one call per message, in order. */
@FunctionalInterface
public interface RecordHandler {
    /**
     * Handles one message.
     *
     * @param type    the message's type, not negative
     * @param message the message's bytes: a read-only segment of the ring itself, valid
     *                only during this call (the space is reused afterwards)
     */
    void onRecord(int type, MemorySegment message);
}
