package io.jipc.sync;

import io.jipc.shm.SharedMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/** Child JVMs for the dead-owner tests: they take the Mutex at offset 0 and get killed. */
public final class RobustChildren {
    static final long A_OFFSET = 64;
    static final long B_OFFSET = 72;
    static final long FLAG_OFFSET = 128;
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private RobustChildren() {
    }

    public static void main(String[] args) throws Exception {
        try (SharedMemory shm = SharedMemory.open(args[1])) {
            MemorySegment mem = shm.segment();
            Mutex m = Mutex.at(mem, 0);
            switch (args[0]) {
                case "hold" -> {
                    m.lock();
                    INT.setVolatile(mem, FLAG_OFFSET, 1);
                    Thread.sleep(Long.MAX_VALUE);
                }
                case "churn" -> churn(mem, m);
                default -> System.exit(64);
            }
        }
    }

    /**
     * Keeps the invariant a == b outside the lock, breaking it for a moment inside, so a
     * kill inside the critical section leaves visible damage for the next holder.
     */
    private static void churn(MemorySegment mem, Mutex m) {
        boolean first = true;
        while (true) {
            if (m.lock() == Acquired.OWNER_DIED) {
                mem.set(ValueLayout.JAVA_LONG, B_OFFSET, mem.get(ValueLayout.JAVA_LONG, A_OFFSET));
                m.markConsistent();
            }
            long a = mem.get(ValueLayout.JAVA_LONG, A_OFFSET) + 1;
            mem.set(ValueLayout.JAVA_LONG, A_OFFSET, a);
            for (int i = 0; i < 200; i++) {
                Thread.onSpinWait();
            }
            mem.set(ValueLayout.JAVA_LONG, B_OFFSET, a);
            m.unlock();
            if (first) {
                INT.setVolatile(mem, FLAG_OFFSET, 1);
                first = false;
            }
        }
    }
}
