package io.jipc.sync;

import java.lang.foreign.MemorySegment;

/**
 * The layout of the lock word shared by {@link SpinLock} and {@link Mutex}: one
 * 32-bit word, 4-byte aligned, anywhere in a shared segment.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------------------------------+-+-+
 *  |                  owner pid (bits 0-29)                |D|W|
 *  +-------------------------------------------------------+-+-+
 *   W (bit 31) WAITERS:    a process may be asleep in FUTEX_WAIT on this word
 *   D (bit 30) OWNER_DIED: the holder took the lock over from a dead owner and has
 *                          not yet called markConsistent() (Mutex only)
 * </pre>
 *
 * <p>A {@link Mutex} adds the owner's start time, so that a recycled pid is not
 * mistaken for a live owner (16 bytes, 8-byte aligned):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 lock word (as above)                          |  0
 *  +---------------------------------------------------------------+
 *  |                 reserved, zero                                |  4
 *  +---------------------------------------------------------------+
 *  |                 owner start time (64 bits, clock ticks        |  8
 *  +                 since boot, /proc/PID/stat field 22)          +
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *   owner start time: written by the new holder (release) right after it takes the
 *   word, zeroed by the holder before it releases the word; 0 means "being acquired
 *   or released", which a checker treats as alive. Read (acquire) only by waiters
 *   deciding whether the owner is dead. A negative value, or one later than the
 *   machine's uptime, is corruption (LockCorruptedException), never a guess.
 * </pre>
 *
 * <ul>
 *   <li><b>0</b>: unlocked. All-zero memory (a fresh shared-memory object) is an unlocked lock.</li>
 *   <li><b>pid</b>: held by process {@code pid}, nobody waits.</li>
 *   <li><b>pid | WAITERS</b>: held, and the unlocker must {@code FUTEX_WAKE} (Mutex only).</li>
 *   <li><b>pid | OWNER_DIED</b>: held by {@code pid}, which took it from a dead owner.</li>
 *   <li><b>{@link #NOT_RECOVERABLE}</b>: a holder that took over from a dead owner
 *       unlocked without {@code markConsistent()}; the lock can never be taken again.</li>
 * </ul>
 *
 * <p>Writers and ordering: a locker moves 0 → pid with a compare-and-set that has
 * <em>acquire</em> semantics; a waiter sets WAITERS with a compare-and-set; the holder
 * releases with a <em>release</em> store of 0 (or a release compare-and-set pid → 0).
 * Everything written while the lock was held is therefore visible to the next holder,
 * in whatever process. The word is the futex word itself (shared futex, never
 * {@code FUTEX_PRIVATE_FLAG}, since the waiters are in other processes), so the pid and
 * the state can never disagree. Linux pids fit in 22 bits ({@code pid_max} ≤ 2^22).
 */
public final class LockWordDescriptor {
    private LockWordDescriptor() {
    }

    /** Bytes the lock occupies. */
    public static final int LOCK_LENGTH = 4;
    /** Required alignment of the lock word, for atomic access and for futex(2). */
    public static final int LOCK_ALIGNMENT = 4;
    /** The value of an unlocked lock. */
    public static final int UNLOCKED = 0;
    /** Set while some process may sleep on the word. */
    public static final int WAITERS_BIT = 1 << 31;
    /** The holder took the lock over from a dead owner and has not marked it consistent. */
    public static final int OWNER_DIED_BIT = 1 << 30;
    /** Bits that hold the owner's pid. */
    public static final int OWNER_MASK = (1 << 30) - 1;
    /** No pid is this large ({@code pid_max} is at most 2^22): marks a lock that is lost for good. */
    public static final int NOT_RECOVERABLE = OWNER_MASK;

    /** Offset of the lock word in a Mutex. */
    public static final int LOCK_WORD_OFFSET = 0;
    /** Offset of the owner's start time in a Mutex. */
    public static final int OWNER_START_OFFSET = 8;
    /** Bytes a Mutex occupies. */
    public static final int MUTEX_LENGTH = 16;
    /** Required alignment of a Mutex. */
    public static final int MUTEX_ALIGNMENT = 8;

    /**
     * {@return the owner pid encoded in {@code word}, 0 if unlocked}
     *
     * @param word a lock word as read from shared memory
     */
    public static int ownerOf(int word) {
        return word & OWNER_MASK;
    }

    /**
     * Checks that {@code offset} in {@code segment} can hold a lock word.
     *
     * @param segment the memory that is to hold the word
     * @param offset the word's offset in bytes from the start of {@code segment}; a multiple of
     *     {@value #LOCK_ALIGNMENT}
     * @throws IllegalArgumentException if it is out of bounds or misaligned
     */
    public static void checkLockWord(MemorySegment segment, long offset) {
        check("lock word", segment, offset, LOCK_LENGTH, LOCK_ALIGNMENT);
    }

    /**
     * Checks that {@code offset} in {@code segment} can hold a Mutex.
     *
     * @param segment the memory that is to hold the Mutex
     * @param offset the Mutex's offset in bytes from the start of {@code segment}; a multiple of
     *     {@value #MUTEX_ALIGNMENT}
     * @throws IllegalArgumentException if it is out of bounds or misaligned
     */
    public static void checkMutex(MemorySegment segment, long offset) {
        check("Mutex", segment, offset, MUTEX_LENGTH, MUTEX_ALIGNMENT);
    }

    private static void check(String what, MemorySegment segment, long offset, int length, int alignment) {
        if (offset < 0 || offset > segment.byteSize() - length) {
            throw new IllegalArgumentException(what + " (" + length + " bytes) at offset " + offset
                    + " does not fit in a segment of " + segment.byteSize() + " bytes");
        }
        if ((segment.address() + offset) % alignment != 0) {
            throw new IllegalArgumentException(what + " at offset " + offset + " is not " + alignment
                    + "-byte aligned (address 0x" + Long.toHexString(segment.address() + offset) + ")");
        }
    }
}
