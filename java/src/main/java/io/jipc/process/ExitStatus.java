package io.jipc.process;

/**
 * How a child ended: it exited with a code, or a signal terminated it.
 *
 * @param code   the exit code (0–255) when {@link #exited()}, else -1
 * @param signal the terminating signal number when {@link #signaled()}, else 0
 */
public record ExitStatus(int code, int signal) {

    static ExitStatus fromWaitStatus(int status) {
        int sig = status & 0x7f;
        if (sig == 0) {
            return new ExitStatus((status >> 8) & 0xff, 0);
        }
        return new ExitStatus(-1, sig);
    }

    /** {@return whether the child called exit} */
    public boolean exited() {
        return signal == 0;
    }

    /** {@return whether a signal ended the child} */
    public boolean signaled() {
        return signal != 0;
    }

    /** {@return whether the child exited with code 0} */
    public boolean success() {
        return exited() && code == 0;
    }

    @Override
    public String toString() {
        return exited() ? "exit " + code : "killed by signal " + signal;
    }
}
