package io.jipc.posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Tells a dead process from a live one, for recovering what a crashed process held.
 *
 * <p>A pid alone is not an identity: the kernel hands it out again once the process is
 * reaped. Paired with the process's start time (field 22 of {@code /proc/PID/stat},
 * clock ticks since boot, fixed for the process's life) it is: a live process with the
 * same pid but another start time is somebody else. A zombie (ended, not yet reaped)
 * counts as dead: it will never release anything.
 */
public final class Liveness {
    private Liveness() {
    }

    private static final long SELF_START = startTime(Posix.getpid());

    /** {@return this process's start time, in clock ticks since boot} */
    public static long selfStartTime() {
        return SELF_START;
    }

    /**
     * {@return the start time of {@code pid}, or -1 if there is no such process or it is a zombie}
     */
    public static long startTime(int pid) {
        if (pid <= 0) {
            return -1;
        }
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            // ESRCH mid-read: the process went away while we looked.
            return -1;
        }
        // The command name (field 2) may contain spaces and ')': parse after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return -1;
        }
        String[] f = stat.substring(close + 2).split(" ");
        // f[0] is field 3 (state); field 22 (starttime) is f[19].
        char state = f[0].charAt(0);
        if (state == 'Z' || state == 'X' || state == 'x') {
            return -1;
        }
        return Long.parseLong(f[19]);
    }

    /**
     * {@return whether the process {@code pid} that started at {@code startTime} is gone}
     * A {@code startTime} of 0 means "not recorded": then only the pid is checked.
     */
    public static boolean isDead(int pid, long startTime) {
        long now = startTime(pid);
        return now < 0 || (startTime != 0 && now != startTime);
    }
}
