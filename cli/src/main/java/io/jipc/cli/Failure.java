package io.jipc.cli;

/**
 * An expected failure of a command that is not a failed system call: a worker process
 * that died, a time-out. {@link Main} prints its message as one line and exits with 1.
 */
public final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Failure(String message) {
        super(message);
    }
}
