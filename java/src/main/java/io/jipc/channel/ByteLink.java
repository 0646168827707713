package io.jipc.channel;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The byte stream under a {@link StreamChannel}: a pipe pair or a connected socket. Both
 * calls may wait only as long as they are told, so that the channel keeps control of time
 * limits and notices a close; neither ends a wait on an interrupt, or the channel's wait
 * loop would spin (callers clear the flag before each call and restore it when done).
 */
interface ByteLink {
    /**
     * Reads what is there into {@code dst}, waiting at most {@code waitNanos} (0: not at all)
     * for the first byte.
     *
     * @return the bytes read, 0 if none came in time, -1 at end of stream
     */
    int read(ByteBuffer dst, long waitNanos) throws IOException;

    /**
     * Writes what fits of {@code src}, waiting at most {@code waitNanos} (0: not at all) for
     * room while there is none.
     *
     * @return the bytes written, perhaps 0
     */
    int write(ByteBuffer src, long waitNanos) throws IOException;

    /** Cuts a wait in another thread short, if the link's waits can be cut short. */
    void wakeUp();

    /** Stops the stream both ways, so the peer sees the end now; descriptors stay until {@link #close()}. */
    void shutdown();

    /** Releases the descriptors. Called once, when no thread uses the link. */
    void close();
}
