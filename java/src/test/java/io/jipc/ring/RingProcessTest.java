package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rings between real processes: child JVMs spawned with {@link Spawn#java}, running {@link RingChildren}. */
@org.junit.jupiter.api.extension.ExtendWith(io.jipc.testing.NoLeaks.class)
class RingProcessTest {
    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(90);

    private final String name = Leaks.uniqueName("ringp");

    /** Removes the name before NoLeaks counts children and descriptors. */
    @AfterEach
    void removeName() throws IpcException {
        SharedMemory.unlink(name);
    }

    static Spawn child(String... args) {
        return Spawn.java(RingChildren.class, args);
    }

    /**
     * Reads until {@code total} messages have arrived, failing (instead of hanging) if the
     * producers end or stall first.
     */
    static void drain(Ring ring, TestMessages.Verifier v, long total, List<Piped> producers) {
        long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
        while (v.received < total && v.failure == null) {
            if (ring.read(v, 256, Duration.ofMillis(500)) == 0) {
                boolean anyAlive = producers.stream().anyMatch(p -> p.child.isAlive());
                if (!anyAlive && ring.poll(v, 256) == 0) {
                    throw new AssertionError("producers ended after " + v.received + " of " + total
                            + " messages: " + producers.stream().map(p -> p.child.toString()).toList());
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + v.received + " of " + total + " messages in " + CHILD_TIMEOUT);
                }
            }
        }
        assertNull(v.failure, v.failure);
        assertEquals(total, v.received);
    }

    static long checksumOf(Piped.Result r) {
        assertTrue(r.status().success(), "child ended with " + r.status() + ", printed: " + r.output());
        return Long.parseUnsignedLong(r.value("checksum"), 16);
    }

    @Test
    @Timeout(120)
    void spscFromAChildProcessEveryMessageOnceInOrderIntact() throws Exception {
        int capacity = 4096;
        int max = RingDescriptor.maxMessageLength(capacity);
        long count = 30_000;
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            Ring ring = SpscRing.create(shm.segment(), capacity);
            try (Piped producer = Piped.start(child("produce", name, "0", "spsc", "0", Long.toString(count), "0",
                    Integer.toString(max)))) {
                TestMessages.Verifier v = new TestMessages.Verifier(1, 0, max);
                drain(ring, v, count, List.of(producer));
                long reported = checksumOf(producer.finish(CHILD_TIMEOUT));
                assertEquals(reported, v.checksum);
                assertEquals(TestMessages.expectedChecksum(1, count, 0, max), v.checksum);
            }
            assertEquals(ring.producerPosition(), ring.consumerPosition());
            assertTrue(ring.consumerPosition() > 1000L * capacity, "wrapped only "
                    + ring.consumerPosition() / capacity + " times");
        }
    }

    @Test
    @Timeout(120)
    void spscToAChildProcessEveryMessageOnceInOrderIntact() throws Exception {
        int capacity = 1024;
        int max = RingDescriptor.maxMessageLength(capacity);
        long count = 20_000;
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            Ring ring = SpscRing.create(shm.segment(), capacity);
            try (Piped consumer = Piped.start(child("consume", name, "0", "spsc", "1", Long.toString(count), "0",
                    Integer.toString(max)))) {
                for (long seq = 0; seq < count; seq++) {
                    int size = TestMessages.size(seq, 0, max);
                    if (seq % 2 == 0) {
                        Claim claim = ring.claim(size, CHILD_TIMEOUT);
                        assertTrue(claim != null, "consumer stopped reading: " + consumer.child);
                        TestMessages.fill(claim.segment(), 0, seq);
                        claim.commit();
                    } else {
                        assertTrue(ring.offer(0, MemorySegment.ofArray(TestMessages.bytes(0, seq, size)),
                                CHILD_TIMEOUT), "consumer stopped reading: " + consumer.child);
                    }
                }
                assertEquals(TestMessages.expectedChecksum(1, count, 0, max), checksumOf(consumer.finish(CHILD_TIMEOUT)));
            }
        }
    }

    /** Several producer processes at once: each one's messages arrive once, in its order, intact. */
    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    @Timeout(180)
    void mpscFromSeveralChildProcesses(int producers) throws Exception {
        int capacity = 8192;
        int max = RingDescriptor.maxMessageLength(capacity);
        long count = 40_000 / producers;
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            Ring ring = MpscRing.create(shm.segment(), capacity);
            List<Piped> children = new ArrayList<>();
            try {
                for (int id = 0; id < producers; id++) {
                    children.add(Piped.start(child("produce", name, "0", "mpsc", Integer.toString(id),
                            Long.toString(count), "0", Integer.toString(max))));
                }
                TestMessages.Verifier v = new TestMessages.Verifier(producers, 0, max);
                drain(ring, v, producers * count, children);
                long sum = 0;
                for (int id = 0; id < producers; id++) {
                    assertEquals(count, v.delivered(id));
                    sum += checksumOf(children.get(id).finish(CHILD_TIMEOUT));
                }
                assertEquals(sum, v.checksum);
                assertEquals(TestMessages.expectedChecksum(producers, count, 0, max), v.checksum);
            } finally {
                children.forEach(Piped::close);
            }
            assertEquals(ring.producerPosition(), ring.consumerPosition());
            assertEquals(0, ring.deadProducerRecordsSkipped());
        }
    }

    /**
     * A producer killed (SIGKILL) between claim and commit: the consumer finds the claim,
     * sees its process gone (a zombie here: not reaped yet), skips it, counts it and goes on.
     */
    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    @Timeout(120)
    void aProducerKilledMidClaimIsSkippedAndCounted(String kind) throws Exception {
        int capacity = 1024;
        long flag = RingDescriptor.regionLength(capacity);
        try (SharedMemory shm = SharedMemory.create(name, flag + 64)) {
            MemorySegment region = shm.segment().asSlice(0, flag);
            Ring consumer = kind.equals("mpsc") ? MpscRing.create(region, capacity) : SpscRing.create(region, capacity);
            try (ChildProcess hung = child("claim-and-hang", name, "0", kind, Long.toString(flag)).start()) {
                long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
                while ((int) RingChildren.FLAG.getVolatile(shm.segment(), flag) == 0) {
                    assertTrue(hung.isAlive() && System.nanoTime() < deadline, "the child never claimed: " + hung);
                    Thread.sleep(5);
                }
                assertEquals(0, consumer.poll((t, m) -> { }, 10));
                Ring producer = kind.equals("mpsc") ? consumer : SpscRing.attach(region);
                if (kind.equals("mpsc")) {
                    // Another producer's messages queue up behind the claim.
                    for (int i = 0; i < 3; i++) {
                        assertTrue(producer.offer(MemorySegment.ofArray(new long[] {i})));
                    }
                    assertEquals(0, consumer.read((t, m) -> { }, 10, Duration.ofMillis(300)), "read past a live claim");
                }
                assertTrue(hung.kill());
                long t0 = System.nanoTime();
                if (kind.equals("spsc")) {
                    // The dead producer's successor takes over where the producer position stands.
                    for (int i = 0; i < 3; i++) {
                        assertTrue(producer.offer(MemorySegment.ofArray(new long[] {i})));
                    }
                }
                List<Long> got = new ArrayList<>();
                while (got.size() < 3 && System.nanoTime() - t0 < 20_000_000_000L) {
                    consumer.read((t, m) -> got.add(m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)), 10, Duration.ofSeconds(1));
                }
                long took = System.nanoTime() - t0;
                assertEquals(List.of(0L, 1L, 2L), got);
                assertEquals(1, consumer.deadProducerRecordsSkipped());
                // Bounded: ~100 ms of stall, plus at most one 1 s sleep slice if asleep at the claim.
                assertTrue(took < 10_000_000_000L, "took " + took / 1_000_000 + " ms to get past the dead claim");
                // Dead as the consumer saw it (its main thread a zombie) is not yet reapable:
                // the kernel still tears the JVM's other threads down.
                assertTrue(hung.waitFor(Duration.ofSeconds(10)).isPresent(), "reaped after the fact");
            }
            assertEquals(consumer.producerPosition(), consumer.consumerPosition());
        }
    }

    /**
     * Wake-ups across processes, both directions. The pong child waits 1 ms before each
     * reply, so the parent's blocking read is asleep in the kernel when the reply comes;
     * then a slow consumer child makes the parent's blocking put sleep on a full ring. A
     * lost wake-up would cost a 1 s sleep slice per round, far beyond the bound.
     */
    @Test
    @Timeout(120)
    void sleepersAreWokenAcrossProcessesBothWays() throws Exception {
        int capacity = 1024;
        long second = RingDescriptor.regionLength(capacity);
        try (SharedMemory shm = SharedMemory.create(name, 2 * second)) {
            Ring ping = SpscRing.create(shm.segment().asSlice(0, second), capacity);
            Ring pong = SpscRing.create(shm.segment().asSlice(second, second), capacity);
            int rounds = 100;
            try (Piped echo = Piped.start(child("pong", name, "0", Long.toString(second), Integer.toString(rounds),
                    "sleep", "1000"))) {
                long t0 = System.nanoTime();
                for (long i = 0; i < rounds; i++) {
                    ping.put(MemorySegment.ofArray(new long[] {i}));
                    long[] back = {-1};
                    assertEquals(1, pong.read((t, m) -> back[0] = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), 1,
                            Duration.ofSeconds(30)), "no reply from " + echo.child);
                    assertEquals(i, back[0]);
                }
                long elapsed = System.nanoTime() - t0;
                assertTrue(echo.finish(CHILD_TIMEOUT).status().success());
                assertTrue(elapsed < 30_000_000_000L, rounds + " round trips took " + elapsed / 1_000_000 + " ms");
            }

            Ring slow = SpscRing.create(shm.segment().asSlice(0, second), capacity);
            int messages = 600;
            try (Piped consumer = Piped.start(child("slow-consume", name, "0", Integer.toString(messages), "1000"))) {
                long t0 = System.nanoTime();
                long sum = 0;
                for (long i = 0; i < messages; i++) {
                    byte[] message = new byte[100];
                    MemorySegment.ofArray(message).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                    slow.put(message);
                    sum += i;
                }
                Piped.Result r = consumer.finish(CHILD_TIMEOUT);
                long elapsed = System.nanoTime() - t0;
                assertTrue(r.status().success(), r.toString());
                assertEquals(Long.toString(sum), r.value("sum"));
                assertTrue(elapsed < 30_000_000_000L, messages + " slow reads took " + elapsed / 1_000_000 + " ms");
            }
        }
    }
}
