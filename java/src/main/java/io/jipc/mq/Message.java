package io.jipc.mq;

import java.util.Arrays;
import java.util.Objects;

/**
 * A message taken from a {@link MessageQueue}: its bytes and the priority it was sent with.
 *
 * <p>The array belongs to the receiver: the queue made it for this message alone and keeps
 * no reference. Equality compares contents, unlike a plain record over an array.
 *
 * @param bytes    the message, exactly as long as it was sent (possibly empty)
 * @param priority 0 (lowest) to {@link MessageQueue#maxPriority()}
 */
public record Message(byte[] bytes, int priority) {
    /**
     * Checks the components; the array is kept, not copied.
     *
     * @throws NullPointerException     if {@code bytes} is null
     * @throws IllegalArgumentException if {@code priority} is negative
     */
    public Message {
        Objects.requireNonNull(bytes, "bytes");
        if (priority < 0) {
            throw new IllegalArgumentException("priority must not be negative, not " + priority);
        }
    }

    /** {@return the number of bytes} */
    public int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && m.priority == priority && Arrays.equals(m.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(bytes) + priority;
    }

    @Override
    public String toString() {
        return "Message[" + bytes.length + " bytes, priority " + priority + "]";
    }
}
