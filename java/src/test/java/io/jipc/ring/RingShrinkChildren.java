package io.jipc.ring;

import io.jipc.WaitStrategy;
import io.jipc.shm.SharedMemory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The victim JVM of {@link RingShrinkTest}: a consumer asleep in a ring's {@code read} when
 * a peer shrinks the object under the ring must end by printing what it was told, never by
 * dying of SIGBUS.
 */
public final class RingShrinkChildren {
    private RingShrinkChildren() {
    }

    public static void main(String[] args) throws Exception {
        try (SharedMemory shm = SharedMemory.open(args[0])) {
            // No yields: the reader is asleep in futex within microseconds, where the ring checks
            // the object's size after every wake-up. Between checks is the documented race.
            Ring ring = SpscRing.create(shm.segment(), Integer.parseInt(args[1]), WaitStrategy.spinThenSleep(100, 0));
            String[] tid = new String[1];
            Thread reader = new Thread(() -> {
                try {
                    tid[0] = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
                } catch (IOException e) {
                    tid[0] = "?";
                }
                try {
                    ring.read((type, message) -> System.out.println("READ " + type), 1);
                } catch (UncheckedIOException e) {
                    System.out.println("REFUSED " + e.getCause().getClass().getSimpleName() + ": "
                            + e.getCause().getMessage());
                } catch (Throwable t) {
                    System.out.println("OTHER " + t);
                    t.printStackTrace(System.out);
                }
            });
            reader.start();
            Thread.sleep(300);
            long word = shm.segment().address() + RingDescriptor.DATA_SEQUENCE_OFFSET;
            System.out.println("WAITING " + tid[0] + " 0x" + Long.toHexString(word));
            reader.join();
        }
        System.exit(0);
    }
}
