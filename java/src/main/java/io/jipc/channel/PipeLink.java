package io.jipc.channel;

import io.jipc.pipe.Pipe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Two pipe ends as a byte stream. The read end stays in blocking mode and is only read after
 * {@code poll(2)} says so (the timed read of {@link Pipe.ReadEnd}), so no read ever blocks past
 * its time; the write end is non-blocking, so a write takes what fits. Each end's mode is its
 * own open file description's: the peer's ends are other descriptions, untouched.
 *
 * <p>Waits cannot be cut short: the channel waits in slices instead.
 */
final class PipeLink implements ByteLink {
    private final Pipe.ReadEnd in;
    private final Pipe.WriteEnd out;

    PipeLink(Pipe.ReadEnd in, Pipe.WriteEnd out) throws IOException {
        this.in = in;
        this.out = out;
        in.configureBlocking(true);
        out.configureBlocking(false);
    }

    @Override
    public int read(ByteBuffer dst, long waitNanos) throws IOException {
        return in.read(dst, waitNanos == 0 ? Duration.ZERO : Duration.ofNanos(waitNanos));
    }

    @Override
    public int write(ByteBuffer src, long waitNanos) throws IOException {
        return waitNanos == 0 ? out.write(src) : out.write(src, Duration.ofNanos(waitNanos));
    }

    @Override
    public void wakeUp() {
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
    }
}
