package io.jipc.sync;

import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.internal.Blocker;
import io.jipc.internal.Deadline;
import io.jipc.internal.Futex;
import io.jipc.internal.Mappings;
import io.jipc.internal.Wait;
import io.jipc.process.ProcessIdentity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;

import static io.jipc.sync.LockWordDescriptor.LOCK_WORD_OFFSET;
import static io.jipc.sync.LockWordDescriptor.NOT_RECOVERABLE;
import static io.jipc.sync.LockWordDescriptor.OWNER_DIED_BIT;
import static io.jipc.sync.LockWordDescriptor.OWNER_MASK;
import static io.jipc.sync.LockWordDescriptor.OWNER_START_OFFSET;
import static io.jipc.sync.LockWordDescriptor.UNLOCKED;
import static io.jipc.sync.LockWordDescriptor.WAITERS_BIT;

/*
 * Long because the robust protocol, dead owners, corrupt records and the
 * shrink check, belongs next to the lock word it protects and reads as one piece.
 */

/**
 * A robust lock in shared memory whose waiters spin briefly, then sleep in the kernel
 * on a shared futex, so a long wait costs no CPU, and whose holder may crash.
 *
 * <p>The lock word holds the owner's pid and a WAITERS bit; the owner's start time sits
 * next to it ({@link LockWordDescriptor}, 16 bytes, 8-byte aligned; all-zero memory is
 * an unlocked Mutex). Uncontended, lock and unlock are one atomic instruction each and
 * make no system call. A waiter spins and yields as its {@link WaitStrategy} says, then
 * sets WAITERS and calls {@code FUTEX_WAIT} (a virtual thread parks instead, and a jipc
 * platform thread sleeps for it, see {@link WaitStrategy}); {@link #unlock()} calls
 * {@code FUTEX_WAKE} only when WAITERS is set, that is only when someone may be asleep.
 * There is no fairness guarantee.
 *
 * <p><b>Crashed owners.</b> A sleeping waiter wakes at least every
 * {@value #LIVENESS_CHECK_MILLIS} ms to check whether the owner is still alive (its pid
 * exists, is no zombie and has the recorded start time, so a recycled pid is not taken
 * for the owner). If it is not, the waiter takes the lock over and {@link #lock()}
 * returns {@link Acquired#OWNER_DIED}, like {@code EOWNERDEAD} of a robust pthread
 * mutex: the data the lock protects may be half-updated. The new holder repairs it and
 * calls {@link #markConsistent()} before {@link #unlock()}; unlocking without it marks
 * the Mutex not recoverable, and every later attempt to lock it throws
 * {@link IllegalStateException}. {@link #tryLock()} never checks liveness (it never
 * waits); {@link #lock()} and {@link #tryLock(Duration)} do.
 *
 * <p><b>Corruption.</b> A start time no process can have (negative, or later than now)
 * means the 16 bytes were overwritten; a waiter that finds one throws
 * {@link LockCorruptedException} instead of guessing, and {@link #recoverCorrupted()}
 * is the way out (it judges the recorded owner by pid alone).
 *
 * <p>This object is a view: it owns no memory, and after the segment's owner is closed
 * every method throws {@link IllegalStateException}. Ordering and ownership rules are
 * those of {@link Lock}.
 */
public final class Mutex implements Lock {
    /** Longest sleep before a waiter looks whether the owner died. */
    static final int LIVENESS_CHECK_MILLIS = 50;
    private static final long LIVENESS_CHECK_NANOS = LIVENESS_CHECK_MILLIS * 1_000_000L;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final long SELF_START = ProcessIdentity.current().startTime();

    private final MemorySegment segment;
    private final long wordOffset;
    private final long startOffset;
    /** The 4 bytes of the word, for the futex calls. */
    private final MemorySegment word;
    private volatile Thread holder;
    private final WaitStrategy strategy;
    private final Blocker blocker;
    /** The shrink check of the SharedMemory under the segment, or null (memory jipc did not map). */
    private final Mappings.SizeCheck mapping;

    private Mutex(MemorySegment segment, long offset, WaitStrategy strategy) {
        this.mapping = Mappings.of(segment);
        this.strategy = strategy;
        this.blocker = new Sleep();
        this.segment = segment;
        this.wordOffset = offset + LOCK_WORD_OFFSET;
        this.startOffset = offset + OWNER_START_OFFSET;
        this.word = segment.asSlice(wordOffset, LockWordDescriptor.LOCK_LENGTH);
    }

    /**
     * Makes a view of the Mutex at {@code offset} in {@code segment}. Zeroed memory is an
     * unlocked Mutex; nothing is written here.
     *
     * @param segment shared memory that holds the Mutex, such as {@link
     *     io.jipc.shm.SharedMemory#segment()}
     * @param offset the Mutex's offset in bytes from the start of {@code segment}; a multiple of 8
     * @return a view of the Mutex, valid as long as {@code segment} is; views of the same bytes, in
     *     any process, are the same lock
     * @throws IllegalArgumentException if the 16 bytes are out of bounds or not 8-byte aligned
     */
    public static Mutex at(MemorySegment segment, long offset) {
        return at(segment, offset, WaitStrategy.spinThenSleep());
    }

    /**
     * Makes a view of the Mutex at {@code offset} in {@code segment} whose waits follow
     * {@code strategy}. A strategy that never sleeps never checks whether the owner died.
     *
     * @param segment shared memory that holds the Mutex, such as {@link
     *     io.jipc.shm.SharedMemory#segment()}
     * @param offset the Mutex's offset in bytes from the start of {@code segment}; a multiple of 8
     * @param strategy how this view's waits spin, yield and sleep; not null
     * @return a view of the Mutex, valid as long as {@code segment} is; views of the same bytes, in
     *     any process, are the same lock
     * @throws IllegalArgumentException if the 16 bytes are out of bounds or not 8-byte aligned
     */
    public static Mutex at(MemorySegment segment, long offset, WaitStrategy strategy) {
        LockWordDescriptor.checkMutex(segment, offset);
        return new Mutex(segment, offset, Objects.requireNonNull(strategy, "strategy"));
    }

    /** Tries once; never waits, never calls the kernel, never takes over from a dead owner. */
    @Override
    public boolean tryLock() {
        if (LockWord.INT.compareAndSet(segment, wordOffset, UNLOCKED, LockWord.PID)) {
            acquired();
            return true;
        }
        return false;
    }

    /**
     * Waits, spinning then sleeping, until the lock is held by this thread. Not interruptible.
     *
     * @return {@link Acquired#OWNER_DIED} if it was taken over from a dead owner
     * @throws LockCorruptedException if the owner record is corrupt (see {@link #recoverCorrupted()})
     * @throws IllegalStateException if the Mutex is not recoverable
     * @throws UncheckedIOException  wrapping an {@link IpcException} if, while waiting, the
     *                               shared-memory object was shrunk under the lock
     */
    @Override
    public Acquired lock() {
        if (tryLock()) {
            return Acquired.NORMALLY;
        }
        try {
            return acquireSlow(Deadline.FOREVER, Wait.Interrupts.IGNORE);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible wait was interrupted", e);
        }
    }

    /**
     * Waits, spinning then sleeping, until the lock is held by this thread or the thread is
     * interrupted; an interrupt ends the wait within a wake-up, also while asleep.
     *
     * @return {@link Acquired#OWNER_DIED} if it was taken over from a dead owner
     * @throws InterruptedException  if the thread was interrupted while waiting (the flag is
     *                               cleared); a thread interrupted before the call still gets
     *                               a free lock, as {@link java.util.concurrent.locks.Lock} allows
     * @throws IllegalStateException if the Mutex is not recoverable
     */
    @Override
    public Acquired lockInterruptibly() throws InterruptedException {
        if (tryLock()) {
            return Acquired.NORMALLY;
        }
        return acquireSlow(Deadline.FOREVER, Wait.Interrupts.THROW);
    }

    /**
     * Waits at most {@code timeout} for the lock (spinning, then sleeping). Not interruptible.
     *
     * @param timeout the longest wait; zero or negative tries once, a span too long for a {@code
     *     long} of nanoseconds waits for ever; not null
     * @return {@code true} if the lock is now held by this thread (check
     *         {@link #isConsistent()} if holders may crash), {@code false} on time-out
     * @throws LockCorruptedException if the owner record is corrupt (see {@link #recoverCorrupted()})
     * @throws IllegalStateException if the Mutex is not recoverable
     */
    public boolean tryLock(Duration timeout) {
        if (tryLock()) {
            return true;
        }
        try {
            return acquireSlow(Deadline.after(timeout), Wait.Interrupts.IGNORE) != null;
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible wait was interrupted", e);
        }
    }

    /**
     * Releases the lock, waking one sleeper if any may sleep. If the lock was taken over
     * from a dead owner and not marked consistent, it becomes not recoverable instead, and
     * every waiter is woken to learn so.
     *
     * @throws IllegalStateException if this thread does not hold the lock
     */
    @Override
    public void unlock() {
        int w = LockWord.get(segment, wordOffset);
        checkHeld(w);
        holder = null;
        LONG.setRelease(segment, startOffset, 0L);
        if ((w & OWNER_DIED_BIT) != 0) {
            LockWord.INT.setRelease(segment, wordOffset, NOT_RECOVERABLE);
            Futex.wakeAll(word);
            return;
        }
        if ((int) LockWord.INT.compareAndExchangeRelease(segment, wordOffset, LockWord.PID, UNLOCKED)
                == LockWord.PID) {
            return;
        }
        // WAITERS was set: only the holder clears the word, so a release store suffices.
        LockWord.INT.setRelease(segment, wordOffset, UNLOCKED);
        Futex.wake(word, 1);
    }

    /**
     * Declares the protected data repaired after {@link Acquired#OWNER_DIED}, so that
     * {@link #unlock()} releases the lock normally. Does nothing if the lock was acquired
     * normally.
     *
     * @throws IllegalStateException if this thread does not hold the lock
     */
    public void markConsistent() {
        while (true) {
            int w = LockWord.get(segment, wordOffset);
            checkHeld(w);
            if ((w & OWNER_DIED_BIT) == 0
                    || LockWord.INT.compareAndSet(segment, wordOffset, w, w & ~OWNER_DIED_BIT)) {
                return;
            }
            // A waiter set WAITERS meanwhile: try again.
        }
    }

    /**
     * {@return {@code false} while this thread holds a lock taken over from a dead owner
     * and not yet marked consistent}
     *
     * @throws IllegalStateException if this thread does not hold the lock
     */
    public boolean isConsistent() {
        int w = LockWord.get(segment, wordOffset);
        checkHeld(w);
        return (w & OWNER_DIED_BIT) == 0;
    }

    @Override
    public int ownerPid() {
        int owner = LockWordDescriptor.ownerOf(LockWord.get(segment, wordOffset));
        return owner == NOT_RECOVERABLE ? 0 : owner;
    }

    /** {@return whether a holder died and its successor unlocked without repairing; final} */
    public boolean isNotRecoverable() {
        return (LockWord.get(segment, wordOffset) & OWNER_MASK) == NOT_RECOVERABLE;
    }

    private void checkHeld(int w) {
        if ((w & OWNER_MASK) != LockWord.PID || holder != Thread.currentThread()) {
            throw LockWord.notHeld("Mutex", segment, wordOffset, w);
        }
    }

    private void acquired() {
        holder = Thread.currentThread();
        LONG.setRelease(segment, startOffset, SELF_START);
    }

    /** The slow path of every wait: {@link Wait}'s loop, with this Mutex's attempt and sleep. */
    private Acquired acquireSlow(Deadline deadline, Wait.Interrupts interrupts) throws InterruptedException {
        try {
            return Wait.until(new Attempt(), blocker, strategy, deadline, null, interrupts);
        } catch (IOException e) {
            throw new AssertionError("a Mutex wait has no lifetime and its attempt no I/O", e);
        }
    }

    /**
     * One wait's attempts. Only a waiter that may have slept takes the lock with WAITERS set
     * (others may still sleep, and it cannot know); one that only spun takes it plainly, so
     * its unlock makes no system call. A sleeping waiter looks at the owner's health once a
     * {@value #LIVENESS_CHECK_MILLIS} ms slice, the first look a slice after the wait began:
     * most waits are short.
     */
    private final class Attempt implements Wait.Attempt<Acquired> {
        private final long mayHaveSleptAfter = (long) strategy.spins() + strategy.yields();
        private long tries;
        private long nextLivenessCheck = System.nanoTime() + LIVENESS_CHECK_NANOS;

        @Override
        public Acquired attempt() {
            boolean mayHaveSlept = tries++ >= mayHaveSleptAfter;
            // Before the first sleep and after every wake-up, before the word is touched; while
            // yielding, once every 64 tries (each try is a sched_yield already).
            if (mayHaveSlept || (tries > strategy.spins() && (tries & 63) == 0)) {
                checkMapping();
            }
            int w = LockWord.get(segment, wordOffset);
            if (w == UNLOCKED) {
                int mine = mayHaveSlept ? LockWord.PID | WAITERS_BIT : LockWord.PID;
                if (LockWord.INT.compareAndSet(segment, wordOffset, UNLOCKED, mine)) {
                    acquired();
                    return Acquired.NORMALLY;
                }
                return null;
            }
            if ((w & OWNER_MASK) == NOT_RECOVERABLE) {
                throw new IllegalStateException("Mutex at offset " + wordOffset + " is not recoverable: "
                        + "an owner died holding it and the next holder unlocked it without markConsistent()");
            }
            if (mayHaveSlept) {
                long now = System.nanoTime();
                if (now - nextLivenessCheck >= 0) {
                    nextLivenessCheck = now + LIVENESS_CHECK_NANOS;
                    if (ownerIsDead(w) && LockWord.INT.compareAndSet(segment, wordOffset, w,
                            LockWord.PID | OWNER_DIED_BIT | (w & WAITERS_BIT))) {
                        acquired();
                        return Acquired.OWNER_DIED;
                    }
                }
            }
            return null;
        }
    }

    /** Sleeps on the word with WAITERS set, so that unlock knows to wake; a liveness slice at most. */
    private final class Sleep extends Blocker {
        Sleep() {
            super(null);
        }

        @Override
        protected void block(long maxNanos) {
            int w = LockWord.get(segment, wordOffset);
            if (w == UNLOCKED || (w & OWNER_MASK) == NOT_RECOVERABLE) {
                return;
            }
            if ((w & WAITERS_BIT) == 0 && !LockWord.INT.compareAndSet(segment, wordOffset, w, w | WAITERS_BIT)) {
                return;
            }
            try {
                Futex.await(word, w | WAITERS_BIT, maxNanos);
            } catch (IllegalStateException e) {
                checkMapping();  // EFAULT from a page a peer cut off since the last check: say so
                throw e;
            }
        }

        @Override
        protected void wakeKernel() {
            Futex.wakeAll(word);
        }

        @Override
        protected long maxSliceNanos() {
            return LIVENESS_CHECK_NANOS;
        }

        /** The whole strategy, always: {@link Attempt} counts its phases to know whether it may have slept. */
        @Override
        protected boolean spinsAdapt() {
            return false;
        }
    }

    /**
     * Refuses to touch memory a peer has cut off: one fstat, made only on the slow path
     * (before the first sleep and after each wake-up), where it costs little next to futex.
     *
     * @throws UncheckedIOException wrapping the IpcException of {@link Mappings.SizeCheck#check()}
     */
    private void checkMapping() {
        if (mapping != null) {
            try {
                mapping.check();
            } catch (IpcException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Reads the owner's start time between two reads of the same word, so both describe one owner.
     *
     * @throws LockCorruptedException if the start time is one no process can have
     */
    private boolean ownerIsDead(int w) {
        long start = (long) LONG.getAcquire(segment, startOffset);
        if (LockWord.get(segment, wordOffset) != w) {
            return false;
        }
        int pid = w & OWNER_MASK;
        if (pid == 0) {
            return true;  // no owner recorded at all: nobody will ever release it
        }
        if (!ProcessIdentity.isPossibleStartTime(start)) {
            throw new LockCorruptedException("Mutex", wordOffset, w, start,
                    "waiting cannot end it; see Mutex.recoverCorrupted()");
        }
        // Start time 0: the owner is between taking the word and recording it; pid only.
        return start == 0 ? !ProcessIdentity.isAlive(pid) : !new ProcessIdentity(pid, start).isAlive();
    }

    /**
     * The recovery path of a Mutex whose owner record is corrupt (a
     * {@link LockCorruptedException} from {@link #lock()}): the start time cannot be
     * trusted, so the recorded owner is judged by its pid alone. If no live process has
     * that pid, the lock is taken over for this thread as from a dead owner; if one has,
     * it may be the owner (or a stranger that reuses the pid), and nothing is changed.
     * On a Mutex whose record is sound, this is {@link #lock()}.
     *
     * <p>Never waits on a corrupt record. The caller repairs the protected data (which is
     * as suspect as the record), calls {@link #markConsistent()}, then {@link #unlock()},
     * which leaves a sound record behind.
     *
     * @return {@link Acquired#OWNER_DIED} if a corrupt record was taken over, else as {@link #lock()}
     * @throws LockCorruptedException if the record is corrupt and its pid belongs to a live
     *                                process: stop that process, or re-create the memory
     * @throws IllegalStateException  if the Mutex is not recoverable
     */
    public Acquired recoverCorrupted() {
        while (true) {
            if (tryLock()) {
                return Acquired.NORMALLY;
            }
            int w = LockWord.get(segment, wordOffset);
            long start = (long) LONG.getAcquire(segment, startOffset);
            if (LockWord.get(segment, wordOffset) != w || w == UNLOCKED) {
                continue;
            }
            if ((w & OWNER_MASK) == NOT_RECOVERABLE || ProcessIdentity.isPossibleStartTime(start)) {
                return lock();
            }
            int pid = w & OWNER_MASK;
            if (ProcessIdentity.isAlive(pid)) {
                throw new LockCorruptedException("Mutex", wordOffset, w, start, "its owner pid " + pid
                        + " is alive and may hold it: stop that process, or re-create the memory");
            }
            if (LockWord.INT.compareAndSet(segment, wordOffset, w, LockWord.PID | OWNER_DIED_BIT | (w & WAITERS_BIT))) {
                acquired();
                return Acquired.OWNER_DIED;
            }
        }
    }

    @Override
    public String toString() {
        int w = LockWord.get(segment, wordOffset);
        if ((w & OWNER_MASK) == NOT_RECOVERABLE) {
            return "Mutex[offset " + wordOffset + ", not recoverable]";
        }
        return "Mutex[offset " + wordOffset + ", " + LockWord.describe(w)
                + ((w & WAITERS_BIT) != 0 ? ", waiters" : "")
                + ((w & OWNER_DIED_BIT) != 0 ? ", previous owner died" : "") + "]";
    }
}
