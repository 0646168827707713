package io.jipc.bench.transport;

import io.jipc.bench.Transport;
import io.jipc.pipe.Pipe;
import io.jipc.process.Spawn;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Two jipc {@link Pipe}s, one per direction, in blocking mode: the twin of cbench's
 * "pipe". The driver opens both and maps the peer's ends into the peer JVM with
 * {@link Spawn#mapDescriptor} (as descriptors {@link #PEER_READ_FD} and
 * {@link #PEER_WRITE_FD}); the peer takes them over with {@code ReadEnd.adopt} and
 * {@code WriteEnd.adopt}. The driver closes its copies of the peer's ends once the peer
 * runs, so each side sees end of stream if the other dies.
 */
public final class PipeTransport implements Transport {
    /** The peer's descriptor numbers: above what a starting JVM opens first, for legibility only. */
    static final int PEER_READ_FD = 10;
    static final int PEER_WRITE_FD = 11;

    @Override
    public String name() {
        return "pipe";
    }

    @Override
    public String waiting() {
        return "blocking";
    }

    @Override
    public String description() {
        return "two pipes (one per direction); blocking read/write; Java: io.jipc.pipe, the peer's ends mapped "
                + "into its JVM with Spawn.mapDescriptor";
    }

    @Override
    public Endpoint listen(Path scratch) throws IOException {
        Pipe toPeer = Pipe.open();
        Pipe fromPeer;
        try {
            fromPeer = Pipe.open();
        } catch (IOException | RuntimeException e) {
            toPeer.close();
            throw e;
        }
        return new Endpoint() {
            private boolean accepted;

            @Override
            public String address() {
                return PEER_READ_FD + "," + PEER_WRITE_FD;
            }

            @Override
            public void handOver(Spawn peer) {
                peer.mapDescriptor(PEER_READ_FD, toPeer.readEnd().fd());
                peer.mapDescriptor(PEER_WRITE_FD, fromPeer.writeEnd().fd());
            }

            @Override
            public void peerStarted() {
                toPeer.readEnd().close();
                fromPeer.writeEnd().close();
            }

            @Override
            public Link accept(Duration timeout) {
                accepted = true;
                return new PipeLink(fromPeer.readEnd(), toPeer.writeEnd());
            }

            @Override
            public void close() {
                if (!accepted) {
                    toPeer.close();
                    fromPeer.close();
                }
            }
        };
    }

    @Override
    public Link connect(String address) throws IOException {
        String[] fds = address.split(",");
        Pipe.ReadEnd in = Pipe.ReadEnd.adopt(Integer.parseInt(fds[0]));
        Pipe.WriteEnd out = Pipe.WriteEnd.adopt(Integer.parseInt(fds[1]));
        return new PipeLink(in, out);
    }

    private static final class PipeLink implements Link {
        private final Pipe.ReadEnd in;
        private final Pipe.WriteEnd out;
        private final SliceCache sendSlice = new SliceCache();
        private final SliceCache receiveSlice = new SliceCache();

        PipeLink(Pipe.ReadEnd in, Pipe.WriteEnd out) {
            this.in = in;
            this.out = out;
        }

        @Override
        public void send(MemorySegment message, int length) throws IOException {
            // Blocking mode: returns once every byte is written.
            out.write(sendSlice.of(message, length));
        }

        @Override
        public void receive(MemorySegment message, int length) throws IOException {
            MemorySegment target = receiveSlice.of(message, length);
            long done = in.read(target);
            // A pipe is a byte stream: a message may come in pieces (rarely, above PIPE_BUF).
            while (done < length) {
                if (done < 0) {
                    throw new EOFException("the other side closed its pipe");
                }
                long n = in.read(target.asSlice(done));
                done = n < 0 ? n : done + n;
            }
        }

        @Override
        public void close() {
            in.close();
            out.close();
        }
    }
}
