package io.jipc.channel;

import io.jipc.pipe.Pipe;

import java.io.IOException;
import java.net.URI;

/**
 * Both ends of a pipe channel, made by {@link Channels#pipe(ChannelOptions)}: {@link #channel()}
 * for this process, and a far end that goes to a child process (or, with {@link #peerChannel()},
 * to another thread of this one).
 *
 * <p>A pipe has no name, so there is nothing to bind or connect to by address: the far end's
 * two descriptors are handed to a child with {@link io.jipc.process.Spawn#mapDescriptor(int, int)},
 * and the child makes its channel with {@code Channels.connect("pipe:read=R,write=W")}, R and W
 * being the numbers it got them as. This process must then {@linkplain #closePeer() close its
 * copies}, or it will never see the child's end of channel:
 *
 * <pre>{@code
 * try (ChannelPair pipes = Channels.pipe(ChannelOptions.defaults());
 *      ChildProcess child = Spawn.java(Worker.class, "pipe:read=3,write=4")
 *              .mapDescriptor(3, pipes.peerReadFd()).mapDescriptor(4, pipes.peerWriteFd()).start()) {
 *     pipes.closePeer();
 *     MessageChannel worker = pipes.channel();
 *     worker.send(job);
 *     int n = worker.receive(result);
 * }
 * }</pre>
 *
 * <p>Closing the pair closes whichever of its parts are still open in this process.
 */
public final class ChannelPair implements AutoCloseable {
    private final StreamChannel channel;
    private final Pipe.ReadEnd peerRead;
    private final Pipe.WriteEnd peerWrite;
    private final ChannelOptions options;
    private StreamChannel peer;

    ChannelPair(StreamChannel channel, Pipe.ReadEnd peerRead, Pipe.WriteEnd peerWrite, ChannelOptions options) {
        this.channel = channel;
        this.peerRead = peerRead;
        this.peerWrite = peerWrite;
        this.options = options;
    }

    /** {@return this process's end} */
    public MessageChannel channel() {
        return channel;
    }

    /**
     * {@return the descriptor the far end reads from, to map into a child}
     *
     * @throws IllegalStateException if the far end was closed here or made a channel here
     */
    public int peerReadFd() {
        checkPeerHere();
        return peerRead.fd();
    }

    /**
     * {@return the descriptor the far end writes to, to map into a child}
     *
     * @throws IllegalStateException if the far end was closed here or made a channel here
     */
    public int peerWriteFd() {
        checkPeerHere();
        return peerWrite.fd();
    }

    /**
     * {@return the address a child connects to once it holds the far end as {@code readFd} and
     * {@code writeFd}}
     *
     * @param readFd the descriptor number at which the child holds the far end's read side
     *     ({@link #peerReadFd()} mapped)
     * @param writeFd the descriptor number at which the child holds the far end's write side
     *     ({@link #peerWriteFd()} mapped)
     */
    public static URI peerAddress(int readFd, int writeFd) {
        return URI.create("pipe:read=" + readFd + ",write=" + writeFd);
    }

    /** Closes this process's copies of the far end's descriptors, after a child got its own. Idempotent. */
    public synchronized void closePeer() {
        if (peer == null) {
            peerRead.close();
            peerWrite.close();
        }
    }

    /**
     * Makes the far end a channel in this process, for another thread; blocks until this end's
     * hello is read, which is at once. Its descriptors can no longer be handed to a child.
     *
     * @return the far end as a channel of this process; the caller closes it
     * @throws IllegalStateException if the far end was closed here
     * @throws IOException           if the exchange of hellos fails
     */
    public synchronized MessageChannel peerChannel() throws IOException {
        if (peer == null) {
            if (!peerRead.isOpen() || !peerWrite.isOpen()) {
                throw new IllegalStateException("the far end of " + channel.name + " was closed in this process");
            }
            peer = Channels.adoptPipe(peerAddress(peerRead.fd(), peerWrite.fd()), peerRead,
                    peerWrite, options);
        }
        return peer;
    }

    private synchronized void checkPeerHere() {
        if (peer != null) {
            throw new IllegalStateException("the far end of " + channel.name + " is a channel in this process");
        }
    }

    /** Closes this end and whatever of the far end is still open here. */
    @Override
    public synchronized void close() {
        channel.close();
        if (peer != null) {
            peer.close();
        } else {
            closePeer();
        }
    }
}
