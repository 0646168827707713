package io.jipc;

import io.jipc.mq.MessageQueue;
import io.jipc.shm.SharedMemory;
import io.jipc.sync.Mutex;
import io.jipc.sync.Semaphore;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thousand virtual threads wait in jipc calls on a scheduler of two carriers (the
 * surefire argLine sets {@code jdk.virtualThreadScheduler.parallelism=2}), and what releases
 * them runs on a virtual thread too. If a waiting call held its carrier, the two first
 * waiters would pin both carriers and nothing else would ever run: the test would hang
 * (and fail on its time-out) instead of finishing.
 */
class VirtualThreadsTest {
    private static final int WAITERS = 1_000;
    /** Only a hang reaches it. */
    private static final long HANG_SECONDS = 120;

    @BeforeAll
    static void twoCarriers() {
        assertEquals("2", System.getProperty("jdk.virtualThreadScheduler.parallelism"),
                "run with -Djdk.virtualThreadScheduler.parallelism=2 (see the surefire argLine)");
    }

    @Test
    @Timeout(300)
    void aThousandVirtualThreadsBlockedInMutexLockAllFinishOnceAVirtualHolderUnlocks() throws Exception {
        String name = Leaks.uniqueName("vt-mutex");
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            MemorySegment mem = shm.segment();
            Mutex m = Mutex.at(mem, 0);
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch letGo = new CountDownLatch(1);
            Thread holder = Thread.ofVirtual().start(() -> {
                m.lock();
                held.countDown();
                awaitUninterruptibly(letGo);
                m.unlock();
            });
            assertTrue(held.await(HANG_SECONDS, TimeUnit.SECONDS));
            CountDownLatch started = new CountDownLatch(WAITERS);
            List<Thread> waiters = startVirtual(WAITERS, () -> {
                started.countDown();
                m.lock();
                try {
                    mem.set(ValueLayout.JAVA_LONG, 64, mem.get(ValueLayout.JAVA_LONG, 64) + 1);
                } finally {
                    m.unlock();
                }
            });
            assertTrue(started.await(HANG_SECONDS, TimeUnit.SECONDS));
            assertAnotherVirtualThreadStillRuns();
            letGo.countDown();
            joinAll(waiters);
            holder.join();
            assertEquals(WAITERS, mem.get(ValueLayout.JAVA_LONG, 64));
        } finally {
            SharedMemory.unlink(name);
        }
    }

    @Test
    @Timeout(300)
    void aThousandVirtualThreadsBlockedInSemaphoreAcquireAllFinishOnceAVirtualThreadReleases() throws Exception {
        String name = Leaks.uniqueName("vt-sem");
        try (Semaphore s = Semaphore.create(name, 0)) {
            CountDownLatch started = new CountDownLatch(WAITERS);
            AtomicInteger acquired = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> waiters = startVirtual(WAITERS, () -> {
                started.countDown();
                try {
                    s.acquire();
                    acquired.incrementAndGet();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            assertTrue(started.await(HANG_SECONDS, TimeUnit.SECONDS));
            assertAnotherVirtualThreadStillRuns();
            Thread releaser = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < WAITERS; i++) {
                        s.release();
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            joinAll(waiters);
            releaser.join();
            assertNull(failure.get());
            assertEquals(WAITERS, acquired.get());
            assertEquals(0, s.value());
        } finally {
            Semaphore.unlink(name);
        }
    }

    @Test
    @Timeout(300)
    void aThousandVirtualThreadsBlockedInAQueueReceiveAllFinishOnceAVirtualThreadSends() throws Exception {
        String name = Leaks.uniqueName("vt-mq");
        try (MessageQueue q = MessageQueue.create(name, 8, 16)) {
            CountDownLatch started = new CountDownLatch(WAITERS);
            AtomicInteger received = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> waiters = startVirtual(WAITERS, () -> {
                started.countDown();
                try {
                    q.receive();
                    received.incrementAndGet();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            assertTrue(started.await(HANG_SECONDS, TimeUnit.SECONDS));
            assertAnotherVirtualThreadStillRuns();
            // The queue holds 8: the sender blocks when it is full, parked like the receivers.
            Thread sender = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < WAITERS; i++) {
                        q.send(new byte[] {(byte) i}, 0);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            joinAll(waiters);
            sender.join();
            assertNull(failure.get());
            assertEquals(WAITERS, received.get());
        } finally {
            MessageQueue.unlink(name);
        }
    }

    private static List<Thread> startVirtual(int n, Runnable body) {
        List<Thread> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofVirtual().start(body));
        }
        return threads;
    }

    /** While the waiters wait, a fresh virtual thread gets a carrier and runs to its end. */
    private static void assertAnotherVirtualThreadStillRuns() throws InterruptedException {
        Thread.sleep(200);  // let the waiters reach their sleep
        Thread probe = Thread.ofVirtual().start(() -> { });
        assertTrue(probe.join(java.time.Duration.ofSeconds(HANG_SECONDS)), "the carriers are pinned: a new virtual thread never ran");
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_SECONDS);
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            assertTrue(left > 0 && t.join(java.time.Duration.ofNanos(left)), t + " still waits");
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // not expected here; keep waiting
            }
        }
    }
}
