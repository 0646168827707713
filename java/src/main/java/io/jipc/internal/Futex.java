package io.jipc.internal;

import io.jipc.posix.Clocks;
import io.jipc.posix.Errno;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Sleeping on and waking a shared futex word, for {@link Blocker}s: the relative timeout
 * lives in a per-thread timespec (only platform threads sleep in the kernel, and they are
 * few), and the outcomes every waiter treats alike (woken, value changed, timed out, signal)
 * are folded into a plain return.
 *
 * <p>The kernel gets the word's raw address, not the segment: a downcall holding a segment
 * keeps its arena from closing, and a sleeper must not make
 * {@code SharedMemory.close()} fail. The caller has just read the word through the segment
 * (so it was mapped); if it is unmapped by the time the kernel looks, futex reports
 * {@code EFAULT}, taken here as a wake-up, and the caller's next look through the segment
 * throws {@link IllegalStateException} as any use of closed memory does.
 */
public final class Futex {
    private static final ThreadLocal<MemorySegment> TIMEOUT =
            ThreadLocal.withInitial(() -> Clocks.timespec(Arena.ofAuto()));

    /** Linux's EFAULT (the bindings do not export it). */
    private static final int EFAULT = 14;

    private Futex() {
    }

    /**
     * Sleeps while {@code *word == expected}, at most {@code nanos}; returns on a wake, a
     * change of the value, the time-out or a signal alike.
     *
     * @throws IllegalStateException for any other failure (a word not in shared memory, say)
     */
    public static void await(MemorySegment word, int expected, long nanos) {
        MemorySegment ts = TIMEOUT.get();
        Clocks.setTimespec(ts, nanos);
        int r = io.jipc.posix.Futex.await(MemorySegment.ofAddress(word.address()), expected, ts);
        if (r < 0 && r != -Errno.EAGAIN && r != -Errno.EINTR && r != -Errno.ETIMEDOUT && r != -EFAULT) {
            throw new IllegalStateException(Errno.exception("futex(FUTEX_WAIT)", null, -r).getMessage());
        }
    }

    /** Wakes up to {@code count} sleepers on {@code word}. */
    public static void wake(MemorySegment word, int count) {
        io.jipc.posix.Futex.wake(MemorySegment.ofAddress(word.address()), count);
    }

    /** Wakes every sleeper on {@code word}. */
    public static void wakeAll(MemorySegment word) {
        wake(word, Integer.MAX_VALUE);
    }
}
