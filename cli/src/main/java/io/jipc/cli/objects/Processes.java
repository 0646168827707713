package io.jipc.cli.objects;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Whether a process named in a header still runs. */
final class Processes {
    /** Field 22 of /proc/PID/stat, counted from the first field after the command's ')'. */
    private static final int START_TIME_AFTER_COMMAND = 19;

    private Processes() {
    }

    /**
     * {@return whether process {@code pid} runs (a zombie does not) and, if
     * {@code startTime} is given, is the process that started then, not a later one
     * that got the same pid}
     */
    static boolean isAlive(long pid, OptionalLong startTime) {
        if (pid <= 0) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The command is in parentheses and may itself contain spaces and parentheses.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (f[0].equals("Z") || f[0].equals("X")) {
                return false;
            }
            return startTime.isEmpty() || Long.parseLong(f[START_TIME_AFTER_COMMAND]) == startTime.getAsLong();
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException | RuntimeException e) {
            // Unreadable: assume it runs, so nothing it may hold is removed.
            return true;
        }
    }
}
