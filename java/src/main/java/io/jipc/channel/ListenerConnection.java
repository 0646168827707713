package io.jipc.channel;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection a bound {@code unix:} or {@code tcp:} end let in: its socket, its framing
 * buffers and its send lock. It refers to nothing of the channel's, so that the
 * {@link ListenerDoor}'s table can hold it without keeping a dropped channel reachable.
 * {@link SocketListenerChannel} reads, frames and drops it under its receive lock; replies
 * write to it under {@link #sendLock}.
 */
final class ListenerConnection {
    final SocketLink link;
    final String peer;
    /** The lesser of this end's maximum and the peer's: what either may send on this connection. */
    final int maxMessageSize;
    final FrameReader reader;
    final FrameWriter writer;
    final ReentrantLock sendLock = new ReentrantLock();
    SelectionKey key;
    boolean inReady;
    boolean eof;
    IOException eofCause;
    volatile boolean closed;

    ListenerConnection(SocketChannel socket, String peer, int maxMessageSize, Budget budget) throws IOException {
        this.peer = peer;
        this.maxMessageSize = maxMessageSize;
        this.reader = new FrameReader(maxMessageSize, true, budget);
        this.writer = new FrameWriter(maxMessageSize);
        this.link = new SocketLink(socket, false);
    }

    /** The cap on memory for unfinished frames; only the receiving thread (under the lock) and release use it. */
    static final class Budget implements FrameReader.Budget {
        final long cap;
        long held;

        Budget(long cap) {
            this.cap = cap;
        }

        @Override
        public boolean reserve(long bytes) {
            if (bytes > cap - held) {
                return false;
            }
            held += bytes;
            return true;
        }

        @Override
        public void release(long bytes) {
            held -= bytes;
        }
    }
}
