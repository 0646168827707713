package io.jipc.cli.objects;

import io.jipc.IpcException;
import io.jipc.mq.MessageQueue;
import io.jipc.shm.SharedMemory;
import io.jipc.sync.Semaphore;

/** The kinds of named POSIX IPC object, as {@code jipc ls} shows them. */
public enum IpcKind {
    /** A shared-memory object, /dev/shm/NAME. */
    SHM("shm") {
        @Override
        public boolean unlink(String name) throws IpcException {
            return SharedMemory.unlink(name);
        }
    },
    /** A named semaphore, /dev/shm/sem.NAME. */
    SEMAPHORE("sem") {
        @Override
        public boolean unlink(String name) throws IpcException {
            return Semaphore.unlink(name);
        }
    },
    /** A message queue, visible in an mqueue file system such as /dev/mqueue/NAME. */
    QUEUE("mq") {
        @Override
        public boolean unlink(String name) throws IpcException {
            return MessageQueue.unlink(name);
        }
    };

    private final String label;

    IpcKind(String label) {
        this.label = label;
    }

    /** {@return the short name: shm, sem or mq} */
    public String label() {
        return label;
    }

    /** {@return the kind whose short name is {@code label}} */
    public static IpcKind ofLabel(String label) {
        for (IpcKind k : values()) {
            if (k.label.equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("'" + label + "' is not a kind: shm, sem or mq");
    }

    /**
     * Removes the name {@code name} (with its leading slash) of an object of this kind.
     *
     * @return {@code false} if there was none
     * @throws IpcException if the name cannot be removed (not this user's, say)
     */
    public abstract boolean unlink(String name) throws IpcException;
}
