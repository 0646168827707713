package io.jipc.posix;

import java.nio.charset.StandardCharsets;

/**
 * Checks POSIX IPC object names before any call, so that a bad one gets a message
 * that says what is wrong instead of an EINVAL from deep in the C library.
 */
public final class Names {
    private Names() {
    }

    /**
     * Checks a name for shm_open, mq_open or sem_open: one leading slash, no other,
     * 1 to {@code maxBytes} bytes after it, no NUL, not "." or "..".
     *
     * @param kind     what is being named, for the message ("shared memory name")
     * @param maxBytes the longest allowed part after the slash (255 for shm and mq,
     *                 251 for semaphores, whose files get a "sem." prefix)
     * @return the name
     * @throws IllegalArgumentException naming the rule that was broken
     */
    public static String check(String kind, String name, int maxBytes) {
        if (name == null) {
            throw new IllegalArgumentException(kind + " is null");
        }
        if (!name.startsWith("/")) {
            throw new IllegalArgumentException(kind + " \"" + name + "\" must start with '/', as in \"/" + name + "\"");
        }
        String rest = name.substring(1);
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(kind + " \"/\" needs at least one character after the '/'");
        }
        if (rest.indexOf('/') >= 0) {
            throw new IllegalArgumentException(kind + " \"" + name + "\" may contain no '/' after the first");
        }
        if (rest.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(kind + " \"" + name.replace("\0", "\\0") + "\" contains a NUL character");
        }
        if (rest.equals(".") || rest.equals("..")) {
            throw new IllegalArgumentException(kind + " \"" + name + "\" is not a valid object name");
        }
        int bytes = rest.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            throw new IllegalArgumentException(kind + " \"" + name.substring(0, 20) + "...\" is " + bytes
                    + " bytes after the '/'; at most " + maxBytes + " are allowed");
        }
        return name;
    }
}
