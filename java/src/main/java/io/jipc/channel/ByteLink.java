package io.jipc.channel;

import io.jipc.internal.Blocker;
import io.jipc.internal.Lifetime;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The byte stream under a {@link StreamChannel}: a pipe pair or a connected socket. The
 * channel's calls never wait inside the link: they try ({@link #read(ByteBuffer)},
 * {@link #write(ByteBuffer)}) and, when they must wait, wait in jipc's one wait loop on the
 * link's {@linkplain #readable() readable} or {@linkplain #writable() writable} sleep, under
 * the channel's lifetime, so that a close or an interrupt ends the wait at once. The timed
 * forms are for the handshake, before a channel exists.
 */
interface ByteLink {
    /**
     * Gives the link the lifetime of its channel, under which its sleeps run; called once, by
     * the channel's constructor, before any wait; null for a bound socket end's connection,
     * whose table must not reach the channel (the waits still run under the channel's lifetime).
     */
    void attach(Lifetime lifetime) throws IOException;

    /**
     * Reads what is there into {@code dst}, never waiting.
     *
     * @return the bytes read, 0 if none are there, -1 at end of stream
     */
    int read(ByteBuffer dst) throws IOException;

    /** {@return the bytes of {@code src} written now, perhaps 0} Never waits. */
    int write(ByteBuffer src) throws IOException;

    /**
     * As {@link #read(ByteBuffer)}, waiting at most {@code waitNanos} for the first byte; for
     * the handshake. An interrupt does not end the wait.
     */
    int read(ByteBuffer dst, long waitNanos) throws IOException;

    /** As {@link #write(ByteBuffer)}, waiting at most {@code waitNanos} for room; for the handshake. */
    int write(ByteBuffer src, long waitNanos) throws IOException;

    /** {@return the sleep until bytes can be read (or the stream ended)}; null if reads never wait */
    Blocker readable();

    /** {@return the sleep until bytes can be written} */
    Blocker writable() throws IOException;

    /** Cuts a sleep in another thread short. */
    void wakeUp();

    /** Stops the stream both ways, so the peer sees the end now; descriptors stay until {@link #close()}. */
    void shutdown();

    /** Releases the descriptors. Called once, when no thread uses the link. */
    void close();
}
