package io.jipc.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The kernel sleep of one waitable thing (a futex word, a descriptor), for {@link Wait}: the
 * owner says how to sleep ({@link #block(long)}) and how to cut a sleep short
 * ({@link #wakeKernel()}); this class makes that sleep safe for virtual threads.
 *
 * <p>A platform thread calls {@code block} itself. A virtual thread must not: a futex or
 * {@code poll} downcall would pin its carrier for the whole sleep, and with as many sleepers
 * as carriers nobody else runs, not even the thread that would wake them. So a virtual
 * thread registers here and parks; one platform daemon thread ("jipc-waiter") per blocker
 * with parked threads runs {@code block} on their behalf and unparks them all whenever it
 * returns. They re-check and park again if they still must wait. One waiter thread serves a
 * thousand virtual threads waiting on one lock; waiter threads come from a cached pool and
 * end a minute after their last wait, so they can never be starved by the virtual threads
 * they serve.
 *
 * <p>{@code block} must be self-contained: it re-reads the state it sleeps on and returns
 * at once if the wait may already be over (a futex wait with the value just read, a
 * level-triggered poll), because the thread that asked for the sleep read that state
 * earlier. Spurious returns are always allowed: every wait is a loop.
 */
public abstract class Blocker {
    private static final ExecutorService WAITERS = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("jipc-waiter-", 0).factory());

    /** The lifetime the sleep uses the resource under; null for a view that owns nothing (a Mutex). */
    private final Lifetime lifetime;
    private final Set<Thread> parked = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean serving = new AtomicBoolean();

    /** @param lifetime the owner's lifetime, entered around each sleep made on a virtual thread's behalf; may be null */
    protected Blocker(Lifetime lifetime) {
        this.lifetime = lifetime;
    }

    // ---- adaptive spinning (Wait's, for strategies that sleep) ----

    /** Waits between two probes of a cut that has left no spin and no yield. */
    static final int PROBE_EVERY = 1024;
    /**
     * A probe spins and yields all the strategy's counts: two ends that both came to sleep at
     * once (a quiet spell cut them) answer each other only after a wake-up, which a shorter
     * probe would never wait out; one whole spin does, and then its end spins again.
     */
    static final int PROBE_CUT = 0;

    /**
     * How far waits on this object have cut a sleeping strategy's spins and yields (each
     * shifted right by this): one more for each wait whose spins did not end it, none after
     * one whose spins did. Spinning pays only while the other side runs meanwhile; when it
     * cannot (both sides pinned to one CPU) or answers later than a spin lasts, every spin
     * and yield only delays the sleep that lets it run, which cost a channel's ping-pong
     * pinned to one CPU two orders of magnitude. Plain fields: waiters racing on one object
     * lose an update at worst.
     */
    private int cut;
    private int untilProbe = PROBE_EVERY;

    /**
     * {@return whether waits on this blocker may cut a sleeping strategy's spins and yields}
     * False for an owner whose attempts count the strategy's phases to know whether the
     * waiter may have slept (a {@code Mutex}: such a waiter must take the lock announcing
     * waiters), which a cut would leave counting a phase the wait no longer has.
     */
    protected boolean spinsAdapt() {
        return true;
    }

    /**
     * {@return the cut for the next wait} Once the cut has left nothing, one wait in
     * {@link #PROBE_EVERY} spins all the counts, to find out whether spinning pays again.
     */
    final int cutForWait(int spins, int yields) {
        int c = cut;
        if ((spins >> c) == 0 && (yields >> c) == 0 && (spins | yields) != 0 && --untilProbe <= 0) {
            untilProbe = PROBE_EVERY;
            return Math.min(c, PROBE_CUT);
        }
        return c;
    }

    /** After a wait made with cut {@code used}: whether a spin, not a yield or a sleep, ended it. */
    final void spun(int used, boolean bySpinning) {
        cut = bySpinning ? 0 : Math.min(Math.max(cut, used + 1), Integer.SIZE - 1);
    }

    /**
     * Sleeps in the kernel at most {@code maxNanos} (positive), or until woken, or at once if
     * what is waited for may have happened. Must not throw for a wake-up, a time-out or an
     * interrupted system call; may return early for any reason.
     */
    protected abstract void block(long maxNanos);

    /** Makes any {@link #block} in progress, on any thread, return soon. Must not throw. */
    protected abstract void wakeKernel();

    /** {@return the longest single sleep: the owner's loop re-checks after it (a liveness check, say)} */
    protected long maxSliceNanos() {
        return Wait.MAX_SLEEP_NANOS;
    }

    /**
     * Wakes every thread sleeping on this blocker, platform and virtual: each returns to its
     * wait loop and re-checks (close, interrupt, deadline, the condition). The owner's
     * {@link Lifetime} wake hook calls this.
     */
    public final void wake() {
        wakeKernel();
        unparkAll();
    }

    // ---- virtual threads ----

    /**
     * Registers a virtual thread about to park, and makes sure a waiter thread serves it;
     * idempotent, called before every park. It must {@link #leave(Thread)} when its wait ends.
     */
    final void join(Thread thread) {
        parked.add(thread);
        if (serving.compareAndSet(false, true)) {
            WAITERS.execute(this::serve);
        }
    }

    final void leave(Thread thread) {
        parked.remove(thread);
    }

    private void unparkAll() {
        for (Thread t : parked) {
            LockSupport.unpark(t);
        }
    }

    /** The waiter thread: sleep for the parked threads until none is left. */
    private void serve() {
        while (true) {
            if (parked.isEmpty()) {
                serving.set(false);
                // A thread may have joined between the look and the flag: serve it, unless another waiter does.
                if (parked.isEmpty() || !serving.compareAndSet(false, true)) {
                    return;
                }
            }
            if (lifetime != null && !lifetime.tryEnter()) {
                // Closed: the parked threads see it when unparked and leave; nothing to sleep on.
                serving.set(false);
                unparkAll();
                return;
            }
            try {
                block(maxSliceNanos());
            } catch (RuntimeException e) {
                // The resource failed under us (a view whose memory was unmapped, say): the
                // parked threads meet the failure when their capped park ends and they
                // re-check; no unpark here, so a lasting failure cannot become a hot loop.
                serving.set(false);
                return;
            } finally {
                if (lifetime != null) {
                    lifetime.exit();
                }
            }
            unparkAll();
        }
    }
}
