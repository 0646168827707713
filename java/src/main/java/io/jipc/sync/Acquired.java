package io.jipc.sync;

/** How {@link Lock#lock()} got the lock. */
public enum Acquired {
    /** From a live owner, or free: the protected data is as the last holder left it. */
    NORMALLY,
    /**
     * From an owner that died holding it, like a robust pthread mutex's
     * {@code EOWNERDEAD}: the protected data may be half-updated. Repair it, then call
     * {@link Mutex#markConsistent()}; unlocking without doing so makes the lock
     * unusable for everyone, since nobody vouched for the data.
     */
    OWNER_DIED
}
