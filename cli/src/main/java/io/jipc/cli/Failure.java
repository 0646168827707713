package io.jipc.cli;

/**
 * An expected failure of a command that is not a failed system call: a worker process
 * that died, a time-out. {@link Main} prints its message as one line and exits with its
 * code: {@link Main#EXIT_FAILED}, or {@link Main#EXIT_NOTHING} when the command simply
 * found nothing to do in the time it was given (an empty queue, a full one).
 */
public final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The exit code jipc ends with. */
    private final int exitCode;

    /**
     * A failure that ends jipc with {@link Main#EXIT_FAILED}.
     *
     * @param message what failed, as one line
     */
    public Failure(String message) {
        this(message, Main.EXIT_FAILED);
    }

    private Failure(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    /**
     * The outcome "nothing arrived" (or "no room") within the time given: not an error of
     * the system, so a script can tell it apart ({@link Main#EXIT_NOTHING}).
     *
     * @param message what did not happen, as one line
     * @return the failure to throw
     */
    public static Failure nothing(String message) {
        return new Failure(message, Main.EXIT_NOTHING);
    }

    /** {@return the exit code jipc ends with} */
    public int exitCode() {
        return exitCode;
    }
}
