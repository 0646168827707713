package io.jipc.channel;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Receives one message without a copy into a caller's buffer: see
 * {@link MessageChannel#receive(MessageHandler)}.
 */
@FunctionalInterface
public interface MessageHandler {
    /**
     * Handles one message.
     *
     * <p>{@code message} is a read-only view of the bytes where the transport holds them (its
     * receive buffer, or shared memory): exactly the message, possibly empty. It is valid only
     * during this call and only in the calling thread: afterwards, or from another thread, any
     * access throws {@link IllegalStateException} (or {@link WrongThreadException}), so a view
     * that escapes cannot read bytes of a later message. Copy what must outlive the call.
     *
     * <p>The message counts as received when this method is called: if it throws, the
     * exception reaches the caller of {@code receive} and the message is not delivered again.
     * The handler may send on any channel, this one included, but must not receive on the
     * channel that called it ({@link IllegalStateException}).
     *
     * @param message the message's bytes, read-only, valid during this call
     * @throws IOException to pass a failure (of a reply, say) to the caller of {@code receive}
     */
    void onMessage(MemorySegment message) throws IOException;
}
