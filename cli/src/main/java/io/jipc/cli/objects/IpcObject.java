package io.jipc.cli.objects;

import java.nio.file.Path;

/**
 * A named IPC object as its file shows it.
 *
 * @param kind  shared memory, semaphore or queue
 * @param name  the name the API uses, with its leading slash: /demo (for /dev/shm/sem.demo too)
 * @param file  the file that shows it: /dev/shm/demo, /dev/shm/sem.demo, /dev/mqueue/demo
 * @param key   which file it is, to match holders with
 * @param size  bytes: the object's size, or for a queue the bytes of the messages waiting in it
 * @param mode  the permission bits
 * @param uid   the owner's uid
 * @param owner the owner's user name (the uid if it has none)
 */
public record IpcObject(IpcKind kind, String name, Path file, FileKey key, long size, int mode, int uid,
                        String owner) {
    /** {@return "shm /demo", as the commands print it} */
    public String describe() {
        return kind.label() + " " + name;
    }
}
