package io.jipc.channel;

import io.jipc.internal.Blocker;
import io.jipc.internal.DescriptorBlocker;
import io.jipc.internal.Lifetime;
import io.jipc.pipe.Pipe;
import io.jipc.posix.Poll;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Two pipe ends as a byte stream, both in non-blocking mode: a read takes what is there and
 * a write what fits; waits are the channel's, in {@code poll(2)} on the end's descriptor
 * beside a wake pipe. Each end's mode is its own open file description's: the peer's ends
 * are other descriptions, untouched.
 */
final class PipeLink implements ByteLink {
    private final Pipe.ReadEnd in;
    private final Pipe.WriteEnd out;
    private DescriptorBlocker readable;
    private DescriptorBlocker writable;

    PipeLink(Pipe.ReadEnd in, Pipe.WriteEnd out) throws IOException {
        this.in = in;
        this.out = out;
        in.configureBlocking(false);
        out.configureBlocking(false);
    }

    @Override
    public void attach(Lifetime lifetime) {
        readable = new DescriptorBlocker(lifetime, in.fd(), Poll.POLLIN);
        try {
            writable = new DescriptorBlocker(lifetime, out.fd(), Poll.POLLOUT);
        } catch (RuntimeException e) {
            readable.close();
            throw e;
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return in.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return out.write(src);
    }

    @Override
    public int read(ByteBuffer dst, long waitNanos) throws IOException {
        return waitNanos <= 0 ? in.read(dst) : in.read(dst, Duration.ofNanos(waitNanos));
    }

    @Override
    public int write(ByteBuffer src, long waitNanos) throws IOException {
        return waitNanos <= 0 ? out.write(src) : out.write(src, Duration.ofNanos(waitNanos));
    }

    @Override
    public Blocker readable() {
        return readable;
    }

    @Override
    public Blocker writable() {
        return writable;
    }

    @Override
    public void wakeUp() {
        if (readable != null) {
            readable.wake();
            writable.wake();
        }
    }

    @Override
    public void shutdown() {
        // Closing our ends is what the peer can see: end of stream on its read, EPIPE on its write.
        in.close();
        out.close();
    }

    @Override
    public void close() {
        in.close();
        out.close();
        if (readable != null) {
            readable.close();
            writable.close();
        }
    }
}
