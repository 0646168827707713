package io.jipc.internal;

import io.jipc.posix.Poll;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;



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
    /** The watched descriptor and the wake pipe: one pollfd pair per sleeping platform thread. */
    private static final ThreadLocal<MemorySegment> PAIR = ThreadLocal.withInitial(() -> Poll.allocate(Arena.ofAuto(), 2));
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
        MemorySegment pair = PAIR.get();
        Poll.set(pair, 0, fd, events);
        Poll.set(pair, 1, wakeFd, Poll.POLLIN);
        int r = Poll.poll(pair, 2, millis);
        if (r > 0 && Poll.revents(pair, 1) != 0 && !lifetime.isClosing()) {
            // A wake-up for an interrupted thread: quiet the pipe for the others; a close
            // that lands meanwhile signals again (or is seen by the check above).
            wake.drain();
            if (lifetime.isClosing()) {
                wake.signal();
            }
        }
    }

    /**
     * {@return whether this thread's last sleep on this blocker ended with the descriptor
     * ready for its events (or hung up, or in error: the operation then reports it)} Consumes the report, so it answers once per sleep. An owner whose
     * attempt is a readiness test followed by the operation (a pipe on a kernel without
     * {@code RWF_NOWAIT}) uses it to skip the test after a sleep: poll has just answered it.
     * Always false on a virtual thread, whose sleep a waiter thread made.
     */
    public boolean sawReady() {
        if (Thread.currentThread().isVirtual()) {
            return false;  // no pair of its own, and none to allocate
        }
        MemorySegment pair = PAIR.get();
        if (Poll.fd(pair, 0) != fd || (Poll.revents(pair, 0) & (events | Poll.POLLHUP | Poll.POLLERR)) == 0) {
            return false;
        }
        Poll.set(pair, 0, -1, 0);
        return true;
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
