package example.consumer;

import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import io.jipc.shm.SharedMemory;
import io.jipc.sync.Mutex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What a user's first program does: shared memory, a lock in it, and a child JVM that
 * counts under the lock alongside the parent. Prints one line naming how it ran; exits
 * non-zero on any miscount.
 */
public final class Main {
    static final long LOCK = 0;
    static final long COUNTER = 64;
    static final int ROUNDS = 10_000;

    public static void main(String[] args) throws Exception {
        String name = "/jipc-consumer-" + ProcessHandle.current().pid();
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            try (ChildProcess child = Spawn.java(Child.class, name).start()) {
                count(shm.segment());
                ExitStatus status = child.waitFor();
                if (!status.success()) {
                    throw new AssertionError("child " + status);
                }
            }
            long total = shm.segment().get(ValueLayout.JAVA_LONG, COUNTER);
            if (total != 2L * ROUNDS) {
                throw new AssertionError("counted " + total + ", not " + 2 * ROUNDS);
            }
            Module m = Main.class.getModule();
            System.out.println("consumer ok: " + (m.isNamed() ? "module " + m.getName() : "class path")
                    + ", jipc " + (SharedMemory.class.getModule().isNamed() ? "as module io.jipc" : "on the class path")
                    + ", parent and child counted " + total);
        } finally {
            SharedMemory.unlink(name);
        }
    }

    static void count(MemorySegment segment) {
        Mutex mutex = Mutex.at(segment, LOCK);
        for (int i = 0; i < ROUNDS; i++) {
            mutex.lock();
            try {
                segment.set(ValueLayout.JAVA_LONG, COUNTER, segment.get(ValueLayout.JAVA_LONG, COUNTER) + 1);
            } finally {
                mutex.unlock();
            }
        }
    }

    /** The spawned child: opens the parent's object by name and counts too. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.open(args[0])) {
                count(shm.segment());
            }
        }
    }
}
