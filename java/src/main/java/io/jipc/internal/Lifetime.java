package io.jipc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The one close policy of every jipc object that owns a resource (a descriptor, a mapping),
 * the JDK channels' policy: {@link #close()} never fails because another thread is inside a
 * call; it marks the object closing, wakes every blocked call (through the owner's wake
 * hook), and the last thread to leave releases the resource, so no call ever finds its
 * descriptor closed (or reused) or its memory unmapped under it.
 *
 * <p>Every operation brackets its use of the resource with {@link #enter()} (or
 * {@link #tryEnter()}) and {@link #exit()} in a {@code finally}. Uncontended, that is one
 * atomic add each, no lock. A blocked call notices {@link #isClosing()} when woken and
 * ends with {@link java.nio.channels.AsynchronousCloseException} (see {@link Wait}).
 *
 * <p>State: one int, the number of threads inside plus a CLOSING bit and a RELEASED bit.
 * {@code enter} adds one and backs out if CLOSING was set; whoever sees "closing, nobody
 * inside" — the closer, or the last thread out — sets RELEASED by CAS, and only the winner
 * calls the release hook, so it runs exactly once.
 */
public final class Lifetime {
    private static final int CLOSING = 1 << 30;
    private static final int RELEASED = 1 << 29;
    private static final int COUNT = RELEASED - 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Lifetime.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String what;
    private final Runnable wake;
    private final Runnable release;
    private volatile int state;

    /**
     * @param what    the object as messages name it ("MessageQueue[/jobs]")
     * @param wake    rouses threads blocked on the resource (a futex wake, a byte down a wake
     *                descriptor); called once by {@code close()}, while the resource is still
     *                held; must not throw; spurious wake-ups are the waiters' business
     * @param release frees the resource; called exactly once, by the last thread out; must not throw
     */
    public Lifetime(String what, Runnable wake, Runnable release) {
        this.what = what;
        this.wake = wake;
        this.release = release;
    }

    /**
     * Registers a caller about to use the resource.
     *
     * @throws IllegalStateException if the object is closed or closing
     */
    public void enter() {
        if (!tryEnter()) {
            throw new IllegalStateException(what + " is closed");
        }
    }

    /** {@return whether the caller may use the resource; if so it must call {@link #exit()}} */
    public boolean tryEnter() {
        int s = (int) STATE.getAndAdd(this, 1);
        if ((s & CLOSING) != 0) {
            exit();
            return false;
        }
        return true;
    }

    /** Ends a use begun by a successful {@link #enter()}; the last one out after a close releases. */
    public void exit() {
        int s = (int) STATE.getAndAdd(this, -1) - 1;
        if ((s & (CLOSING | RELEASED | COUNT)) == CLOSING) {
            tryRelease();
        }
    }

    /**
     * Closes the object: later calls fail, blocked calls are woken, and the resource is
     * released now if nobody is inside, else by the last thread to leave. Never blocks,
     * never fails; a second call does nothing.
     *
     * @return {@code true} if this call closed it
     */
    public boolean close() {
        int s = (int) STATE.getAndBitwiseOr(this, CLOSING);
        if ((s & CLOSING) != 0) {
            return false;
        }
        if ((s & COUNT) == 0) {
            tryRelease();
        } else {
            wake.run();
        }
        return true;
    }

    private void tryRelease() {
        int s = state;
        if ((s & (CLOSING | RELEASED | COUNT)) == CLOSING
                && STATE.compareAndSet(this, s, s | RELEASED)) {
            release.run();
        }
    }

    /** {@return whether {@link #close()} has not been called} */
    public boolean isOpen() {
        return (state & CLOSING) == 0;
    }

    /** {@return whether {@link #close()} has been called; a waiting call then gives up} */
    public boolean isClosing() {
        return (state & CLOSING) != 0;
    }

    /** {@return whether the resource has been released (closed, and the last thread left)} */
    public boolean isReleased() {
        return (state & RELEASED) != 0;
    }

    /** {@return the object as messages name it} */
    public String what() {
        return what;
    }

    @Override
    public String toString() {
        int s = state;
        return "Lifetime[" + what + ", " + ((s & RELEASED) != 0 ? "released"
                : (s & CLOSING) != 0 ? "closing, " + (s & COUNT) + " inside" : (s & COUNT) + " inside") + "]";
    }
}
