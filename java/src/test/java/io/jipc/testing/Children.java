package io.jipc.testing;

import io.jipc.IpcException;
import io.jipc.shm.SharedMemory;
import io.jipc.sync.Lock;
import io.jipc.sync.Mutex;
import io.jipc.sync.SpinLock;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Entry point of the child JVMs that tests spawn: {@code Children <scenario> args...}.
 * Exit code 0 means the scenario ran; anything else is a failure the test reports.
 */
public final class Children {
    /** Offset of the lock word in the test segments; the counter sits on another cache line. */
    public static final long LOCK_OFFSET = 0;
    public static final long COUNTER_OFFSET = 64;
    /** Set to 1 (volatile) by a child when it has reached the state a test waits for. */
    public static final long FLAG_OFFSET = 128;
    public static final VarHandle FLAG = ValueLayout.JAVA_INT.varHandle();

    private Children() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "count" -> count(args[1], args[2], Long.parseLong(args[3]));
            case "hold" -> hold(args[1], Long.parseLong(args[2]));
            case "open" -> System.exit(open(args[1]));
            default -> {
                System.err.println("unknown scenario " + args[0]);
                System.exit(64);
            }
        }
    }

    /** Increments the shared counter {@code iterations} times under the named lock kind. */
    private static void count(String name, String kind, long iterations) throws IpcException {
        try (SharedMemory shm = SharedMemory.open(name)) {
            MemorySegment mem = shm.segment();
            Lock lock = kind.equals("spin") ? SpinLock.at(mem, LOCK_OFFSET) : Mutex.at(mem, LOCK_OFFSET);
            for (long i = 0; i < iterations; i++) {
                lock.lock();
                try {
                    // A plain read-modify-write: only the lock makes it safe.
                    long v = mem.get(ValueLayout.JAVA_LONG, COUNTER_OFFSET);
                    mem.set(ValueLayout.JAVA_LONG, COUNTER_OFFSET, v + 1);
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Takes the Mutex, raises the flag, holds it for {@code millis}, releases it. */
    private static void hold(String name, long millis) throws Exception {
        try (SharedMemory shm = SharedMemory.open(name)) {
            Mutex m = Mutex.at(shm.segment(), LOCK_OFFSET);
            m.lock();
            FLAG.setVolatile(shm.segment(), FLAG_OFFSET, 1);
            Thread.sleep(millis);
            m.unlock();
        }
    }

    /** {@return 0 if the segment opened, else the errno of the failure} */
    private static int open(String name) {
        try (SharedMemory shm = SharedMemory.open(name)) {
            return 0;
        } catch (IpcException e) {
            System.err.println(e.getMessage());
            return e.errno() == 0 ? 99 : e.errno();
        }
    }
}
