package io.jipc.posix;

import io.jipc.IpcException;

/**
 * What creating or opening any named POSIX object (shared memory, queue, semaphore)
 * has in common, written once.
 */
public final class Creation {
    private Creation() {
    }

    /** One attempt that may fail with an {@link IpcException}. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws IpcException;
    }

    /**
     * Creates the object exclusively, or opens it if the name is taken. Between a failed
     * create and the open, another process may unlink the name; then it starts over, so
     * that of any number of racing callers every one ends up with the same object.
     */
    public static <T> T openOrCreate(Attempt<T> create, Attempt<T> open) throws IpcException {
        while (true) {
            try {
                return create.run();
            } catch (IpcException e) {
                if (e.reason() != IpcException.Reason.ALREADY_EXISTS) {
                    throw e;
                }
            }
            try {
                return open.run();
            } catch (IpcException e) {
                if (e.reason() != IpcException.Reason.DOES_NOT_EXIST) {
                    throw e;
                }
            }
        }
    }

    /**
     * {@return {@code mode}, checked to be permission bits only}
     *
     * @throws IllegalArgumentException for bits beyond 0777
     */
    public static int checkMode(int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode " + Integer.toOctalString(mode) + " has bits beyond 0777");
        }
        return mode;
    }
}
