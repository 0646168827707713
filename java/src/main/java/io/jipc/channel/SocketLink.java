package io.jipc.channel;

import io.jipc.internal.Blocker;
import io.jipc.internal.Lifetime;
import io.jipc.posix.Poll;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * A connected, non-blocking {@link SocketChannel} as a byte stream, waiting through
 * selectors: one for reads, registered for the channel's life, and one for writes, made the
 * first time a write has to wait (a send and a receive may wait at the same time, and one
 * selector cannot serve two waiting threads). {@link #wakeUp()} rouses both.
 *
 * <p>A connection accepted by a listener has no read selector of its own: the listener's
 * selector watches all its connections, and reads them without waiting.
 */
final class SocketLink implements ByteLink {
    /** The wait is all a selector is for here: what is ready, the next read or write finds out. */
    static final Consumer<SelectionKey> IGNORE = key -> { };

    private final SocketChannel socket;
    private final Selector readSelector;
    private final Object writeSelectorLock = new Object();
    private volatile Selector writeSelector;
    /** Whether the last read found no bytes; only the receiving thread (under the receive lock) uses it. */
    private boolean lastReadEmpty;
    private Blocker readable;
    private volatile Blocker writable;
    /** The channel's, under which the sleeps run; set by {@link #attach}. */
    private Lifetime lifetime;

    /** @param readWaits whether reads may wait (a selector of its own), or only try (a listener's connection) */
    SocketLink(SocketChannel socket, boolean readWaits) throws IOException {
        this.socket = socket;
        socket.configureBlocking(false);
        if (!readWaits) {
            readSelector = null;
            return;
        }
        readSelector = Selector.open();
        try {
            socket.register(readSelector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            readSelector.close();
            throw e;
        }
    }

    SocketChannel socket() {
        return socket;
    }

    @Override
    public void attach(Lifetime lifetime) {
        if (readSelector != null) {
            readable = new SelectorSleep(lifetime, readSelector);
        }
        this.lifetime = lifetime;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return socket.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return socket.write(src);
    }

    @Override
    public Blocker readable() {
        return readable;
    }

    @Override
    public Blocker writable() throws IOException {
        Blocker b = writable;
        if (b == null) {
            synchronized (writeSelectorLock) {
                b = writable;
                if (b == null) {
                    b = new SelectorSleep(lifetime, writeSelector());
                    writable = b;
                }
            }
        }
        return b;
    }

    /** A sleep in a selector that watches this one socket; level-triggered, so a ready socket returns at once. */
    static final class SelectorSleep extends Blocker {
        private final Selector selector;
        /** Set when a sleep ended with a key ready: for a waiter whose attempt must not use the selector. */
        private volatile boolean sawReady;

        SelectorSleep(Lifetime lifetime, Selector selector) {
            super(lifetime);
            this.selector = selector;
        }

        /** {@return whether a sleep saw a key ready since the last call} */
        boolean takeReady() {
            if (!sawReady) {
                return false;
            }
            sawReady = false;
            return true;
        }

        @Override
        protected void block(long maxNanos) {
            try {
                if (selector.select(IGNORE, Poll.millis(maxNanos)) > 0) {
                    sawReady = true;
                }
            } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                // Closed under us: the waiter's next attempt meets the closed socket.
                sawReady = true;
            }
        }

        @Override
        protected void wakeKernel() {
            selector.wakeup();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>When the last read found nothing, a waiting read waits first and reads once: in a
     * request/reply exchange the bytes are rarely there already, and a read that fails costs
     * a system call. When the last read found bytes, it reads first, as a stream that is kept
     * busy has bytes waiting.
     */
    @Override
    public int read(ByteBuffer dst, long waitNanos) throws IOException {
        boolean mayWait = waitNanos > 0 && readSelector != null;
        if (mayWait && lastReadEmpty) {
            readSelector.select(IGNORE, Poll.millis(waitNanos));
        }
        int n = socket.read(dst);
        if (n == 0 && mayWait && !lastReadEmpty) {
            readSelector.select(IGNORE, Poll.millis(waitNanos));
            n = socket.read(dst);
        }
        lastReadEmpty = n == 0;
        return n;
    }

    @Override
    public int write(ByteBuffer src, long waitNanos) throws IOException {
        int n = socket.write(src);
        if (!src.hasRemaining() || waitNanos <= 0) {
            return n;
        }
        Selector s = writeSelector();
        s.select(IGNORE, Poll.millis(waitNanos));
        return n + socket.write(src);
    }

    private Selector writeSelector() throws IOException {
        Selector s = writeSelector;
        if (s == null) {
            synchronized (writeSelectorLock) {
                s = writeSelector;
                if (s == null) {
                    s = Selector.open();
                    socket.register(s, SelectionKey.OP_WRITE);
                    writeSelector = s;
                }
            }
        }
        return s;
    }

    @Override
    public void wakeUp() {
        if (readable != null) {
            readable.wake();
        } else if (readSelector != null) {
            readSelector.wakeup();
        }
        Blocker w = writable;
        if (w != null) {
            w.wake();
        } else {
            Selector s = writeSelector;
            if (s != null) {
                s.wakeup();
            }
        }
    }

    @Override
    public void shutdown() {
        try {
            socket.shutdownInput();
            socket.shutdownOutput();
        } catch (IOException e) {
            // Already reset or closed by the peer: it knows.
        }
    }

    @Override
    public void close() {
        closeQuietly(readSelector);
        closeQuietly(writeSelector);
        closeQuietly(socket);
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // Closing releases the descriptor even when it reports an error.
            }
        }
    }
}
