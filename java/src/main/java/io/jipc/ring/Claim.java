package io.jipc.ring;

import java.lang.foreign.MemorySegment;

/**
 * Room reserved in a ring for one message, from {@link Ring#tryClaim(int)}: write the
 * message into {@link #segment()}, then {@link #commit()} it or {@link #abort()} it,
 * exactly once. Belongs to the thread that claimed it; not reusable.
 */
public final class Claim {
    private static final int PENDING = 0;
    private static final int COMMITTED = 1;
    private static final int ABORTED = 2;

    private final RingProducer ring;
    private final int index;
    private final MemorySegment segment;
    private int type = Ring.DEFAULT_TYPE;
    private int state = PENDING;

    Claim(RingProducer ring, int index, MemorySegment segment) {
        this.ring = ring;
        this.index = index;
        this.segment = segment;
    }

    /**
     * {@return where to write the message: exactly {@link #length()} writable bytes of the
     * ring} Do not touch it after {@code commit} or {@code abort}.
     *
     * @throws IllegalStateException if the claim was already committed or aborted
     */
    public MemorySegment segment() {
        checkPending("segment");
        return segment;
    }

    /** {@return the message length asked for} */
    public int length() {
        return (int) segment.byteSize();
    }

    /**
     * Sets the type the message is committed with ({@link Ring#DEFAULT_TYPE} otherwise).
     *
     * @param type the type, 0 or more, the consumer's {@link RecordHandler} is given
     * @return this claim
     * @throws IllegalArgumentException if {@code type} is negative
     * @throws IllegalStateException    if the claim was already committed or aborted
     */
    public Claim type(int type) {
        RecordDescriptor.checkType(type);
        checkPending("type");
        this.type = type;
        return this;
    }

    /**
     * Publishes the message to the consumer, waking it if it sleeps. Everything written
     * into {@link #segment()} before this call is visible to the consumer's handler.
     *
     * @throws IllegalStateException if the claim was already committed or aborted, if the
     *                               consumer reclaimed the record because this process
     *                               looked dead, or if the ring's memory is closed
     */
    public void commit() {
        checkPending("commit");
        state = COMMITTED;
        ring.commit(index, length(), type);
    }

    /**
     * Gives the room back: the record becomes padding the consumer skips.
     *
     * @throws IllegalStateException as for {@link #commit()}
     */
    public void abort() {
        checkPending("abort");
        state = ABORTED;
        ring.abort(index, length());
    }

    private void checkPending(String what) {
        if (state != PENDING) {
            throw new IllegalStateException(what + " of a claim already " + (state == COMMITTED ? "committed" : "aborted"));
        }
    }

    @Override
    public String toString() {
        return "Claim[" + length() + " bytes at index " + index + ", "
                + (state == PENDING ? "pending" : state == COMMITTED ? "committed" : "aborted") + "]";
    }
}
