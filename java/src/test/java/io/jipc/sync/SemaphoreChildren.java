package io.jipc.sync;

import io.jipc.shm.SharedMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Entry point of the child JVMs the semaphore tests spawn: {@code SemaphoreChildren <scenario> args...}.
 * Exit code 0 means the scenario ran as expected.
 */
public final class SemaphoreChildren {
    private SemaphoreChildren() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "wait" -> waitAtGate(args[1], args[2], args[3]);
            case "produce" -> produce(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]));
            default -> {
                System.err.println("unknown scenario " + args[0]);
                System.exit(64);
            }
        }
    }

    /** Releases {@code ready}, blocks in acquire() on {@code gate}, then releases {@code done}. */
    private static void waitAtGate(String gate, String ready, String done) throws Exception {
        try (Semaphore g = Semaphore.open(gate); Semaphore r = Semaphore.open(ready); Semaphore d = Semaphore.open(done)) {
            r.release();
            g.acquire();
            d.release();
        }
    }

    /**
     * The producer of a bounded buffer of {@code slots} longs in shared memory: for each i,
     * takes an empty slot, writes i into slot i % slots with a plain store, and publishes it
     * by releasing {@code full}. Only the semaphores order the store before the consumer's read.
     */
    private static void produce(String shm, String empty, String full, int slots, int count) throws Exception {
        try (SharedMemory mem = SharedMemory.open(shm); Semaphore e = Semaphore.open(empty);
             Semaphore f = Semaphore.open(full)) {
            MemorySegment buffer = mem.segment();
            for (int i = 0; i < count; i++) {
                e.acquire();
                buffer.setAtIndex(ValueLayout.JAVA_LONG, i % slots, i);
                f.release();
            }
        }
    }
}
