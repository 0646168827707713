package io.jipc.internal;

import io.jipc.WaitStrategy;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * The one wait loop of jipc: try, then spin, yield and sleep as a {@link WaitStrategy} says,
 * until the attempt succeeds, the {@link Deadline} passes, the owner's {@link Lifetime} is
 * closed, or (as the {@link Interrupts} mode says) the thread is interrupted. Mutex, rings,
 * queues, semaphores, pipes and channels all wait here.
 *
 * <p>Use: the caller tries once on its own (the fast path allocates nothing), and only when
 * that fails calls {@link #until}, with the same attempt as a lambda:
 * <pre>{@code
 * Acquired a = tryOnce();
 * if (a == null) a = Wait.until(this::tryOnce, blocker, strategy, deadline, lifetime, Interrupts.THROW);
 * }</pre>
 *
 * <p>Sleeping is {@link Blocker#block}: directly on a platform thread (no hand-off, so
 * platform-thread latency is a futex or poll wake-up), parked on a virtual thread (see
 * {@link Blocker}). An interruptible sleep of a platform thread is bracketed by
 * {@link AbstractInterruptibleChannel}'s {@code begin}/{@code end}, the JDK's own hook from
 * {@link Thread#interrupt()} into a blocked call: the interrupt runs {@link Blocker#wake()}
 * (or, for {@link Interrupts#CLOSE}, {@link Lifetime#close()}), so the wait ends within a
 * wake-up, not a slice. No sleep is longer than {@link #MAX_SLEEP_NANOS}, which bounds the
 * cost of the one race no futex can close (an interrupt or close landing between the last
 * check and the system call).
 */
public final class Wait {
    /** Longest single sleep: bounds how late a lost wake-up is noticed. */
    public static final long MAX_SLEEP_NANOS = 100_000_000L;
    /** Spins between carrier yields of a virtual thread under {@link WaitStrategy#busySpin()}. */
    private static final int VIRTUAL_SPIN_BURST = 1024;

    private Wait() {
    }

    /** What an interrupt does to a wait. */
    public enum Interrupts {
        /** Nothing: the wait goes on and the interrupt flag is set again when it ends ({@code lock()}, {@code acquire()}). */
        IGNORE,
        /** The wait ends with {@link InterruptedException}, the flag cleared ({@code lockInterruptibly()}). */
        THROW,
        /**
         * The object is closed and the wait ends with {@link ClosedByInterruptException}, the
         * flag left set: {@link java.nio.channels.InterruptibleChannel}'s rule. Needs a lifetime.
         */
        CLOSE
    }

    /** One try of what the caller waits for. */
    @FunctionalInterface
    public interface Attempt<T> {
        /** {@return the result, or null if the caller must wait} */
        T attempt() throws IOException;
    }

    /**
     * Waits until {@code attempt} returns non-null. The caller must have tried once just
     * before (and failed): the loop starts by waiting, not by trying, which saves a system
     * call per blocked call where the attempt is one.
     *
     * @param lifetime the owner's lifetime, whose close ends the wait; null for a view that owns nothing
     * @return the attempt's result, or null if the deadline passed first
     * @throws AsynchronousCloseException  if the lifetime was closed during the wait
     * @throws ClosedByInterruptException  in mode {@link Interrupts#CLOSE}, if the thread was interrupted
     * @throws InterruptedException        in mode {@link Interrupts#THROW}, if the thread was interrupted
     * @throws IOException                 what the attempt throws
     */
    public static <T> T until(Attempt<T> attempt, Blocker blocker, WaitStrategy strategy, Deadline deadline,
                              Lifetime lifetime, Interrupts interrupts) throws IOException, InterruptedException {
        Thread me = Thread.currentThread();
        boolean virtual = me.isVirtual();
        // A strategy that sleeps spins and yields at most its counts: the blocker cuts them
        // while spinning does not pay on this object (see Blocker.cut).
        boolean adapts = strategy.sleeps() && blocker.spinsAdapt();
        int cut = adapts ? blocker.cutForWait(strategy.spins(), strategy.yields()) : 0;
        long spins = strategy.spins() >> cut;
        long yields = spins + (strategy.yields() >> cut);
        boolean joined = false;
        boolean swallowed = false;
        try {
            for (long i = 0; ; i++) {
                // The caller has just tried (the fast path): the first round goes straight to waiting.
                if (i > 0) {
                    T result = attempt.attempt();
                    if (result != null) {
                        if (adapts) {
                            blocker.spun(cut, i <= spins);
                        }
                        return result;
                    }
                }
                switch (interrupts) {
                    case THROW -> {
                        if (Thread.interrupted()) {
                            throw new InterruptedException();
                        }
                    }
                    case CLOSE -> {
                        if (me.isInterrupted()) {
                            lifetime.close();
                            throw new ClosedByInterruptException();
                        }
                    }
                    case IGNORE -> swallowed |= Thread.interrupted();
                }
                if (lifetime != null && lifetime.isClosing()) {
                    throw new AsynchronousCloseException();
                }
                if (deadline.hasExpired()) {
                    if (adapts) {
                        blocker.spun(cut, false);
                    }
                    return null;
                }
                if (i < spins) {
                    if (virtual && i % VIRTUAL_SPIN_BURST == VIRTUAL_SPIN_BURST - 1) {
                        Thread.yield();
                    } else {
                        Thread.onSpinWait();
                    }
                } else if (i < yields || !strategy.sleeps()) {
                    Thread.yield();
                } else if (!virtual) {
                    sleep(blocker, deadline, lifetime, interrupts, me);
                } else if (!joined) {
                    // Registered before the next attempt, so a change after it unparks us.
                    blocker.join(me);
                    joined = true;
                } else {
                    blocker.join(me);
                    LockSupport.parkNanos(blocker, deadline.slice(Math.min(blocker.maxSliceNanos(), MAX_SLEEP_NANOS)));
                }
            }
        } finally {
            if (joined) {
                blocker.leave(me);
            }
            if (swallowed) {
                me.interrupt();
            }
        }
    }

    /** A platform thread's sleep, with the JDK's interrupt hook around it when interrupts end the wait. */
    private static void sleep(Blocker blocker, Deadline deadline, Lifetime lifetime, Interrupts interrupts, Thread me) {
        long slice = deadline.slice(Math.min(blocker.maxSliceNanos(), MAX_SLEEP_NANOS));
        if (slice <= 0) {
            return;
        }
        if (interrupts == Interrupts.IGNORE) {
            blocker.block(slice);
            return;
        }
        InterruptHook hook = new InterruptHook(interrupts == Interrupts.CLOSE ? lifetime::close : blocker::wake);
        hook.enter();
        try {
            if (!me.isInterrupted()) {
                blocker.block(slice);
            }
        } finally {
            hook.leave();
        }
    }

    /**
     * The JDK's way into {@link Thread#interrupt()}: while a thread is between
     * {@code begin()} and {@code end()}, interrupting it closes this (throw-away) channel,
     * whose close runs the action that wakes the sleep.
     */
    private static final class InterruptHook extends AbstractInterruptibleChannel {
        private final Runnable onInterrupt;

        InterruptHook(Runnable onInterrupt) {
            this.onInterrupt = onInterrupt;
        }

        void enter() {
            begin();
        }

        void leave() {
            try {
                end(true);
            } catch (AsynchronousCloseException e) {
                // The interrupt closed the hook; the wait loop reads the flag and reacts.
            }
        }

        @Override
        protected void implCloseChannel() {
            onInterrupt.run();
        }
    }
}
