package io.jipc.sync;

import io.jipc.posix.Posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static io.jipc.sync.LockWordDescriptor.OWNER_MASK;
import static io.jipc.sync.LockWordDescriptor.UNLOCKED;
import static io.jipc.sync.LockWordDescriptor.WAITERS_BIT;

/**
 * A lock on a word of shared memory whose waiters spin briefly, then sleep in the
 * kernel on a shared futex, so a long wait costs no CPU.
 *
 * <p>The word holds the owner's pid and a WAITERS bit ({@link LockWordDescriptor}).
 * Uncontended, lock and unlock are one atomic instruction each and make no system call.
 * A waiter that has spun {@value #SPIN_LIMIT} times sets WAITERS and calls
 * {@code FUTEX_WAIT}; {@link #unlock()} calls {@code FUTEX_WAKE} only when WAITERS is set,
 * i.e. only when someone may be asleep. Woken waiters compete again; there is no
 * fairness guarantee.
 *
 * <p>This object is a view: it owns no memory, and after the segment's owner is closed
 * every method throws {@link IllegalStateException}. Ordering and ownership rules are
 * those of {@link Lock}.
 */
public final class Mutex implements Lock {
    /** Spins before sleeping: about the cost of the futex round trip it may save. */
    static final int SPIN_LIMIT = 200;

    private final MemorySegment segment;
    private final long offset;
    /** The 4 bytes of the word, for the futex calls. */
    private final MemorySegment word;
    private volatile Thread holder;

    private Mutex(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        this.word = segment.asSlice(offset, LockWordDescriptor.LOCK_LENGTH);
    }

    /**
     * Makes a view of the lock word at {@code offset} in {@code segment}. Zeroed memory is
     * an unlocked lock; nothing is written here.
     *
     * @throws IllegalArgumentException if the word is out of bounds or not 4-byte aligned
     */
    public static Mutex at(MemorySegment segment, long offset) {
        LockWordDescriptor.checkLockWord(segment, offset);
        return new Mutex(segment, offset);
    }

    /** Tries once; never waits, never calls the kernel. */
    @Override
    public boolean tryLock() {
        if (LockWord.INT.compareAndSet(segment, offset, UNLOCKED, LockWord.PID)) {
            holder = Thread.currentThread();
            return true;
        }
        return false;
    }

    /** Waits, spinning then sleeping, until the lock is held by this thread. Not interruptible. */
    @Override
    public void lock() {
        if (!tryLock()) {
            acquireSlow(-1);
        }
    }

    /**
     * Waits at most {@code timeout} for the lock.
     *
     * @return {@code true} if the lock is now held by this thread, {@code false} on time-out
     */
    public boolean tryLock(Duration timeout) {
        if (tryLock()) {
            return true;
        }
        return acquireSlow(Posix.toNanos(timeout));
    }

    /**
     * Releases the lock, waking one sleeper if any may sleep.
     *
     * @throws IllegalStateException if this thread does not hold the lock
     */
    @Override
    public void unlock() {
        int w = LockWord.get(segment, offset);
        if ((w & OWNER_MASK) != LockWord.PID || holder != Thread.currentThread()) {
            throw LockWord.notHeld("Mutex", segment, offset, w);
        }
        holder = null;
        if ((int) LockWord.INT.compareAndExchangeRelease(segment, offset, LockWord.PID, UNLOCKED) == LockWord.PID) {
            return;
        }
        // WAITERS was set: only we can clear the word, so a plain release store suffices.
        LockWord.INT.setRelease(segment, offset, UNLOCKED);
        Posix.futexWake(word, 1);
    }

    @Override
    public int ownerPid() {
        return LockWordDescriptor.ownerOf(LockWord.get(segment, offset));
    }

    /** {@code timeoutNanos < 0}: no limit. */
    private boolean acquireSlow(long timeoutNanos) {
        for (int i = 0; i < SPIN_LIMIT; i++) {
            int w = (int) LockWord.INT.getOpaque(segment, offset);
            if (w == UNLOCKED && tryLock()) {
                return true;
            }
            Thread.onSpinWait();
        }
        long deadline = timeoutNanos < 0 ? 0 : System.nanoTime() + timeoutNanos;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = timeoutNanos < 0 ? MemorySegment.NULL : Posix.timespec(arena, 0);
            while (true) {
                int w = LockWord.get(segment, offset);
                if (w == UNLOCKED) {
                    // Take it with WAITERS set: others may still sleep, and we cannot know.
                    if (LockWord.INT.compareAndSet(segment, offset, UNLOCKED, LockWord.PID | WAITERS_BIT)) {
                        holder = Thread.currentThread();
                        return true;
                    }
                    continue;
                }
                if ((w & WAITERS_BIT) == 0
                        && !LockWord.INT.compareAndSet(segment, offset, w, w | WAITERS_BIT)) {
                    continue;
                }
                if (timeoutNanos >= 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    Posix.setTimespec(ts, left);
                }
                int r = Posix.futexWait(word, w | WAITERS_BIT, ts);
                if (r < 0 && r != -Posix.EAGAIN && r != -Posix.EINTR && r != -Posix.ETIMEDOUT) {
                    throw new IllegalStateException(Posix.error("futex(FUTEX_WAIT)", null, -r).getMessage());
                }
            }
        }
    }

    @Override
    public String toString() {
        int w = LockWord.get(segment, offset);
        return "Mutex[offset " + offset + ", " + LockWord.describe(w)
                + ((w & WAITERS_BIT) != 0 ? ", waiters" : "") + "]";
    }
}
