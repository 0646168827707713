package io.jipc.sync;

/**
 * A lock's owner record in shared memory holds a value no process can have written
 * through jipc: the memory was overwritten (a stray store, a peer with another layout).
 *
 * <p>It is an {@link IllegalStateException}, like a lock that is not recoverable, because
 * retrying cannot help: the record stays corrupt until someone repairs it. The way out is
 * {@link Mutex#recoverCorrupted()}, which judges the recorded owner by its pid alone.
 */
public final class LockCorruptedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** Offset of the lock word in its segment. */
    private final long offset;
    /** The lock word as it was read. */
    private final int word;
    /** The corrupt owner start time as it was read. */
    private final long ownerStartTime;

    LockCorruptedException(String what, long offset, int word, long ownerStartTime, String detail) {
        super(what + " at offset " + offset + " is corrupt: owner start time " + ownerStartTime
                + " is no process's start time (lock word 0x" + Integer.toHexString(word) + ", owner pid "
                + LockWordDescriptor.ownerOf(word) + "); " + detail);
        this.offset = offset;
        this.word = word;
        this.ownerStartTime = ownerStartTime;
    }

    /** {@return the offset of the lock word in its segment} */
    public long offset() {
        return offset;
    }

    /** {@return the lock word as it was read} */
    public int word() {
        return word;
    }

    /** {@return the owner pid recorded in the lock word} */
    public int ownerPid() {
        return LockWordDescriptor.ownerOf(word);
    }

    /** {@return the corrupt start time as it was read} */
    public long ownerStartTime() {
        return ownerStartTime;
    }
}
