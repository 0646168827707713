package io.jipc.sync;

import java.lang.foreign.MemorySegment;

import static io.jipc.sync.LockWordDescriptor.UNLOCKED;

/**
 * A test-and-set lock on a word of shared memory: waiters spin, never sleep.
 *
 * <p>Acquiring is one atomic compare-and-set of the word from 0 to this process's pid,
 * with acquire semantics; releasing is a release store of 0 (layout and ordering in
 * {@link LockWordDescriptor}). A waiter re-reads the word until it looks free before it
 * tries again (test-and-test-and-set), calling {@link Thread#onSpinWait()}, so it burns a
 * core while it waits: use it for critical sections shorter than a system call, when
 * every contender has its own CPU. Otherwise use {@link Mutex}, which sleeps.
 *
 * <p>This object is a view: it owns no memory, and after the segment's owner is closed
 * every method throws {@link IllegalStateException}. Any number of views, in any number
 * of processes, may be made over the same word; the lock is not reentrant.
 */
public final class SpinLock implements Lock {
    /** Spins between looks at the interrupt flag, and between carrier yields of a virtual thread: a few microseconds. */
    private static final int VIRTUAL_SPIN_BURST = 1024;

    private final MemorySegment segment;
    private final long offset;
    private volatile Thread holder;

    private SpinLock(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
    }

    /**
     * Makes a view of the lock word at {@code offset} in {@code segment}. Zeroed memory is
     * an unlocked lock; nothing is written here.
     *
     * @param segment shared memory that holds the lock word, such as {@link
     *     io.jipc.shm.SharedMemory#segment()}
     * @param offset the word's offset in bytes from the start of {@code segment}; a multiple of 4
     * @return a view of the lock, valid as long as {@code segment} is; views of the same word, in
     *     any process, are the same lock
     * @throws IllegalArgumentException if the word is out of bounds or not 4-byte aligned
     */
    public static SpinLock at(MemorySegment segment, long offset) {
        LockWordDescriptor.checkLockWord(segment, offset);
        return new SpinLock(segment, offset);
    }

    /** {@return whether the lock is now held by this thread} Tries once; never waits. */
    @Override
    public boolean tryLock() {
        if (LockWord.INT.compareAndSet(segment, offset, UNLOCKED, LockWord.PID)) {
            holder = Thread.currentThread();
            return true;
        }
        return false;
    }

    /**
     * Spins until the lock is held by this thread. Not interruptible. A SpinLock does not
     * detect dead owners (it has no room for the owner's start time and spins with no
     * pause in which to look): use {@link Mutex} where a holder may crash.
     *
     * @return always {@link Acquired#NORMALLY}
     */
    @Override
    public Acquired lock() {
        while (!tryLock()) {
            spinWhileHeld();
        }
        return Acquired.NORMALLY;
    }

    /**
     * Spins until the lock is held by this thread or the thread is interrupted.
     *
     * @return always {@link Acquired#NORMALLY}
     * @throws InterruptedException if the thread was interrupted while spinning; the flag is cleared
     */
    @Override
    public Acquired lockInterruptibly() throws InterruptedException {
        while (!tryLock()) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            spinWhileHeld();
        }
        return Acquired.NORMALLY;
    }

    /**
     * Read-only spin: the cache line stays shared until the holder writes it. A virtual
     * thread yields its carrier now and then, else as many spinners as carriers would keep a
     * virtual holder from ever running to unlock.
     */
    private void spinWhileHeld() {
        Thread me = Thread.currentThread();
        for (int i = 1; (int) LockWord.INT.getOpaque(segment, offset) != UNLOCKED; i++) {
            if ((i & (VIRTUAL_SPIN_BURST - 1)) != 0) {
                Thread.onSpinWait();
                continue;
            }
            if (me.isVirtual()) {
                Thread.yield();
            }
            if (me.isInterrupted()) {
                return;  // the caller decides: lockInterruptibly throws, lock spins on
            }
        }
    }

    /**
     * Releases the lock (release store: the holder's writes are visible to the next holder).
     *
     * @throws IllegalStateException if this thread does not hold it
     */
    @Override
    public void unlock() {
        int word = LockWord.get(segment, offset);
        if (word != LockWord.PID || holder != Thread.currentThread()) {
            throw LockWord.notHeld("SpinLock", segment, offset, word);
        }
        holder = null;
        LockWord.INT.setRelease(segment, offset, UNLOCKED);
    }

    /** {@return the pid of the holding process, or 0 if unlocked (a snapshot)} */
    @Override
    public int ownerPid() {
        return LockWordDescriptor.ownerOf(LockWord.get(segment, offset));
    }

    @Override
    public String toString() {
        return "SpinLock[offset " + offset + ", " + LockWord.describe(LockWord.get(segment, offset)) + "]";
    }
}
