package io.jipc.shm;

import io.jipc.ring.SpscRing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Child JVMs of {@link SealedMemoryTest}; descriptor 3 is what the parent mapped in. */
public final class SealedChildren {
    static final int MESSAGES = 1000;

    private SealedChildren() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            // Receives the memory over the Unix socket on fd 3 and produces into the ring in it.
            case "producer" -> {
                try (SharedMemory shm = SharedMemory.receiveFrom(3); Arena arena = Arena.ofConfined()) {
                    SpscRing ring = SpscRing.attach(shm.segment());
                    MemorySegment msg = arena.allocate(Integer.BYTES);
                    for (int i = 0; i < MESSAGES; i++) {
                        msg.set(ValueLayout.JAVA_INT, 0, i);
                        ring.put(1, msg);
                    }
                }
            }
            // Maps the memory it inherited as fd 3, marks it, and waits to be killed.
            case "hold" -> {
                SharedMemory shm = SharedMemory.fromDescriptor(3);
                shm.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
                Thread.sleep(60_000);
            }
            default -> System.exit(64);
        }
    }
}
