package io.jipc.posix;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Counts the threads inside native calls on a descriptor or mapping that {@code close()}
 * would release, so that close never pulls it out from under them.
 *
 * <p>Why: a thread blocked in {@code mq_receive} on descriptor 7 keeps waiting after
 * another thread closes 7, and when it returns, 7 may already name some other file; a
 * thread in {@code sem_wait} would touch a {@code sem_t} that {@code sem_close} unmapped.
 * So every operation brackets its native call with {@link #enter()}/{@link #exit()}, and
 * {@link #close()} refuses while the count is not zero. One CAS in, one decrement out.
 */
public final class UseCount {
    private static final int CLOSED = Integer.MIN_VALUE;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(UseCount.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String what;
    /** Threads inside, or {@link #CLOSED}. */
    private volatile int state;

    /** @param what the object, as messages name it ("MessageQueue[/jobs]") */
    public UseCount(String what) {
        this.what = what;
    }

    /**
     * Registers a caller about to use the resource.
     *
     * @throws IllegalStateException if it is closed
     */
    public void enter() {
        while (true) {
            int s = state;
            if (s == CLOSED) {
                throw new IllegalStateException(what + " is closed");
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return;
            }
        }
    }

    /** Ends a use begun by {@link #enter()}; call it in a {@code finally}. */
    public void exit() {
        STATE.getAndAdd(this, -1);
    }

    /**
     * Marks the resource closed if nobody uses it.
     *
     * @return {@code true} if this call closed it (the caller now releases the resource),
     *         {@code false} if it was already closed
     * @throws IllegalStateException if threads are inside calls on it; it stays open
     */
    public boolean close() {
        int s = (int) STATE.compareAndExchange(this, 0, CLOSED);
        if (s == 0) {
            return true;
        }
        if (s == CLOSED) {
            return false;
        }
        throw new IllegalStateException("cannot close " + what + ": " + s
                + " thread(s) are inside calls on it (blocked waiting, perhaps); wake or finish them first");
    }

    /** {@return whether {@link #close()} has not yet succeeded} */
    public boolean isOpen() {
        return state != CLOSED;
    }
}
