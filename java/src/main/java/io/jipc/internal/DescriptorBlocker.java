package io.jipc.internal;

import io.jipc.posix.Posix;

/**
 * A {@link Blocker} that sleeps in {@code poll} on a descriptor (a queue, a pipe end) for
 * readability or writability, beside a {@link WakePipe} that close and interrupts signal.
 * Level-triggered, so a sleep that starts after the descriptor became ready returns at once.
 *
 * <p>One object may have several (a queue's readers and writers), sharing one wake pipe:
 * make the first with {@link #DescriptorBlocker(Lifetime, int, int)} and the others with
 * {@link #sharing(int)}; the owner's release calls {@link #close()} once.
 */
public final class DescriptorBlocker extends Blocker {
    private final Lifetime lifetime;
    private final int fd;
    private final short events;
    private final WakePipe wake;

    /** @param events {@link Posix#POLLIN} or {@link Posix#POLLOUT} */
    public DescriptorBlocker(Lifetime lifetime, int fd, int events) {
        this(lifetime, fd, events, new WakePipe());
    }

    private DescriptorBlocker(Lifetime lifetime, int fd, int events, WakePipe wake) {
        super(lifetime);
        this.lifetime = lifetime;
        this.fd = fd;
        this.events = (short) events;
        this.wake = wake;
    }

    /** {@return a blocker for other {@code events} on the same descriptor, with the same wake pipe} */
    public DescriptorBlocker sharing(int events) {
        return new DescriptorBlocker(lifetime, fd, events, wake);
    }

    @Override
    protected void block(long maxNanos) {
        int wakeFd = wake.fd();
        if (wakeFd < 0) {
            return;
        }
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (maxNanos + 999_999) / 1_000_000));
        int[] fds = {fd, wakeFd};
        short[] want = {events, (short) Posix.POLLIN};
        short[] got = new short[2];
        int r = Posix.poll(fds, want, got, millis);
        if (r > 0 && got[1] != 0 && !lifetime.isClosing()) {
            // A wake-up for an interrupted thread: quiet the pipe for the others; a close
            // that lands meanwhile signals again (or is seen by the check above).
            wake.drain();
            if (lifetime.isClosing()) {
                wake.signal();
            }
        }
    }

    @Override
    protected void wakeKernel() {
        wake.signal();
    }

    /** Closes the wake pipe; for the owner's release. */
    public void close() {
        wake.close();
    }
}
