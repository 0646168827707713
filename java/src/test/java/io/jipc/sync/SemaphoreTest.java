package io.jipc.sync;

import io.jipc.IpcException;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Blocked;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class SemaphoreTest {
    private static final long PROMPT_NANOS = 5_000_000_000L;
    private static final String FILE_PREFIX = "sem.jipc-test-sem-" + ProcessHandle.current().pid() + "-";

    private final List<String> names = new ArrayList<>();

    private String newName() {
        String n = Leaks.uniqueName("sem");
        names.add(n);
        return n;
    }

    private static Path file(String name) {
        return Path.of("/dev/shm", "sem." + name.substring(1));
    }

    /** Nothing of ours in /dev/shm: every test unlinks what it created. */
    @AfterEach
    void nothingLeftBehind() throws IpcException {
        List<String> left = new ArrayList<>();
        for (String n : names) {
            if (Semaphore.unlink(n)) {
                left.add(n);
            }
        }
        assertEquals(List.of(), left, "semaphores left behind");
        Set<String> ours = Leaks.shmNames().stream().filter(n -> n.startsWith(FILE_PREFIX)).collect(Collectors.toSet());
        assertEquals(Set.of(), ours, "files left in /dev/shm");
    }

    @Test
    void createOpenUnlinkAndValue() throws Exception {
        String name = newName();
        try (Semaphore a = Semaphore.create(name, 3)) {
            assertTrue(Files.exists(file(name)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file(name))));
            try (Semaphore b = Semaphore.open(name)) {
                assertEquals(3, b.value());
                assertTrue(a.tryAcquire());
                assertEquals(2, b.value());
                b.release();
                assertEquals(3, a.value());
            }
            assertTrue(Semaphore.unlink(name));
            assertFalse(Files.exists(file(name)));
            assertFalse(Semaphore.unlink(name));
            // Still usable through the open mapping.
            a.release();
            assertEquals(4, a.value());
        }
    }

    @Test
    void exclusiveCreateOpenOrCreateAndMode() throws Exception {
        String name = newName();
        String open = newName();
        IpcException missing = assertThrows(IpcException.class, () -> Semaphore.open(name));
        assertEquals(IpcException.Reason.DOES_NOT_EXIST, missing.reason());
        assertTrue(missing.getMessage().contains(name), missing.getMessage());
        try (Semaphore a = Semaphore.openOrCreate(name, 2); Semaphore b = Semaphore.openOrCreate(name, 7);
             Semaphore c = Semaphore.builder(open).mode(0664).initialValue(1).create()) {
            assertEquals(2, b.value(), "openOrCreate must not reset an existing semaphore");
            IpcException taken = assertThrows(IpcException.class, () -> Semaphore.create(name, 0));
            assertEquals(IpcException.Reason.ALREADY_EXISTS, taken.reason());
            assertEquals("rw-rw-r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file(open))));
            assertEquals(1, c.value());
        } finally {
            Semaphore.unlink(name);
            Semaphore.unlink(open);
        }
    }

    @Test
    void badInputFailsBeforeAnyCall() throws Exception {
        for (String bad : new String[] {"nope", "/", "/a/b", "/" + "x".repeat(252), null}) {
            assertThrows(IllegalArgumentException.class, () -> Semaphore.create(bad, 0), bad);
            assertThrows(IllegalArgumentException.class, () -> Semaphore.unlink(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Semaphore.create("/s", -1));
        assertThrows(IllegalArgumentException.class, () -> Semaphore.builder("/s").mode(01000));
        // 251 bytes is the longest: "sem." + 251 = NAME_MAX.
        String prefix = FILE_PREFIX.substring("sem.".length());
        String longest = "/" + prefix + "y".repeat(251 - prefix.length());
        names.add(longest);
        try (Semaphore s = Semaphore.create(longest, 1)) {
            assertTrue(s.tryAcquire());
        } finally {
            Semaphore.unlink(longest);
        }
    }

    @Test
    @Timeout(60)
    void tryAndTimedAcquireReturnPromptlyWithTheDocumentedResult() throws Exception {
        String name = newName();
        try (Semaphore s = Semaphore.create(name, 0)) {
            assertPrompt(() -> assertFalse(s.tryAcquire()));
            assertPrompt(() -> assertFalse(s.tryAcquire(Duration.ZERO)));
            assertPrompt(() -> assertFalse(s.tryAcquire(Duration.ofSeconds(-1))));
            long t0 = System.nanoTime();
            assertFalse(s.tryAcquire(Duration.ofMillis(200)));
            long took = System.nanoTime() - t0;
            assertTrue(took >= 199_000_000L, "gave up after " + took / 1000 + " us");
            assertTrue(took < 200_000_000L + PROMPT_NANOS, "took " + took / 1_000_000 + " ms");
            s.release();
            assertPrompt(() -> assertTrue(s.tryAcquire(Duration.ofSeconds(30))));
            s.release();
            assertTrue(s.tryAcquire());
            assertEquals(0, s.value());
        } finally {
            Semaphore.unlink(name);
        }
    }

    @Test
    void releaseBeyondTheMaximumIsALimitErrorAndChangesNothing() throws Exception {
        String name = newName();
        try (Semaphore s = Semaphore.create(name, Semaphore.MAX_VALUE)) {
            IpcException e = assertThrows(IpcException.class, s::release);
            assertEquals(IpcException.Reason.LIMIT_EXCEEDED, e.reason());
            assertEquals("EOVERFLOW", e.errnoName());
            assertEquals(Semaphore.MAX_VALUE, s.value());
        } finally {
            Semaphore.unlink(name);
        }
    }

    @Test
    void closeIsIdempotentAndEverythingAfterItIsIllegalState() throws Exception {
        String name = newName();
        Semaphore s = Semaphore.create(name, 1);
        try {
            s.close();
            s.close();
            assertFalse(s.isOpen());
            List<Executable> uses = List.of(s::acquire, s::tryAcquire, () -> s.tryAcquire(Duration.ofMillis(1)),
                    s::release, s::value);
            for (Executable use : uses) {
                assertThrows(IllegalStateException.class, use);
            }
        } finally {
            Semaphore.unlink(name);
        }
    }

    /**
     * Close under a blocked acquire wakes it with AsynchronousCloseException (platform thread
     * asleep on the futex, virtual thread parked); the view is unmapped once it has left.
     */
    @Test
    @Timeout(120)
    void closeWakesABlockedAcquireWithAsynchronousCloseException() throws Exception {
        for (boolean virtual : new boolean[] {false, true}) {
            String name = newName();
            try (Semaphore s = Semaphore.create(name, 0)) {
                Callable<Void> acquire = () -> {
                    s.acquire();
                    return null;
                };
                Blocked<Void> waiter = virtual ? Blocked.onVirtualThread(acquire) : Blocked.onPlatformThread(acquire);
                s.close();
                assertInstanceOf(AsynchronousCloseException.class, waiter.failure(), "virtual: " + virtual);
                assertFalse(s.isOpen());
                assertThrows(IllegalStateException.class, s::value);
            } finally {
                Semaphore.unlink(name);
            }
        }
    }

    /**
     * acquireInterruptibly ends on an interrupt (InterruptedException, flag cleared, no permit
     * taken); acquire() ignores it, takes the next permit and keeps the flag. The release is a
     * plain sem_post through another view: jipc's sleeper counts itself a waiter as sem_wait does.
     */
    @Test
    @Timeout(120)
    void interruptsEndOnlyTheInterruptibleAcquire() throws Exception {
        String name = newName();
        try (Semaphore s = Semaphore.create(name, 0)) {
            for (boolean virtual : new boolean[] {false, true}) {
                Callable<Void> interruptible = () -> {
                    s.acquireInterruptibly();
                    return null;
                };
                Blocked<Void> a = virtual ? Blocked.onVirtualThread(interruptible) : Blocked.onPlatformThread(interruptible);
                a.thread().interrupt();
                assertInstanceOf(InterruptedException.class, a.failure(), "virtual: " + virtual);
                assertFalse(a.endedInterrupted());
                assertEquals(0, s.value());

                Callable<Void> plain = () -> {
                    s.acquire();
                    return null;
                };
                Blocked<Void> b = virtual ? Blocked.onVirtualThread(plain) : Blocked.onPlatformThread(plain);
                b.thread().interrupt();
                Thread.sleep(100);
                assertTrue(b.stillWaiting(), "an interrupt ended acquire()");
                try (Semaphore other = Semaphore.open(name)) {
                    other.release();
                }
                b.result();
                assertTrue(b.endedInterrupted(), "acquire() lost the interrupt");
                assertEquals(0, s.value());
            }
        } finally {
            Semaphore.unlink(name);
        }
    }

    /** A child blocks in acquire() until this process releases; not a moment before. */
    @Test
    @Timeout(120)
    void acquireInAnotherProcessBlocksUntilRelease() throws Exception {
        String gate = newName();
        String ready = newName();
        String done = newName();
        Set<Integer> childrenBefore = Leaks.children();
        try (Semaphore g = Semaphore.create(gate, 0); Semaphore r = Semaphore.create(ready, 0);
             Semaphore d = Semaphore.create(done, 0);
             ChildProcess child = Spawn.java(SemaphoreChildren.class, "wait", gate, ready, done).start()) {
            assertTrue(r.tryAcquire(Duration.ofSeconds(60)), "child never got ready: " + child);
            assertFalse(d.tryAcquire(Duration.ofMillis(300)), "child passed a gate with value 0");
            assertTrue(child.isAlive());
            g.release();
            assertTrue(d.tryAcquire(Duration.ofSeconds(60)), "child did not wake on release: " + child);
            ExitStatus status = child.waitFor();
            assertTrue(status.success(), "child ended with " + status);
            assertEquals(0, g.value());
        } finally {
            Semaphore.unlink(gate);
            Semaphore.unlink(ready);
            Semaphore.unlink(done);
        }
        assertEquals(childrenBefore, Leaks.children());
    }

    /**
     * The classic bounded buffer between two processes: a child produces 0, 1, 2, ... into 8
     * slots guarded by "empty" and "full" semaphores; this process consumes. Any overwrite of
     * an unread slot, any lost or early publication, shows as a wrong number.
     */
    @Test
    @Timeout(180)
    void boundedBufferBetweenTwoProcessesCountsExactly() throws Exception {
        int slots = 8;
        int count = 20_000;
        String shm = Leaks.uniqueName("sem-buffer");
        String empty = newName();
        String full = newName();
        try (SharedMemory mem = SharedMemory.create(shm, slots * 8L);
             Semaphore e = Semaphore.create(empty, slots); Semaphore f = Semaphore.create(full, 0);
             ChildProcess producer = Spawn.java(SemaphoreChildren.class, "produce", shm, empty, full,
                     Integer.toString(slots), Integer.toString(count)).start()) {
            MemorySegment buffer = mem.segment();
            long sum = 0;
            for (int i = 0; i < count; i++) {
                if (!f.tryAcquire(Duration.ofSeconds(60))) {
                    fail("producer stalled at " + i + ": " + producer);
                }
                long v = buffer.getAtIndex(ValueLayout.JAVA_LONG, i % slots);
                if (v != i) {
                    fail("slot " + (i % slots) + " holds " + v + ", expected " + i);
                }
                sum += v;
                // full before empty: between the reads the producer can only move permits from
                // empty to full, so the sum never overcounts. We hold one, so at most slots - 1.
                int available = f.value() + e.value();
                assertTrue(available <= slots - 1, available + " permits for " + slots + " slots");
                e.release();
            }
            ExitStatus status = producer.waitFor();
            assertTrue(status.success(), "producer ended with " + status);
            assertEquals((long) count * (count - 1) / 2, sum);
            assertEquals(slots, e.value());
            assertEquals(0, f.value());
        } finally {
            SharedMemory.unlink(shm);
            Semaphore.unlink(empty);
            Semaphore.unlink(full);
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void assertPrompt(Step step) throws Exception {
        long t0 = System.nanoTime();
        step.run();
        long took = System.nanoTime() - t0;
        assertTrue(took < PROMPT_NANOS, "took " + took / 1_000_000 + " ms");
    }
}
