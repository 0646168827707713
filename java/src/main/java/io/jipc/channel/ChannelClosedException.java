package io.jipc.channel;

import io.jipc.IpcException;

/**
 * The peer of a channel is gone: thrown by a receive when no message remains and none can
 * come any more (end of channel), and by a send that can no longer be delivered.
 *
 * <p>It is an {@link IpcException} with reason {@link IpcException.Reason#BROKEN_PIPE}, so code
 * that handles jipc failures in general handles it too; code that expects the end catches it
 * first:
 *
 * <pre>{@code
 * while (true) {
 *     int n;
 *     try {
 *         n = channel.receive(buffer);
 *     } catch (ChannelClosedException end) {
 *         break;                       // the sender closed: every message it sent was received
 *     }
 *     handle(buffer.asSlice(0, n));
 * }
 * }</pre>
 *
 * <p>It marks an <em>orderly</em> end only when no other exception came before it: a peer
 * that dies in the middle of a message first makes one receive fail with a plain
 * {@link IpcException} (the partial message is discarded), and only the receives after that
 * throw this exception. See <a href="package-summary.html#end">End of channel</a>.
 */
public final class ChannelClosedException extends IpcException {
    private static final long serialVersionUID = 1L;

    /**
     * Reports the end of a channel, with {@link IpcException.Reason#BROKEN_PIPE} as the reason.
     *
     * @param call        the operation that found the end, such as {@code receive}
     * @param address     the channel's address
     * @param description what happened, in words
     */
    public ChannelClosedException(String call, String address, String description) {
        super(call, address, description, Reason.BROKEN_PIPE);
    }

    /**
     * Like {@link #ChannelClosedException(String, String, String)}, keeping the I/O failure that
     * showed it.
     *
     * @param call the operation that found the end, such as {@code receive}
     * @param address the channel's address
     * @param description what happened, in words
     * @param cause the I/O failure that showed the end
     */
    public ChannelClosedException(String call, String address, String description, Throwable cause) {
        this(call, address, description);
        initCause(cause);
    }
}
