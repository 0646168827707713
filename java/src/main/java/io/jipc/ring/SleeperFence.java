package io.jipc.ring;

import io.jipc.posix.Membarrier;

import java.lang.invoke.VarHandle;

/**
 * The asymmetric fence of the ring's wake-up protocol (see "Waiting" in
 * {@link RingDescriptor}): the side that publishes (a producer's commit, the consumer's
 * release of space) stores with release and then reads the other side's sleeper count with
 * no fence in between; the side that is about to sleep adds itself to the sleepers and then
 * pays for both with {@code membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)}, which runs a full
 * barrier on every running thread of every registered process before it returns.
 *
 * <p>Every process registers when it creates or attaches a ring ({@link #register}). A
 * process whose registration failed (a kernel without membarrier, a seccomp filter) gets
 * no barriers from sleepers, so it fences its own publishes ({@link #afterPublish} is then
 * a full fence); a sleeper whose barrier failed naps instead of sleeping for long
 * ({@link #beforeSleep} returns false), so a missed wake-up costs at most a nap.
 */
final class SleeperFence {
    private SleeperFence() {
    }

    /** Longest sleep of a waiter whose membarrier failed: it may have missed a publish. */
    static final long UNFENCED_NAP_NANOS = 1_000_000L;

    /** Whether this process receives the barriers of sleepers in any registered process. */
    private static final boolean REGISTERED = Membarrier.registerGlobalExpedited() == 0;

    /** Registers this process (done once, when this class is first used: at create or attach). */
    static boolean register() {
        return REGISTERED;
    }

    /**
     * Between a publishing store (release) and the read of the other side's sleeper count.
     * No instruction when this process is registered: a sleeper's membarrier orders the two
     * for us (the proof is at {@link RingConsumer}'s data wait). Otherwise a full fence.
     */
    static void afterPublish() {
        if (!REGISTERED) {
            VarHandle.fullFence();
        }
    }

    /**
     * Between a waiter's add to the sleeper count and its re-check of the condition.
     * {@return whether every registered process's threads have passed a full barrier}
     */
    static boolean beforeSleep() {
        return Membarrier.globalExpedited() == 0;
    }
}
