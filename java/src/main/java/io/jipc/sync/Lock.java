package io.jipc.sync;

/**
 * A mutual-exclusion lock whose state lives in shared memory, so that threads of
 * different processes exclude each other.
 *
 * <p>Memory ordering: everything a thread wrote before {@link #unlock()} is visible to
 * the thread, in any process, whose {@link #lock()} or successful {@link #tryLock()}
 * comes next (release on unlock, acquire on lock). Locks are not reentrant and are
 * owned by a thread: only the thread that locked may unlock.
 */
public interface Lock {
    /** {@return whether the lock is now held by this thread} Tries once and never waits. */
    boolean tryLock();

    /**
     * Waits as long as it takes until the lock is held by this thread. Not interruptible.
     *
     * @return how it was acquired: {@link Acquired#OWNER_DIED} when the previous holder
     *         died holding it (callers that never share locks with processes that may
     *         crash can ignore the result)
     */
    Acquired lock();

    /**
     * Waits until the lock is held by this thread, or the thread is interrupted.
     *
     * @return how it was acquired, as for {@link #lock()}
     * @throws InterruptedException if the thread was interrupted while waiting; the flag is cleared
     */
    Acquired lockInterruptibly() throws InterruptedException;

    /**
     * Releases the lock.
     *
     * @throws IllegalStateException if this thread does not hold the lock
     */
    void unlock();

    /** {@return the pid of the process holding the lock, 0 if it is free; a snapshot} */
    int ownerPid();
}
