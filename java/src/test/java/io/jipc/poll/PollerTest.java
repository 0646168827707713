package io.jipc.poll;

import io.jipc.Pollable;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.testing.Blocked;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PollerTest {

    @Test
    void ofSeveralPipesOnlyTheOneWithDataIsReady() throws Exception {
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open(); Pipe c = Pipe.open(); Poller poller = new Poller()) {
            Poller.Key ka = poller.register(a.readEnd(), Event.READABLE);
            Poller.Key kb = poller.register(b.readEnd(), Event.READABLE);
            Poller.Key kc = poller.register(c.readEnd(), Event.READABLE);
            assertEquals(3, poller.size());

            b.writeEnd().write(ByteBuffer.wrap(new byte[] {42}));
            assertEquals(1, poller.await(Duration.ofSeconds(10)));
            assertEquals(List.of(kb), poller.readyKeys());
            assertTrue(kb.isReadable());
            assertEquals(EnumSet.of(Event.READABLE), kb.readyEvents());
            assertFalse(ka.isReadable());
            assertFalse(kc.isReadable());
            assertSame(b.readEnd(), kb.pollable());

            // Level-triggered: still there, still ready; gone once read.
            assertEquals(1, poller.poll());
            assertEquals(1, b.readEnd().read(ByteBuffer.allocate(1)));
            assertEquals(0, poller.poll());
            assertTrue(poller.readyKeys().isEmpty());
            assertFalse(kb.isReadable(), "ready events are those of the last wait");

            a.writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
            c.writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
            assertEquals(2, poller.await());
            assertEquals(Set.of(ka, kc), Set.copyOf(poller.readyKeys()));
        }
    }

    @Test
    void whenNothingIsReadyATimedWaitReturnsZeroAfterItsTimeout() throws Exception {
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open(); Poller poller = new Poller()) {
            poller.register(a.readEnd(), Event.READABLE);
            poller.register(b.readEnd(), Event.READABLE);
            Duration timeout = Duration.ofMillis(200);
            long t0 = System.nanoTime();
            assertEquals(0, poller.await(timeout));
            long waited = System.nanoTime() - t0;
            assertTrue(waited >= timeout.toNanos(), "returned after " + waited + " ns");
            assertTrue(waited < TimeUnit.SECONDS.toNanos(10), "returned after " + waited + " ns");

            t0 = System.nanoTime();
            assertEquals(0, poller.poll());
            assertEquals(0, poller.await(Duration.ZERO));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "poll() must not wait");
        }
    }

    @Test
    void hangUpAndErrorAreReportedWithoutBeingAskedFor() throws Exception {
        try (Pipe readerSide = Pipe.open(); Pipe writerSide = Pipe.open(); Poller poller = new Poller()) {
            Poller.Key reading = poller.register(readerSide.readEnd(), Event.READABLE);
            Poller.Key writing = poller.register(writerSide.writeEnd(), Set.of());

            readerSide.writeEnd().close();
            assertEquals(1, poller.await(Duration.ofSeconds(10)));
            assertTrue(reading.isHangUp());
            assertFalse(reading.isReadable(), "nothing left to read, only end of stream");
            assertEquals(-1, readerSide.readEnd().read(ByteBuffer.allocate(1)));

            reading.cancel();
            assertFalse(reading.isValid());
            assertEquals(0, poller.poll(), "an empty interest set reports nothing while the reader lives");
            writerSide.readEnd().close();
            assertEquals(1, poller.await(Duration.ofSeconds(10)));
            assertTrue(writing.isError(), "every read end closed: a write would be EPIPE");
            assertEquals(List.of(writing), poller.readyKeys());
        }
    }

    @Test
    void aWriteEndIsWritableUntilThePipeIsFull() throws Exception {
        try (Pipe pipe = Pipe.open(); Poller poller = new Poller()) {
            Poller.Key k = poller.register(pipe.writeEnd(), Event.WRITABLE);
            assertEquals(1, poller.poll());
            assertTrue(k.isWritable());
            pipe.writeEnd().configureBlocking(false);
            while (pipe.writeEnd().write(ByteBuffer.allocateDirect(4096)) > 0) {
                // fill it
            }
            assertEquals(0, poller.await(Duration.ofMillis(50)));
            pipe.readEnd().read(ByteBuffer.allocateDirect(8192));
            assertEquals(1, poller.poll());

            k.interest(Set.of(Event.READABLE));
            assertEquals(Set.of(Event.READABLE), k.interest());
            assertEquals(0, poller.poll(), "a write end never becomes readable");
        }
    }

    @Test
    @Timeout(60)
    void aBlockingWaitEndsWhenAnotherProcessWrites() throws Exception {
        try (Pipe quiet = Pipe.open(); Pipe fromChild = Pipe.open(); Poller poller = new Poller()) {
            poller.register(quiet.readEnd(), Event.READABLE);
            Poller.Key k = poller.register(fromChild.readEnd(), Event.READABLE);
            try (ChildProcess child = Spawn.command("/bin/sh", "-c", "sleep 0.2; printf x")
                    .mapDescriptor(1, fromChild.writeEnd().fd()).start()) {
                fromChild.writeEnd().close();
                assertEquals(1, poller.await());
                assertEquals(List.of(k), poller.readyKeys());
                assertTrue(k.isReadable());
                assertTrue(child.waitFor().success());
            }
        }
    }

    @Test
    void objectsClosedBetweenWaitsAreDropped() throws Exception {
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open(); Poller poller = new Poller()) {
            Poller.Key ka = poller.register(a.readEnd(), Event.READABLE);
            Poller.Key kb = poller.register(b.readEnd(), Event.READABLE);
            a.readEnd().close();
            b.writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
            assertEquals(1, poller.await(Duration.ofSeconds(10)));
            assertFalse(ka.isValid(), "the closed end's key is cancelled");
            assertTrue(kb.isValid());
            assertEquals(List.of(kb), poller.readyKeys());
            assertEquals(1, poller.size());
        }
    }

    @Test
    void misuseIsRefusedClearly() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            Poller poller = new Poller();
            assertThrows(IllegalStateException.class, poller::await, "nothing registered: would wait forever");
            Poller.Key k = poller.register(pipe.readEnd(), Event.READABLE);
            assertThrows(IllegalArgumentException.class, () -> poller.register(pipe.readEnd(), Event.READABLE));
            assertThrows(IllegalArgumentException.class, () -> poller.register(pipe.writeEnd(), Event.HANG_UP));
            assertThrows(IllegalArgumentException.class, () -> k.interest(Set.of(Event.ERROR)));
            Pipe closed = Pipe.open();
            closed.close();
            assertThrows(IllegalStateException.class, () -> poller.register(closed.readEnd(), Event.READABLE));

            poller.close();
            poller.close();
            assertFalse(k.isValid());
            assertThrows(IllegalStateException.class, () -> k.interest(Set.of(Event.READABLE)));
            assertThrows(IllegalStateException.class, poller::poll);
            assertThrows(IllegalStateException.class, () -> poller.register(pipe.writeEnd(), Event.WRITABLE));
            assertTrue(pipe.readEnd().isOpen(), "a poller owns nothing it watches");
        }
    }

    @Test
    void manyRegistrationsGrowTheArraysAndStayCorrect() throws Exception {
        int n = 40;
        Pipe[] pipes = new Pipe[n];
        try (Poller poller = new Poller()) {
            Poller.Key[] keys = new Poller.Key[n];
            for (int i = 0; i < n; i++) {
                pipes[i] = Pipe.open();
                keys[i] = poller.register(pipes[i].readEnd(), Event.READABLE);
            }
            for (int i = 0; i < n; i += 3) {
                pipes[i].writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
            }
            // Cancel some in the middle: the swap-remove must keep descriptors and keys paired.
            for (int i = 1; i < n; i += 6) {
                keys[i].cancel();
            }
            int expected = (n + 2) / 3;
            assertEquals(expected, poller.await(Duration.ofSeconds(10)));
            for (Poller.Key k : poller.readyKeys()) {
                Pipe.ReadEnd end = (Pipe.ReadEnd) k.pollable();
                assertEquals(1, end.read(ByteBuffer.allocate(1)), "a ready key must name the pipe that has data");
            }
            assertEquals(0, poller.poll());
        } finally {
            for (Pipe p : pipes) {
                if (p != null) {
                    p.close();
                }
            }
        }
    }

    /**
     * Closing the poller under a blocked await (platform thread asleep in poll, virtual thread
     * parked) ends the wait with IllegalStateException; the watched pipe stays open.
     */
    @Test
    @Timeout(120)
    void closingThePollerUnderABlockedAwaitEndsIt() throws Exception {
        for (boolean virtual : new boolean[] {false, true}) {
            try (Pipe pipe = Pipe.open()) {
                Poller poller = new Poller();
                poller.register(pipe.readEnd(), Event.READABLE);
                Callable<Integer> await = poller::await;
                Blocked<Integer> waiter = virtual ? Blocked.onVirtualThread(await) : Blocked.onPlatformThread(await);
                poller.close();
                assertInstanceOf(IllegalStateException.class, waiter.failure(), "virtual: " + virtual);
                assertEquals(0, poller.size());
                assertTrue(pipe.readEnd().isOpen());
            }
        }
    }

    @Test
    @Timeout(120)
    void aSteadyStateWaitAllocatesNothing() throws Exception {
        Pipe[] pipes = new Pipe[8];
        try (Poller poller = new Poller()) {
            Poller.Key ready = null;
            for (int i = 0; i < pipes.length; i++) {
                pipes[i] = Pipe.open();
                Poller.Key k = poller.register(pipes[i].readEnd(), Event.READABLE);
                if (i == 5) {
                    ready = k;
                    pipes[i].writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
                }
            }
            // Until C2 has compiled the downcall path, the JDK allocates a slice of the errno
            // capture segment per call; the steady state, once compiled, must allocate nothing.
            int rounds = 50_000;
            long best = Long.MAX_VALUE;
            for (int batch = 0; batch < 60 && best > 0; batch++) {
                long before = allocatedBytes();
                for (int i = 0; i < rounds; i++) {
                    spin(poller, ready);
                }
                best = Math.min(best, (allocatedBytes() - before) / rounds);
            }
            // Anything the poller allocated per wait (an iterator, a set, a per-key object) is >= 16 bytes.
            assertTrue(best < 16, best + " bytes allocated per wait in the best batch");
        } finally {
            for (Pipe p : pipes) {
                if (p != null) {
                    p.close();
                }
            }
        }
    }

    /**
     * This thread's allocation counter (com.sun.management.ThreadMXBean), reached by
     * reflection: the tests are compiled into module io.jipc, which does not read
     * java.management, and the library should not require it for a test.
     */
    private static long allocatedBytes() throws Exception {
        Object bean = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getThreadMXBean").invoke(null);
        return (long) Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getCurrentThreadAllocatedBytes").invoke(bean);
    }

    private static void spin(Poller poller, Poller.Key expected) throws Exception {
        if (poller.poll() != 1) {
            throw new AssertionError("expected one ready key");
        }
        List<Poller.Key> ready = poller.readyKeys();
        for (int i = 0; i < ready.size(); i++) {
            if (ready.get(i) != expected || !ready.get(i).isReadable()) {
                throw new AssertionError("wrong key ready");
            }
        }
    }

    @Test
    @Timeout(120)
    void registeringAndClosingManyPipesLeaksNothing() throws Exception {
        int before = Leaks.descriptorCount();
        for (int round = 0; round < 200; round++) {
            try (Poller poller = new Poller(); Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
                poller.register(a.readEnd(), Event.READABLE);
                poller.register(b.writeEnd(), Event.WRITABLE);
                assertEquals(1, poller.poll());
            }
        }
        assertEquals(before, Leaks.descriptorCount());
    }

    /** A Pollable that is not a pipe: the interface is all a poller needs (message queues will be one). */
    @Test
    void anyPollableCanBeWatched() throws Exception {
        try (Pipe pipe = Pipe.open(); Poller poller = new Poller()) {
            int fd = pipe.readEnd().fd();
            Pollable bare = new Pollable() {
                @Override
                public int fd() {
                    return fd;
                }

                @Override
                public boolean isOpen() {
                    return true;
                }
            };
            Poller.Key k = poller.register(bare, Event.READABLE);
            pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
            assertEquals(1, poller.await(Duration.ofSeconds(10)));
            assertTrue(k.isReadable());
        }
    }
}
