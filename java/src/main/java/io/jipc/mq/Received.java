package io.jipc.mq;

/**
 * Reads the {@code long} that the allocation-free receives of {@link MessageQueue} return.
 *
 * <p>{@link MessageQueue#receive(java.lang.foreign.MemorySegment)} and its
 * {@code try}/timed forms put the message into the caller's segment and return its length
 * and priority packed in one {@code long}, so a receive loop allocates nothing: no
 * {@link Message}, no holder object, no {@code Optional}. The value is
 * {@link #NOTHING} when a non-blocking or timed receive found no message; otherwise
 * it is never negative, and:
 *
 * <pre>
 *  63            48 47            32 31                              0
 * +----------------+----------------+--------------------------------+
 * |       0        |    priority    |             length             |
 * +----------------+----------------+--------------------------------+
 * </pre>
 *
 * <pre>{@code
 * long r = queue.tryReceive(buffer);
 * if (r != Received.NOTHING) {
 *     handle(buffer.asSlice(0, Received.length(r)), Received.priority(r));
 * }
 * }</pre>
 */
public final class Received {
    /** Returned by the non-blocking and timed receives when there was no message. */
    public static final long NOTHING = -1L;

    private Received() {
    }

    /**
     * {@return the message length in bytes}
     *
     * @param received a result of a receive into a segment, not {@link #NOTHING}
     * @throws IllegalArgumentException if {@code received} is {@link #NOTHING} or not a packed result
     */
    public static int length(long received) {
        check(received);
        return (int) received;
    }

    /**
     * {@return the priority the message was sent with}
     *
     * @param received a result of a receive into a segment, not {@link #NOTHING}
     * @throws IllegalArgumentException if {@code received} is {@link #NOTHING} or not a packed result
     */
    public static int priority(long received) {
        check(received);
        return (int) (received >>> 32);
    }

    /** Lengths are below 2^31 and priorities below 2^16 (the kernel's limits), so both fit. */
    static long pack(long length, int priority) {
        return (long) priority << 32 | length;
    }

    private static void check(long received) {
        if (received < 0 || (received >>> 48) != 0) {
            throw new IllegalArgumentException(received == NOTHING
                    ? "no message was received (Received.NOTHING)"
                    : "not a packed receive result: " + received);
        }
    }
}
