package io.jipc.process;

import io.jipc.posix.Errno;
import io.jipc.posix.Procs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process named so that a recycled pid cannot pass for it: its pid plus its start time.
 *
 * <p>Anything one process can hold in shared memory (a lock, a claimed ring record, a
 * header being initialised) records its holder so that others can tell a dead holder
 * from a slow one. A pid alone is ambiguous: Linux reuses pids, quickly when
 * {@code /proc/sys/kernel/pid_max} is small. The start time, field 22 of
 * {@code /proc/PID/stat} (clock ticks after boot), is fixed for the life of a process,
 * so {@code (pid, startTime)} names one process for the whole uptime of the machine.
 *
 * <p>Liveness is judged as the kernel sees it: a zombie (ended, not yet reaped by its
 * parent) is <em>not</em> alive, although {@code kill(pid, 0)} still succeeds for it.
 * Pids are those of the caller's pid namespace: processes that share memory must share
 * a pid namespace for these answers to mean anything.
 *
 * <p>A start time of 0 means "unknown" (where {@code /proc} could not be read); such an
 * identity is compared by pid alone.
 *
 * @param pid       the process id, positive
 * @param startTime the start time in clock ticks after boot, or 0 if unknown
 */
public record ProcessIdentity(int pid, long startTime) {
    private static final ProcessIdentity CURRENT;

    static {
        int pid = Procs.getpid();
        CURRENT = new ProcessIdentity(pid, readStat(pid).map(Stat::startTime).orElse(0L));
    }

    /**
     * Checks the components; an identity is not looked up here (see {@link #of(int)}).
     *
     * @throws IllegalArgumentException if {@code pid} is not positive or {@code startTime} is negative
     */
    public ProcessIdentity {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, not " + pid);
        }
        if (startTime < 0) {
            throw new IllegalArgumentException("start time must not be negative, not " + startTime);
        }
    }

    /** {@return the identity of this process} */
    public static ProcessIdentity current() {
        return CURRENT;
    }

    /**
     * Looks up the process that has {@code pid} now.
     *
     * @param pid the process id to look up, in the caller's pid namespace
     * @return its identity, or empty if there is no such process (or it is a zombie)
     */
    public static Optional<ProcessIdentity> of(int pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        Optional<Stat> stat = readStat(pid);
        if (stat.isEmpty()) {
            return isAlive(pid) ? Optional.of(new ProcessIdentity(pid, 0)) : Optional.empty();
        }
        return stat.get().ended() ? Optional.empty() : Optional.of(new ProcessIdentity(pid, stat.get().startTime()));
    }

    /**
     * {@return whether a process with this pid exists and has not ended} Zombies count as
     * ended. A pid owned by another user (where {@code kill} answers {@code EPERM}) counts
     * as alive. Cheap: one {@code kill(pid, 0)} and, if the process exists, one read of
     * {@code /proc/PID/stat}.
     *
     * @param pid the process id, in the caller's pid namespace; 0 or less is never alive
     */
    public static boolean isAlive(int pid) {
        if (pid <= 0) {
            return false;
        }
        int r = Procs.kill(pid, 0);
        if (r == -Errno.ESRCH) {
            return false;
        }
        return readStat(pid).map(s -> !s.ended()).orElse(true);
    }

    /**
     * {@return whether this very process is still running} False if its pid is free, if
     * the pid now belongs to a process with a different start time, or if the process is
     * a zombie.
     */
    public boolean isAlive() {
        int r = Procs.kill(pid, 0);
        if (r == -Errno.ESRCH) {
            return false;
        }
        Optional<Stat> stat = readStat(pid);
        if (stat.isEmpty()) {
            // Hidden from us (hidepid) or gone this instant: kill said it exists.
            return true;
        }
        if (stat.get().ended()) {
            return false;
        }
        return startTime == 0 || stat.get().startTime() == 0 || stat.get().startTime() == startTime;
    }

    /**
     * {@return whether {@code ticks} can be a start time read from /proc/PID/stat} It cannot
     * be negative nor lie in the future. The bound allows clock ticks of up to 1000 Hz
     * (Linux reports 100), so it is generous; it costs one read of /proc/uptime, and only
     * for values larger than this process's own start time. Memory shared with other
     * processes can hold anything: a value that fails this is corruption.
     *
     * @param ticks the value to judge, in clock ticks after boot
     */
    public static boolean isPossibleStartTime(long ticks) {
        if (ticks < 0) {
            return false;
        }
        if (ticks <= CURRENT.startTime()) {
            return true;
        }
        try {
            String uptime = Files.readString(Path.of("/proc/uptime"));
            double seconds = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
            return ticks <= (long) ((seconds + 2) * 1000);
        } catch (IOException | RuntimeException e) {
            return true;  // cannot tell: let the caller judge by pid and start time as usual
        }
    }

    /** Field 3 (state) and field 22 (starttime) of /proc/PID/stat. */
    private record Stat(char state, long startTime) {
        /** Z: zombie, X: dead (never normally seen). */
        boolean ended() {
            return state == 'Z' || state == 'X';
        }
    }

    private static Optional<Stat> readStat(int pid) {
        String text;
        try {
            text = new String(Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "stat")),
                    StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return Optional.empty();
        }
        // Field 2, the command name, is in parentheses and may itself hold spaces and ')'.
        int close = text.lastIndexOf(')');
        if (close < 0 || close + 2 >= text.length()) {
            return Optional.empty();
        }
        String[] fields = text.substring(close + 2).trim().split(" ");
        // fields[0] is field 3 (state), so field 22 is fields[19].
        if (fields.length < 20 || fields[0].isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Stat(fields[0].charAt(0), Long.parseLong(fields[19])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
