package io.jipc.poll;

import io.jipc.posix.Poll;

/**
 * What a {@link Poller} can report about an object. One registers interest in
 * {@link #READABLE} and {@link #WRITABLE}; {@link #HANG_UP} and {@link #ERROR} are
 * reported whether asked for or not, as {@code poll(2)} does.
 */
public enum Event {
    /**
     * A read would not block ({@code POLLIN}): data is there. For a pipe's read end at end
     * of stream Linux reports {@link #HANG_UP}, and READABLE only while data is left.
     */
    READABLE(Poll.POLLIN),
    /** A write would not block ({@code POLLOUT}): for a pipe, at least {@code PIPE_BUF} bytes of room. */
    WRITABLE(Poll.POLLOUT),
    /**
     * The other side is gone ({@code POLLHUP}): for a pipe's read end, every write end is
     * closed; what is still in the pipe can be read, then the read returns end of stream.
     */
    HANG_UP(Poll.POLLHUP),
    /** An error condition ({@code POLLERR}): for a pipe's write end, every read end is closed. */
    ERROR(Poll.POLLERR);

    final int bit;

    Event(int bit) {
        this.bit = bit;
    }
}
