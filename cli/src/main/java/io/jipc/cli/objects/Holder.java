package io.jipc.cli.objects;

/**
 * A process that has an object mapped or open.
 *
 * @param pid     the process id
 * @param command its command name (/proc/PID/comm), such as "java"
 */
public record Holder(int pid, String command) {
    @Override
    public String toString() {
        return pid + " " + command;
    }
}
