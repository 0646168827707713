package io.jipc.shm;

import io.jipc.sync.Mutex;

import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;

/**
 * The victim JVMs of {@link ShrinkTest}: whatever a peer does to the object, they must
 * end by printing what they were told, never by dying of SIGBUS.
 */
public final class ShrinkChildren {
    private ShrinkChildren() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[1];
        switch (args[0]) {
            // One thread holds the Mutex, another waits for it; the test shrinks the object meanwhile.
            case "waiter" -> {
                try (SharedMemory shm = SharedMemory.open(name)) {
                    Mutex m = Mutex.at(shm.segment(), 0);
                    m.lock();
                    Thread waiter = new Thread(() -> {
                        try {
                            m.lock();
                            System.out.println("LOCKED");
                        } catch (UncheckedIOException e) {
                            System.out.println("REFUSED " + e.getCause().getClass().getSimpleName() + ": "
                                    + e.getCause().getMessage());
                        } catch (Throwable t) {
                            System.out.println("OTHER " + t);
                        }
                    });
                    waiter.start();
                    Thread.sleep(300);  // the waiter is asleep in the slow path by now, or soon
                    System.out.println("WAITING");
                    waiter.join();
                }
                System.exit(0);
            }
            // Opens the object and checks its size on request: after the shrink, checkSize() refuses.
            case "check" -> {
                try (SharedMemory shm = SharedMemory.open(name)) {
                    shm.segment().get(ValueLayout.JAVA_LONG, 0);
                    System.out.println("OPEN " + shm.size());
                    System.in.read();
                    try {
                        shm.checkSize();
                        System.out.println("SIZE OK");
                    } catch (io.jipc.IpcException e) {
                        System.out.println("REFUSED IpcException: " + e.getMessage());
                    }
                }
                System.exit(0);
            }
            default -> System.exit(64);
        }
    }
}
