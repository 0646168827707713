package io.jipc;

/**
 * How a jipc call waits when it cannot proceed at once: first it spins (re-checking with
 * {@link Thread#onSpinWait()}), then it yields the processor ({@link Thread#yield()}), then it
 * sleeps in the kernel (on the futex word or descriptor it waits for) until woken. Rings,
 * channels and locks accept one; each has a default of {@link #spinThenSleep()}.
 *
 * <p>The trade is latency against CPU: a spinning waiter sees a change within tens of
 * nanoseconds but burns a core while it waits; a sleeping one costs nothing while it
 * waits, and a few microseconds to be woken (a system call on each side). The three kinds:
 * <ul>
 *   <li>{@link #busySpin()}: never yields, never sleeps; for a waiter that owns a core.</li>
 *   <li>{@link #yielding(int)}: spins, then yields for ever; never sleeps.</li>
 *   <li>{@link #spinThenSleep(int, int)}: spins, yields, then sleeps until woken.</li>
 * </ul>
 *
 * <p>A strategy that sleeps gives the most spins and yields: each object (a channel's
 * receiving end, a lock) cuts them, halving both after every wait that its spins did not end
 * and restoring them after one they did, and once nothing is left it tries them all again
 * one wait in 1024. Spinning pays only while the other side runs meanwhile; with both sides
 * pinned to one CPU, or a peer that answers later than a spin lasts, it only delays the sleep.
 *
 * <p>Whatever the strategy, a waiting call still notices a close of its object, its
 * deadline and (where the call is interruptible) an interrupt: strategies change how it
 * waits, never what ends the wait. On a virtual thread the spin is the only time a call
 * holds its carrier: a virtual thread yields its carrier between spins even under
 * {@code busySpin()}, and parks instead of sleeping in the kernel (a platform thread of
 * jipc's sleeps for it and unparks it), so waiting virtual threads never starve the
 * scheduler.
 *
 * <p>In the spirit of Agrona's {@code IdleStrategy}, but a value rather than a callback:
 * sleeping needs the futex word or descriptor the call waits on, which only jipc knows, so
 * the caller chooses the policy and jipc runs it. Instances are immutable and thread-safe.
 */
public final class WaitStrategy {
    /** Spins of the default strategy: some 20-30 microseconds on current x86, about a wake-up's cost. */
    public static final int DEFAULT_SPINS = 1000;
    /** Yields of the default strategy: on a machine with more runnable threads than cores, the other side may need this very core. */
    public static final int DEFAULT_YIELDS = 100;

    private static final WaitStrategy DEFAULT = new WaitStrategy(DEFAULT_SPINS, DEFAULT_YIELDS, true);
    private static final WaitStrategy BUSY_SPIN = new WaitStrategy(Integer.MAX_VALUE, 0, false);

    private final int spins;
    private final int yields;
    private final boolean sleeps;

    private WaitStrategy(int spins, int yields, boolean sleeps) {
        this.spins = spins;
        this.yields = yields;
        this.sleeps = sleeps;
    }

    /** {@return the default: {@value #DEFAULT_SPINS} spins, {@value #DEFAULT_YIELDS} yields, then sleep} */
    public static WaitStrategy spinThenSleep() {
        return DEFAULT;
    }

    /**
     * {@return a strategy that spins {@code spins} times, yields {@code yields} times, then
     * sleeps in the kernel until woken}
     *
     * @param spins how many times to re-check the condition on this core before yielding; 0 or more
     * @param yields how many times to give up the core ({@link Thread#yield()}) before sleeping; 0
     *     or more
     * @throws IllegalArgumentException if either count is negative
     */
    public static WaitStrategy spinThenSleep(int spins, int yields) {
        return new WaitStrategy(check("spins", spins), check("yields", yields), true);
    }

    /**
     * {@return a strategy that spins {@code spins} times, then yields until the wait ends; it never sleeps}
     *
     * @param spins how many times to re-check the condition on this core before yielding; 0 or more
     * @throws IllegalArgumentException if {@code spins} is negative
     */
    public static WaitStrategy yielding(int spins) {
        return new WaitStrategy(check("spins", spins), Integer.MAX_VALUE, false);
    }

    /** {@return a strategy that spins until the wait ends: lowest latency, one core busy per waiter} */
    public static WaitStrategy busySpin() {
        return BUSY_SPIN;
    }

    /** {@return how many times a waiter spins before it yields} */
    public int spins() {
        return spins;
    }

    /** {@return how many times a waiter yields, after spinning, before it sleeps} */
    public int yields() {
        return yields;
    }

    /** {@return whether a waiter finally sleeps in the kernel; {@code false} for busy-spin and yielding} */
    public boolean sleeps() {
        return sleeps;
    }

    private static int check(String what, int n) {
        if (n < 0) {
            throw new IllegalArgumentException(what + " must not be negative: " + n);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WaitStrategy w && w.spins == spins && w.yields == yields && w.sleeps == sleeps;
    }

    @Override
    public int hashCode() {
        return (spins * 31 + yields) * 2 + (sleeps ? 1 : 0);
    }

    @Override
    public String toString() {
        if (!sleeps) {
            return yields == 0 ? "WaitStrategy[busy spin]" : "WaitStrategy[spin " + spins + ", then yield]";
        }
        return "WaitStrategy[spin " + spins + ", yield " + yields + ", then sleep]";
    }
}
