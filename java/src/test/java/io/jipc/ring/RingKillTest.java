package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.process.ChildProcess;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Processes killed with SIGKILL at random moments, 100 trials each, and at the exact
 * steps of an MPSC reservation: the consumer goes on within a bounded time, the other
 * producers go on, and every message delivered is whole, in its producer's order, and
 * delivered once (a killed producer's sequence may only end early).
 *
 * <p>The killed processes are C (native/test/ring_peer, which starts in about a
 * millisecond where a JVM needs a hundred); the consumer is the test's own thread and the
 * producer that is never killed is a Java thread of this process.
 */
@org.junit.jupiter.api.extension.ExtendWith(io.jipc.testing.NoLeaks.class)
class RingKillTest {
    private static final int TRIALS = 100;
    /** Generous: recovery takes about 100-200 ms (the consumer's stall check), plus a noisy machine. */
    private static final long BOUND_NANOS = Duration.ofSeconds(10).toNanos();

    private final String name = Leaks.uniqueName("ringkill");
    private final SplittableRandom random = new SplittableRandom();

    @AfterEach
    void removeName() throws IpcException {
        SharedMemory.unlink(name);
    }

    /**
     * One MPSC ring, one Java producer that runs throughout, and per trial a C producer
     * (a new id each time) killed 0-5 ms after its first message. After each kill the consumer must, within
     * the bound, deliver a message the Java producer claimed after the death: FIFO order
     * then proves it has passed every record of the dead one, skipping its claim if it
     * left one.
     */
    @Test
    @Tag("slow") // 100 kills at random moments; mvn -Pquick skips it
    @Timeout(120)
    void mpscProducersKilledAtRandomMomentsBlockNobody() throws Exception {
        int capacity = 4096;
        int max = RingDescriptor.maxMessageLength(capacity);
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            Ring ring = MpscRing.create(shm.segment(), capacity);
            TestMessages.Verifier v = new TestMessages.Verifier(TRIALS + 1, 0, max);
            long[] deliveredAtEnd = new long[TRIALS + 1];
            long slowest = 0;
            long killedWithAClaim = 0;
            // Paced, so that the ring is seldom full and a victim is more often killed mid-claim.
            try (JavaProducer survivor = new JavaProducer(ring, 0, 0, max, 50_000)) {
                for (int trial = 1; trial <= TRIALS; trial++) {
                    long skippedBefore = ring.deadProducerRecordsSkipped();
                    try (ChildProcess victim = RingNativeTest.peer("produce", name, "0", "mpsc",
                            Integer.toString(trial), "forever", "0", Integer.toString(max), "dawdle", dawdle(trial))
                            .start()) {
                        int id = trial;
                        startedProducing(ring, v, () -> v.delivered(id) > 0, trial);
                        consumeFor(ring, v, random.nextLong(5_000_001));
                        victim.kill();
                        victim.waitFor();
                    }
                    long took = passedTheDead(ring, v, survivor, "trial " + trial);
                    slowest = Math.max(slowest, took);
                    deliveredAtEnd[trial] = v.delivered(trial);
                    killedWithAClaim += ring.deadProducerRecordsSkipped() - skippedBefore;
                }
                survivor.stopAndCheck();
                long committed = survivor.committed.get();
                consumeUntil(ring, v, () -> v.delivered(0) == committed, "the survivor's last messages");
            }
            assertNull(v.failure, v.failure);
            long fromVictims = 0;
            for (int trial = 1; trial <= TRIALS; trial++) {
                assertEquals(deliveredAtEnd[trial], v.delivered(trial), "a message of victim " + trial + " came late");
                fromVictims += deliveredAtEnd[trial];
            }
            assertTrue(fromVictims > 0, "no victim ever delivered a message: the kills came too early to test anything");
            assertTrue(killedWithAClaim > 0, "no victim was ever killed holding a claim");
            System.out.printf("mpsc kill: %d trials, %d victims killed holding a claim, %d victim messages,"
                    + " slowest recovery %d ms%n", TRIALS, killedWithAClaim, fromVictims, slowest / 1_000_000);
        }
    }

    /**
     * An SPSC ring per trial, its C producer killed 0-5 ms after its first message: the consumer must pass
     * everything the producer reserved (skipping its claim if it left one) within the bound.
     */
    @Test
    @Tag("slow") // 100 kills at random moments; mvn -Pquick skips it
    @Timeout(120)
    void anSpscProducerKilledAtARandomMomentBlocksNobody() throws Exception {
        int capacity = 4096;
        int max = RingDescriptor.maxMessageLength(capacity);
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            MemorySegment mem = shm.segment();
            long skipped = 0;
            long delivered = 0;
            long slowest = 0;
            for (int trial = 1; trial <= TRIALS; trial++) {
                Ring ring = SpscRing.create(mem, capacity);
                TestMessages.Verifier v = new TestMessages.Verifier(1, 0, max);
                try (ChildProcess victim = RingNativeTest.peer("produce", name, "0", "spsc", "0", "forever", "0",
                        Integer.toString(max), "dawdle", dawdle(trial)).start()) {
                    startedProducing(ring, v, () -> v.delivered(0) > 0, trial);
                    consumeFor(ring, v, random.nextLong(5_000_001));
                    victim.kill();
                    victim.waitFor();
                }
                long t0 = System.nanoTime();
                // Passed everything: at the producer position, and nothing written beyond it.
                consumeUntil(ring, v, () -> ring.consumerPosition() >= ring.producerPosition()
                        && headerAtHead(mem, ring) == 0, "trial " + trial);
                slowest = Math.max(slowest, System.nanoTime() - t0);
                assertNull(v.failure, "trial " + trial + ": " + v.failure);
                skipped += ring.deadProducerRecordsSkipped();
                delivered += v.delivered(0);
            }
            assertTrue(delivered > 0, "no victim ever delivered a message");
            assertTrue(skipped > 0, "no victim was ever killed holding a claim");
            System.out.printf("spsc kill: %d trials, %d killed holding a claim, %d messages, slowest %d ms%n",
                    TRIALS, skipped, delivered, slowest / 1_000_000);
        }
    }

    private enum Attach { RING, CREATOR_DIED, NO_RING_YET }

    /**
     * A C creator of a 16 MiB ring (zeroing it takes milliseconds) killed 0-25 ms after its
     * start while this thread attaches: the attacher gets a working ring, or
     * {@code CREATOR_DIED} while the header says INITIALISING, or {@code DOES_NOT_EXIST}
     * while it is still zero (killed before it began); it never hangs or takes a
     * half-written header.
     */
    @Test
    @Tag("slow") // 100 kills at random moments; mvn -Pquick skips it
    @Timeout(120)
    void aCreatorKilledAtARandomMomentIsReportedNeverWaitedFor() throws Exception {
        int capacity = 1 << 24;
        Map<Attach, Integer> outcomes = new EnumMap<>(Attach.class);
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            for (int trial = 0; trial < TRIALS; trial++) {
                long delay = random.nextLong(25_000_001);
                Attach outcome = attachWhileTheCreatorIsKilled(shm, capacity, creator -> {
                    LockSupport.parkNanos(delay);
                    creator.kill();
                });
                outcomes.merge(outcome, 1, Integer::sum);
            }
        }
        System.out.println("creator kill: " + outcomes);
        assertTrue(outcomes.getOrDefault(Attach.CREATOR_DIED, 0) > 0, "never killed mid-initialisation: " + outcomes);
    }

    /** The same, killed the moment this test sees INITIALISING: the exact window, every time. */
    @Test
    @Timeout(60)
    void aCreatorKilledWhileInitialisingIsReported() throws Exception {
        int capacity = 1 << 24;
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            MemorySegment mem = shm.segment();
            int died = 0;
            for (int trial = 0; trial < 5; trial++) {
                Attach outcome = attachWhileTheCreatorIsKilled(shm, capacity, creator -> {
                    long deadline = System.nanoTime() + BOUND_NANOS;
                    while (mem.get(ValueLayout.JAVA_INT, RingDescriptor.INIT_STATE_OFFSET)
                            == RingDescriptor.STATE_UNINITIALISED && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    creator.kill();
                });
                died += outcome == Attach.CREATOR_DIED ? 1 : 0;
            }
            assertTrue(died >= 3, "only " + died + " of 5 creators were seen dying while initialising");
        }
    }

    private interface Killer {
        void kill(ChildProcess creator) throws Exception;
    }

    private Attach attachWhileTheCreatorIsKilled(SharedMemory shm, int capacity, Killer killer) throws Exception {
        MemorySegment mem = shm.segment();
        mem.asSlice(0, RingDescriptor.HEADER_LENGTH).fill((byte) 0);
        try (ChildProcess creator = RingNativeTest.peer("create", name, "0", "mpsc", Integer.toString(capacity))
                .start()) {
            Throwable[] killerFailed = new Throwable[1];
            Thread killing = new Thread(() -> {
                try {
                    killer.kill(creator);
                } catch (Throwable t) {
                    killerFailed[0] = t;
                }
            });
            killing.start();
            long t0 = System.nanoTime();
            Attach outcome;
            try {
                MpscRing ring = MpscRing.attach(mem, Duration.ofMillis(150));
                assertEquals(capacity, ring.capacity());
                assertTrue(ring.offer(new byte[] {42}));
                byte[] got = new byte[1];
                assertEquals(1, ring.poll((t, m) -> got[0] = m.get(ValueLayout.JAVA_BYTE, 0), 10));
                assertEquals(42, got[0]);
                outcome = Attach.RING;
            } catch (IpcException e) {
                int state = mem.get(ValueLayout.JAVA_INT, RingDescriptor.INIT_STATE_OFFSET);
                if (e.reason() == IpcException.Reason.CREATOR_DIED) {
                    assertEquals(RingDescriptor.STATE_INITIALISING, state, e.getMessage());
                    assertEquals(creator.pid(), mem.get(ValueLayout.JAVA_INT, RingDescriptor.CREATOR_PID_OFFSET));
                    outcome = Attach.CREATOR_DIED;
                } else if (e.reason() == IpcException.Reason.DOES_NOT_EXIST) {
                    assertEquals(RingDescriptor.STATE_UNINITIALISED, state, e.getMessage());
                    outcome = Attach.NO_RING_YET;
                } else {
                    throw new AssertionError("unexpected answer: " + e.getMessage(), e);
                }
            }
            assertTrue(System.nanoTime() - t0 < BOUND_NANOS, "attach took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            killing.join(BOUND_NANOS / 1_000_000);
            assertNull(killerFailed[0]);
            creator.waitFor();
            return outcome;
        }
    }

    /**
     * A C producer stopped (then killed) at one exact step of an MPSC reservation, reached
     * by doing the steps by hand (ring_peer hold): with a Java producer running throughout,
     * or with the consumer alone (then a new producer must get through afterwards), and
     * with a record that wraps behind padding or not.
     */
    @ParameterizedTest(name = "{0}, other producer {1}, wrapping {2}")
    @CsvSource({
        "lock, true, false",
        "header, true, false",
        "claim, true, false",
        "lock, false, false",
        "header, false, false",
        "padding, false, true",
        "header, false, true",
        "claim, false, true"})
    @Timeout(60)
    void aProducerKilledAtAnExactStepOfItsClaimBlocksNobody(String stage, boolean otherProducer, boolean wrap)
            throws Exception {
        int capacity = 1024;
        int max = RingDescriptor.maxMessageLength(capacity);
        long region = RingDescriptor.regionLength(capacity);
        try (SharedMemory shm = SharedMemory.create(name, region + Long.BYTES)) {
            MemorySegment mem = shm.segment();
            MpscRing ring = MpscRing.create(mem.asSlice(0, region), capacity);
            TestMessages.Verifier v = new TestMessages.Verifier(2, 0, max);
            if (wrap) {
                // 1008 of 1024: a 100-byte message (112 bytes in the ring) goes behind 16 of padding.
                for (int i = 0; i < 7; i++) {
                    assertTrue(ring.offer(new byte[128]));
                }
                assertTrue(ring.offer(new byte[48]));
                assertEquals(8, ring.poll((t, m) -> { }, 10));
                assertEquals(1008, ring.consumerPosition());
            }
            boolean leavesAClaim = stage.equals("header") || stage.equals("claim");
            JavaProducer other = otherProducer ? new JavaProducer(ring, 0, 0, max, 0) : null;
            try (ChildProcess holder = RingNativeTest.peer("hold", name, "0", stage, "100", Long.toString(region))
                    .start()) {
                consumeUntil(ring, v, () -> mem.get(ValueLayout.JAVA_INT, region) == holder.pid(),
                        "the holder reaching its step");
                int lockHolder = RingDescriptor.reserverPid(
                        mem.get(ValueLayout.JAVA_LONG, RingDescriptor.RESERVATION_LOCK_OFFSET));
                if (!stage.equals("claim")) {
                    assertEquals(holder.pid(), lockHolder, "the holder holds the reservation lock");
                }
                holder.kill();
                holder.waitFor();
            }
            if (other != null) {
                try (other) {
                    passedTheDead(ring, v, other, stage);
                    other.stopAndCheck();
                }
                consumeUntil(ring, v, () -> v.delivered(0) == other.committed.get(), "the last messages");
            } else {
                // Whatever the dead one left, the consumer gets past it, and a new producer gets through.
                if (leavesAClaim) {
                    consumeUntil(ring, v, () -> ring.deadProducerRecordsSkipped() == 1, "the dead claim");
                }
                long t0 = System.nanoTime();
                while (!ring.offer(0, MemorySegment.ofArray(TestMessages.bytes(0, 0, TestMessages.size(0, 0, max))))) {
                    assertTrue(System.nanoTime() - t0 < BOUND_NANOS, "no producer got through after the kill");
                    ring.poll(v, 256);
                }
                consumeUntil(ring, v, () -> v.delivered(0) == 1, "a message after the kill");
            }
            assertNull(v.failure, v.failure);
            assertEquals(leavesAClaim ? 1 : 0, ring.deadProducerRecordsSkipped());
            assertEquals(ring.producerPosition(), ring.consumerPosition(), "all consumed");
            assertEquals(0L, mem.get(ValueLayout.JAVA_LONG, RingDescriptor.RESERVATION_LOCK_OFFSET), "lock free");
        }
    }

    /**
     * The C twin's recovery: a C producer takes over a reservation lock whose holder was
     * killed holding it, and a C consumer gets past the claim of a holder killed between
     * its header and its position store, taking the lock over itself.
     */
    @Test
    @Timeout(60)
    void theCTwinRecoversFromAKilledHolderToo() throws Exception {
        int capacity = 1024;
        int max = RingDescriptor.maxMessageLength(capacity);
        long region = RingDescriptor.regionLength(capacity);
        int count = 200;
        try (SharedMemory shm = SharedMemory.create(name, region + Long.BYTES)) {
            MemorySegment mem = shm.segment();
            MpscRing ring = MpscRing.create(mem.asSlice(0, region), capacity);
            killHolderAt(mem, region, "lock");
            TestMessages.Verifier v = new TestMessages.Verifier(1, 0, max);
            try (Piped producer = Piped.start(RingNativeTest.peer("produce", name, "0", "mpsc", "0",
                    Integer.toString(count), "0", Integer.toString(max)))) {
                consumeUntil(ring, v, () -> v.delivered(0) == count, "the C producer's messages");
                assertEquals(RingProcessTest.checksumOf(producer.finish(RingProcessTest.CHILD_TIMEOUT)), v.checksum);
            }
            assertEquals(0L, mem.get(ValueLayout.JAVA_LONG, RingDescriptor.RESERVATION_LOCK_OFFSET));

            killHolderAt(mem, region, "header");
            try (Piped consumer = Piped.start(RingNativeTest.peer("consume", name, "0", "mpsc", "1",
                    Integer.toString(count), "0", Integer.toString(max)))) {
                long deadline = System.nanoTime() + BOUND_NANOS;
                while (ring.deadProducerRecordsSkipped() == 0) {
                    assertTrue(System.nanoTime() - deadline < 0, "the C consumer did not skip the dead claim");
                    Thread.sleep(5);
                }
                for (int seq = 0; seq < count; seq++) {
                    Claim claim = ring.claim(TestMessages.size(seq, 0, max), Duration.ofNanos(BOUND_NANOS));
                    assertTrue(claim != null, "the C consumer stopped: " + consumer.child);
                    TestMessages.fill(claim.segment(), 0, seq);
                    claim.commit();
                }
                assertEquals(TestMessages.expectedChecksum(1, count, 0, max),
                        RingProcessTest.checksumOf(consumer.finish(RingProcessTest.CHILD_TIMEOUT)));
            }
            assertEquals(1, ring.deadProducerRecordsSkipped());
            assertEquals(ring.producerPosition(), ring.consumerPosition());
        }
    }

    /** Runs ring_peer hold up to {@code stage}, kills it there and reaps it. */
    private void killHolderAt(MemorySegment mem, long flag, String stage) throws Exception {
        mem.set(ValueLayout.JAVA_INT, flag, 0);
        try (ChildProcess holder = RingNativeTest.peer("hold", name, "0", stage, "100", Long.toString(flag)).start()) {
            long deadline = System.nanoTime() + BOUND_NANOS;
            while (mem.get(ValueLayout.JAVA_INT, flag) != holder.pid()) {
                assertTrue(System.nanoTime() - deadline < 0, "the holder did not reach its step: " + holder);
                Thread.sleep(1);
            }
            holder.kill();
            holder.waitFor();
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Every other victim spins 200 us inside each claim: at full speed a C producer spends
     * most of its time waiting for room (or for a core, on a busy machine), so few random
     * kills would land mid-claim.
     */
    private static String dawdle(int trial) {
        return trial % 2 == 0 ? "200000" : "0";
    }

    private static long headerAtHead(MemorySegment mem, Ring ring) {
        long head = ring.consumerPosition();
        return mem.get(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH + (head & (ring.capacity() - 1)));
    }

    /**
     * Consumes until the victim has delivered a message, so that the random 0-5 ms that
     * follow fall in its life as a producer (it takes a few ms to start); except in every
     * fourth trial, whose kill may land while it starts or attaches.
     */
    private static void startedProducing(Ring ring, TestMessages.Verifier v, BooleanSupplier delivered, int trial) {
        if (trial % 4 != 1) {
            consumeUntil(ring, v, delivered, "trial " + trial + ": the victim's first message");
        }
    }

    /** Consumes for about {@code nanos}. */
    private static void consumeFor(Ring ring, TestMessages.Verifier v, long nanos) {
        long end = System.nanoTime() + nanos;
        do {
            ring.poll(v, 256);
        } while (System.nanoTime() - end < 0);
    }

    /** Consumes until {@code done}, failing after the bound. */
    private static void consumeUntil(Ring ring, TestMessages.Verifier v, BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail(what + ": not reached in " + BOUND_NANOS / 1_000_000 + " ms; " + ring + ", "
                        + ring.deadProducerRecordsSkipped() + " dead records skipped");
            }
            ring.read(v, 256, Duration.ofMillis(5));
            assertNull(v.failure, v.failure);
        }
    }

    /**
     * After a producer's death: consumes until a message the Java producer claimed after
     * it arrives. {@return how long that took}
     */
    private static long passedTheDead(Ring ring, TestMessages.Verifier v, JavaProducer survivor, String what) {
        long t0 = System.nanoTime();
        // Message n+1 is claimed after the commit that made the count n: after this read.
        long after = survivor.committed.get() + 1;
        consumeUntil(ring, v, () -> v.delivered(survivor.id) > after, what + ": past the dead producer's records");
        survivor.check();
        return System.nanoTime() - t0;
    }

    /** A producer thread of this process that is never killed: test messages of one id, until stopped. */
    private static final class JavaProducer implements AutoCloseable {
        final int id;
        final AtomicLong committed = new AtomicLong();
        private final Thread thread;
        private volatile boolean stop;
        private volatile Throwable failure;

        /** {@code pauseNanos}: how long to sleep after each message, 0 for not at all. */
        JavaProducer(Ring ring, int id, int min, int max, long pauseNanos) {
            this.id = id;
            this.thread = new Thread(() -> {
                try {
                    for (long seq = 0; !stop; ) {
                        Claim claim = ring.claim(TestMessages.size(seq, min, max), Duration.ofMillis(20));
                        if (claim != null) {
                            TestMessages.fill(claim.segment(), id, seq);
                            claim.type(id).commit();
                            committed.set(++seq);
                        }
                        if (pauseNanos > 0) {
                            LockSupport.parkNanos(pauseNanos);
                        }
                    }
                } catch (Throwable t) {
                    failure = t;
                }
            }, "survivor");
            thread.start();
        }

        void check() {
            if (failure != null) {
                throw new AssertionError("the producer that was not killed failed", failure);
            }
        }

        void stopAndCheck() throws InterruptedException {
            stop = true;
            thread.join(BOUND_NANOS / 1_000_000);
            assertTrue(!thread.isAlive(), "the producer that was not killed did not stop");
            check();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(BOUND_NANOS / 1_000_000);
        }
    }
}
