package io.jipc.sync;

import io.jipc.IpcException;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Blocked;
import io.jipc.testing.Children;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LockTest {
    private final String name = Leaks.uniqueName("lock");

    @AfterEach
    void removeName() throws IpcException {
        SharedMemory.unlink(name);
    }

    /** Two real processes, 1,000,000 increments each: a lost update would show. */
    @ParameterizedTest
    @ValueSource(strings = {"spin", "mutex"})
    @Timeout(180)
    void twoProcessesCountExactlyUnderTheLock(String kind) throws Exception {
        long iterations = 1_000_000;
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            List<ChildProcess> children = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    children.add(Spawn.java(Children.class, "count", name, kind, Long.toString(iterations)).start());
                }
                for (ChildProcess c : children) {
                    ExitStatus s = c.waitFor();
                    assertTrue(s.success(), "child " + c + " ended with " + s);
                }
            } finally {
                children.forEach(ChildProcess::close);
            }
            assertEquals(2 * iterations, shm.segment().get(ValueLayout.JAVA_LONG, Children.COUNTER_OFFSET));
            assertEquals(0, shm.segment().get(ValueLayout.JAVA_INT, Children.LOCK_OFFSET), "lock left held");
        }
    }

    @Test
    void unlockOfAFreeLockIsAnError() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mem = arena.allocate(64, 64);
            assertThrows(IllegalStateException.class, () -> Mutex.at(mem, 0).unlock());
            assertThrows(IllegalStateException.class, () -> SpinLock.at(mem, 0).unlock());
        }
    }

    @Test
    void unlockByAnotherThreadIsAnErrorAndLeavesTheLockHeld() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(64, 64);
            for (Lock lock : new Lock[] {Mutex.at(mem, 0), SpinLock.at(mem, 16)}) {
                lock.lock();
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                Thread t = new Thread(() -> {
                    try {
                        lock.unlock();
                    } catch (Throwable e) {
                        thrown.set(e);
                    }
                });
                t.start();
                t.join();
                assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
                assertEquals(ProcessHandle.current().pid(), lock.ownerPid());
                assertFalse(lock.tryLock());
                lock.unlock();
                assertEquals(0, lock.ownerPid());
            }
        }
    }

    @Test
    void unlockByAnotherProcessIsAnError() throws Exception {
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            // Pretend another process holds it: its pid in the word.
            int other = (int) ProcessHandle.current().pid() + 1;
            shm.segment().set(ValueLayout.JAVA_INT, 0, other);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Mutex.at(shm.segment(), 0).unlock());
            assertTrue(e.getMessage().contains("held by pid " + other), e.getMessage());
            assertEquals(other, shm.segment().get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void misalignedOrOutOfBoundsWordsAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mem = arena.allocate(64, 64);
            assertThrows(IllegalArgumentException.class, () -> Mutex.at(mem, 4));
            assertThrows(IllegalArgumentException.class, () -> SpinLock.at(mem, 2));
            assertThrows(IllegalArgumentException.class, () -> Mutex.at(mem, 56));
            assertThrows(IllegalArgumentException.class, () -> SpinLock.at(mem, 61));
            assertThrows(IllegalArgumentException.class, () -> Mutex.at(mem, 64));
            assertThrows(IllegalArgumentException.class, () -> Mutex.at(mem, -4));
        }
    }

    @Test
    void lockOnClosedMemoryThrowsInsteadOfTouchingIt() throws Exception {
        SharedMemory shm = SharedMemory.create(name, 4096);
        Mutex m = Mutex.at(shm.segment(), 0);
        SpinLock s = SpinLock.at(shm.segment(), 16);
        shm.close();
        assertThrows(IllegalStateException.class, m::lock);
        assertThrows(IllegalStateException.class, s::tryLock);
    }

    /**
     * Closing the memory under a thread asleep in Mutex.lock (platform: on the futex; virtual:
     * parked) succeeds, and the waiter ends with IllegalStateException instead of touching
     * unmapped memory.
     */
    @Test
    @Timeout(120)
    void closingTheMemoryUnderABlockedLockWakesItWithIllegalStateException() throws Exception {
        for (boolean virtual : new boolean[] {false, true}) {
            SharedMemory shm = SharedMemory.create(name, 4096);
            Mutex m = Mutex.at(shm.segment(), 0);
            m.lock();
            Callable<Acquired> lock = m::lock;
            Blocked<Acquired> waiter = virtual ? Blocked.onVirtualThread(lock) : Blocked.onPlatformThread(lock);
            shm.close();
            assertInstanceOf(IllegalStateException.class, waiter.failure(), "virtual: " + virtual);
            SharedMemory.unlink(name);
        }
    }

    /** lockInterruptibly ends on an interrupt with InterruptedException; lock() does not. */
    @Test
    @Timeout(120)
    void anInterruptEndsLockInterruptiblyButNotLock() throws Exception {
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            Mutex m = Mutex.at(shm.segment(), 0);
            m.lock();
            for (boolean virtual : new boolean[] {false, true}) {
                Callable<Acquired> interruptible = m::lockInterruptibly;
                Blocked<Acquired> a = virtual ? Blocked.onVirtualThread(interruptible) : Blocked.onPlatformThread(interruptible);
                a.thread().interrupt();
                assertInstanceOf(InterruptedException.class, a.failure(), "virtual: " + virtual);
                assertFalse(a.endedInterrupted());
            }
            Blocked<Acquired> plain = Blocked.onVirtualThread(() -> {
                Acquired how = m.lock();
                m.unlock();
                return how;
            });
            plain.thread().interrupt();
            Thread.sleep(100);
            assertTrue(plain.stillWaiting(), "an interrupt ended lock()");
            m.unlock();
            assertEquals(Acquired.NORMALLY, plain.result());
            assertTrue(plain.endedInterrupted(), "lock() lost the interrupt");
        }
    }

    /** A Mutex held by another process: timed tryLock gives up, lock waits and then gets it. */
    @Test
    @Timeout(60)
    void waitersSleepUntilAnotherProcessUnlocks() throws Exception {
        try (SharedMemory shm = SharedMemory.create(name, 4096);
             ChildProcess holder = startHolder(1500)) {
            Mutex m = Mutex.at(shm.segment(), Children.LOCK_OFFSET);
            assertEquals(holder.pid(), m.ownerPid());
            assertFalse(m.tryLock());
            long t0 = System.nanoTime();
            assertFalse(m.tryLock(Duration.ofMillis(100)));
            assertTrue(System.nanoTime() - t0 >= 100_000_000L, "gave up before its timeout");
            m.lock();
            try {
                assertEquals(ProcessHandle.current().pid(), m.ownerPid());
            } finally {
                m.unlock();
            }
            assertTrue(holder.waitFor().success());
        }
    }

    private ChildProcess startHolder(long millis) throws Exception {
        ChildProcess child = Spawn.java(Children.class, "hold", name, Long.toString(millis)).start();
        try (SharedMemory shm = SharedMemory.open(name)) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while ((int) Children.FLAG.getVolatile(shm.segment(), Children.FLAG_OFFSET) == 0) {
                if (System.nanoTime() > deadline || !child.isAlive()) {
                    child.close();
                    throw new AssertionError("holder never locked: " + child);
                }
                Thread.sleep(2);
            }
        }
        return child;
    }
}
