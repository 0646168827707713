package io.jipc;

/**
 * A jipc object whose readiness the kernel can report through {@code poll(2)}: it is
 * backed by one file descriptor.
 *
 * <p>Pipe ends implement it; any jipc object that owns a pollable descriptor can (on
 * Linux a message queue's {@code mqd_t} is one). It lives in package {@code io.jipc},
 * beside {@link IpcException}, so that mechanisms can implement it without depending on
 * {@code io.jipc.poll}, which waits on it.
 *
 * <p>An implementation that is closed must say so through {@link #isOpen()} before its
 * descriptor number can be reused, so that a waiter can drop it instead of polling a
 * stranger's descriptor.
 */
public interface Pollable {
    /**
     * {@return the descriptor the kernel polls for this object}
     *
     * @throws IllegalStateException if the object is closed
     */
    int fd();

    /** {@return whether the object is still open} */
    boolean isOpen();
}
