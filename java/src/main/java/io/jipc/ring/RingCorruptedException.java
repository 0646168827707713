package io.jipc.ring;

/**
 * A ring's shared memory holds what no jipc producer or consumer writes: a record length
 * that does not fit the ring, a negative type, positions further apart than the capacity.
 * Another process wrote over the ring (a bug or a hostile peer), or the region is not the
 * ring it was created as. The message names the ring (its region's address and capacity),
 * the position and the word found there.
 *
 * <p>Unchecked, and an {@link IllegalStateException} as every other "this ring cannot be
 * used now" of {@link Ring} is. Nothing has been handed out or written past the ring when
 * it is thrown: the check comes before any use of the bad value. The ring stays as it
 * was, so the same call throws again; what a consumer had handled before the corrupt
 * record is released, and producers are not stopped by a corrupt record they never read.
 */
public final class RingCorruptedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** The ring position (bytes since creation) of the corrupt record or field. */
    private final long position;
    /** The 64-bit word found there. */
    private final long word;

    RingCorruptedException(String ring, long position, long word, String what) {
        super("corrupt ring " + ring + ": at position " + position + " (word 0x" + Long.toHexString(word) + ") "
                + what);
        this.position = position;
        this.word = word;
    }

    /** {@return the ring position (bytes since creation) of the corrupt record or field} */
    public long position() {
        return position;
    }

    /** {@return the 64-bit word found there} */
    public long word() {
        return word;
    }
}
