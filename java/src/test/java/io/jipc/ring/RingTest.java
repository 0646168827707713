package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.process.ChildProcess;
import io.jipc.process.ProcessIdentity;
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
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One process, many threads at most: the ring's rules, errors and waits. */
class RingTest {
    private final String name = Leaks.uniqueName("ring");
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        SharedMemory.unlink(name);
    }

    private SharedMemory shm(int capacity) throws IpcException {
        SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity) + 4096);
        toClose.add(shm);
        return shm;
    }

    private Ring create(String kind, MemorySegment region, int capacity) {
        return kind.equals("mpsc") ? MpscRing.create(region, capacity) : SpscRing.create(region, capacity);
    }

    // ---------------------------------------------------------------- layout

    @Test
    void headerRegionsAreTwoCacheLinesApartAndFieldsNaturallyAligned() throws Exception {
        int[] regionStarts = {
                RingDescriptor.PRODUCER_POSITION_OFFSET, RingDescriptor.CONSUMER_POSITION_OFFSET,
                RingDescriptor.CONSUMER_SLEEPERS_OFFSET, RingDescriptor.PRODUCER_SLEEPERS_OFFSET,
                RingDescriptor.DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET, RingDescriptor.HEADER_LENGTH};
        int previous = 0;
        for (int start : regionStarts) {
            assertEquals(RingDescriptor.REGION_LENGTH, start - previous);
            previous = start;
        }
        assertEquals(128, RingDescriptor.REGION_LENGTH);
        for (Field f : RingDescriptor.class.getFields()) {
            if (f.getName().endsWith("_OFFSET")) {
                int offset = f.getInt(null);
                int width = f.getName().matches(".*(MAGIC|POSITION|LOCK|START_TIME|SKIPPED)_OFFSET") ? 8 : 4;
                assertEquals(0, offset % width, f.getName() + " misaligned");
                assertTrue(offset + width <= RingDescriptor.HEADER_LENGTH, f.getName());
            }
        }
        byte[] magic = new byte[8];
        ByteBuffer.wrap(magic).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(RingDescriptor.MAGIC);
        assertEquals("JIPCRING", new String(magic, StandardCharsets.US_ASCII));
        assertEquals(8, RecordDescriptor.HEADER_LENGTH);
        assertEquals(-1, RecordDescriptor.PADDING_TYPE);
        assertEquals(RecordDescriptor.headerWord(-48, 1234), 0x0000_04D2_FFFF_FFD0L);
        assertEquals(-48, RecordDescriptor.lengthOf(0x0000_04D2_FFFF_FFD0L));
        assertEquals(1234, RecordDescriptor.typeOf(0x0000_04D2_FFFF_FFD0L));
        assertEquals(RingDescriptor.PRODUCER_POSITION_OFFSET + 8, RingDescriptor.RESERVATION_LOCK_OFFSET);
        long lock = RingDescriptor.reserverWord(4321, 0x1_2345_6789L);
        assertEquals(4321, RingDescriptor.reserverPid(lock));
        assertEquals(0x2345_6789, RingDescriptor.reserverStartTime(lock));
    }

    @Test
    void descriptorsAreConstantsOnly() throws Exception {
        for (Class<?> c : new Class<?>[] {RingDescriptor.class, RecordDescriptor.class}) {
            assertTrue(Modifier.isFinal(c.getModifiers()));
            assertEquals(1, c.getDeclaredConstructors().length);
            assertTrue(Modifier.isPrivate(c.getDeclaredConstructors()[0].getModifiers()));
            for (Field f : c.getDeclaredFields()) {
                assertTrue(Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers()), f.toString());
            }
        }
    }

    // ---------------------------------------------------------------- messages

    /** A small ring wraps hundreds of times; every size from 0 to the maximum goes through. */
    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    void messagesSurviveManyWrapArounds(String kind) throws Exception {
        int capacity = 256;
        Ring ring = create(kind, shm(capacity).segment(), capacity);
        int max = ring.maxMessageLength();
        assertEquals(32, max);
        TestMessages.Verifier v = new TestMessages.Verifier(1, 0, max);
        long sent = 0;
        for (int round = 0; round < 20_000; round++) {
            int size = TestMessages.size(sent, 0, max);
            Claim claim = ring.tryClaim(size);
            if (claim == null) {
                long before = ring.consumerPosition();
                ring.poll(v, 3);
                assertTrue(ring.consumerPosition() > before, "full, yet nothing to read");
                continue;
            }
            if (round % 7 == 3) {
                claim.abort();  // leaves padding that the consumer must skip
                continue;
            }
            TestMessages.fill(claim.segment(), 0, sent);
            claim.commit();
            sent++;
        }
        while (ring.poll(v, 100) > 0) {
            // drain
        }
        assertNull(v.failure, v.failure);
        assertEquals(sent, v.received);
        assertTrue(ring.consumerPosition() > 100L * capacity, "only " + ring.consumerPosition() + " bytes went round");
        assertEquals(ring.producerPosition(), ring.consumerPosition());
    }

    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    void copyingProducersCarryTypesAndBytes(String kind) throws Exception {
        Ring ring = create(kind, shm(1024).segment(), 1024);
        assertTrue(ring.offer(new byte[] {1, 2, 3}));
        ByteBuffer direct = ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, 42);
        assertTrue(ring.offer(direct));
        assertEquals(8, direct.position(), "a written buffer is consumed");
        ring.put(7, MemorySegment.ofArray(new byte[] {9}));
        assertTrue(ring.offer(5, MemorySegment.ofArray(new byte[0]), Duration.ofMillis(10)));
        ring.put(ByteBuffer.wrap(new byte[] {4, 4}));
        List<String> got = new ArrayList<>();
        assertEquals(5, ring.poll((type, m) -> got.add(type + ":" + m.byteSize() + ":"
                + (m.byteSize() == 0 ? "-" : Byte.toString(m.get(ValueLayout.JAVA_BYTE, 0)))), 10));
        assertEquals(List.of("0:3:1", "0:8:42", "7:1:9", "5:0:-", "0:2:4"), got);
    }

    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    void zeroByteMessagesAreMessages(String kind) throws Exception {
        Ring ring = create(kind, shm(64).segment(), 64);
        Claim claim = ring.tryClaim(0);
        assertNotNull(claim);
        assertEquals(0, claim.segment().byteSize());
        claim.type(3).commit();
        assertTrue(ring.offer(MemorySegment.NULL.reinterpret(0)));
        List<Integer> types = new ArrayList<>();
        assertEquals(2, ring.poll((type, m) -> {
            assertEquals(0, m.byteSize());
            types.add(type);
        }, 10));
        assertEquals(List.of(3, Ring.DEFAULT_TYPE), types);
        assertEquals(16, ring.consumerPosition(), "two bare headers");
    }

    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    void badSizesTypesAndLimitsAreClearErrors(String kind) throws Exception {
        Ring ring = create(kind, shm(4096).segment(), 4096);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ring.tryClaim(513));
        assertTrue(e.getMessage().contains("513") && e.getMessage().contains("512")
                && e.getMessage().contains("4096"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ring.offer(new byte[513]));
        assertThrows(IllegalArgumentException.class, () -> ring.put(ByteBuffer.allocate(100_000)));
        assertThrows(IllegalArgumentException.class, () -> ring.claim(-1));
        assertThrows(IllegalArgumentException.class, () -> ring.offer(-2, MemorySegment.ofArray(new byte[1])));
        assertThrows(IllegalArgumentException.class, () -> ring.poll((t, m) -> { }, 0));
        Claim claim = ring.tryClaim(512);
        assertThrows(IllegalArgumentException.class, () -> claim.type(-1));
        claim.commit();
        assertEquals(520, ring.producerPosition() - ring.consumerPosition());
    }

    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    void commitAndAbortHappenOnce(String kind) throws Exception {
        Ring ring = create(kind, shm(1024).segment(), 1024);
        Claim a = ring.tryClaim(8);
        a.commit();
        assertThrows(IllegalStateException.class, a::commit);
        assertThrows(IllegalStateException.class, a::abort);
        assertThrows(IllegalStateException.class, a::segment);
        Claim b = ring.tryClaim(8);
        b.abort();
        IllegalStateException e = assertThrows(IllegalStateException.class, b::commit);
        assertTrue(e.getMessage().contains("aborted"), e.getMessage());
        long[] count = new long[1];
        assertEquals(1, ring.poll((t, m) -> count[0]++, 10), "the aborted record is padding, not a message");
        assertEquals(ring.producerPosition(), ring.consumerPosition());
    }

    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    void fullAndEmptyAreAnswersNotWaits(String kind) throws Exception {
        Ring ring = create(kind, shm(1024).segment(), 1024);
        assertEquals(0, ring.poll((t, m) -> { }, 10));
        int fitted = 0;
        while (ring.offer(new byte[120])) {
            fitted++;
        }
        assertEquals(1024 / 128, fitted);
        long t0 = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            assertNull(ring.tryClaim(1));
            assertFalse(ring.offer(new byte[1]));
        }
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "non-blocking calls waited");
        assertEquals(fitted, ring.poll((t, m) -> { }, 100));
        t0 = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            assertEquals(0, ring.poll((t, m) -> { }, 10));
        }
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "non-blocking calls waited");
    }

    @Test
    void aRecordThatWouldStraddleTheEndGoesBehindPadding() throws Exception {
        Ring ring = SpscRing.create(shm(512).segment(), 512);
        for (int i = 0; i < 15; i++) {
            assertTrue(ring.offer(new byte[24]));
        }
        assertEquals(15, ring.poll((t, m) -> { }, 100));
        assertEquals(480, ring.consumerPosition());
        // 64 bytes do not fit in the 32 left before the end: 32 bytes of padding, then index 0.
        assertTrue(ring.offer(new byte[56]));
        assertEquals(480 + 32 + 64, ring.producerPosition());
        List<Long> sizes = new ArrayList<>();
        // Padding is no message, and one poll goes past it: the message behind it is ready.
        assertEquals(1, ring.poll((t, m) -> sizes.add(m.byteSize()), 10));
        assertEquals(List.of(56L), sizes);
        assertEquals(512 + 64, ring.consumerPosition(), "the padding is consumed too");
    }

    /**
     * Positions are 64-bit: a producer whose cached consumer position is more than 4 GiB
     * old (idle while others moved that much) must still see a full ring as full.
     */
    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    void positionsBeyondFourGibibytesAndStaleCachesAreSafe(String kind) throws Exception {
        MemorySegment mem = shm(1024).segment();
        Ring consumer = create(kind, mem, 1024);
        Ring idle = kind.equals("mpsc") ? MpscRing.attach(mem) : SpscRing.attach(mem);
        // Nearly full (one 64-byte space block released), 4 GiB after the idle producer's cached
        // consumer position: the 32-bit difference would be 0 and the ring would look empty.
        assertEquals(64, RingDescriptor.spaceBlock(1024));
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.PRODUCER_POSITION_OFFSET, 4L << 32);
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.CONSUMER_POSITION_OFFSET, (4L << 32) - 1024 + 64);
        assertTrue(idle.offer(new byte[56]));
        assertFalse(idle.offer(new byte[8]), "a full ring must refuse");

        long far = (5L << 32) + 512;
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.PRODUCER_POSITION_OFFSET, far);
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.CONSUMER_POSITION_OFFSET, far);
        int fitted = 0;
        while (fitted < 100 && idle.offer(MemorySegment.ofArray(new long[] {fitted}))) {
            fitted++;
        }
        assertEquals(1024 / 16, fitted, "a full ring must refuse");
        long[] next = {0};
        RecordHandler inOrder = (t, m) -> assertEquals(next[0]++, m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        // One batch is one contiguous block: up to the end of the data area, then from index 0.
        assertEquals(32, consumer.poll(inOrder, 1000));
        assertEquals(32, consumer.poll(inOrder, 1000));
        assertEquals(far + 1024, consumer.consumerPosition());
    }

    @Test
    void handlersSeeReadOnlySlicesAndSpaceIsReleasedOncePerBatch() throws Exception {
        Ring ring = MpscRing.create(shm(1024).segment(), 1024);
        for (int i = 0; i < 4; i++) {
            ring.offer(new byte[] {(byte) i});
        }
        long before = ring.consumerPosition();
        int n = ring.poll((t, m) -> {
            assertTrue(m.isReadOnly());
            assertThrows(RuntimeException.class, () -> m.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
            assertEquals(before, ring.consumerPosition(), "space released while handlers still run");
        }, 10);
        assertEquals(4, n);
        assertEquals(before + 4 * 16, ring.consumerPosition());

        // A throwing handler: its message counts as consumed, the batch's space is released.
        for (int i = 0; i < 3; i++) {
            ring.offer(new byte[] {(byte) i});
        }
        AtomicLong seen = new AtomicLong();
        assertThrows(IllegalStateException.class, () -> ring.poll((t, m) -> {
            if (seen.incrementAndGet() == 2) {
                throw new IllegalStateException("handler failed");
            }
        }, 10));
        assertEquals(before + 6 * 16, ring.consumerPosition());
        List<Byte> rest = new ArrayList<>();
        assertEquals(1, ring.poll((t, m) -> rest.add(m.get(ValueLayout.JAVA_BYTE, 0)), 10));
        assertEquals(List.of((byte) 2), rest);
    }

    // ---------------------------------------------------------------- waiting

    @Test
    @Timeout(30)
    void timedWaitsReturnAfterAboutTheirTimeout() throws Exception {
        Ring ring = SpscRing.create(shm(64).segment(), 64);
        long t0 = System.nanoTime();
        assertEquals(0, ring.read((t, m) -> { }, 1, Duration.ofMillis(300)));
        long waited = System.nanoTime() - t0;
        assertTrue(waited >= 300_000_000L && waited < 5_000_000_000L, "read waited " + waited / 1_000_000 + " ms");

        while (ring.offer(new byte[8])) {
            // fill
        }
        t0 = System.nanoTime();
        assertNull(ring.claim(8, Duration.ofMillis(300)));
        waited = System.nanoTime() - t0;
        assertTrue(waited >= 300_000_000L && waited < 5_000_000_000L, "claim waited " + waited / 1_000_000 + " ms");
        t0 = System.nanoTime();
        assertFalse(ring.offer(new byte[8], Duration.ofMillis(200)));
        waited = System.nanoTime() - t0;
        assertTrue(waited >= 200_000_000L && waited < 5_000_000_000L, "offer waited " + waited / 1_000_000 + " ms");
        assertFalse(ring.offer(new byte[8], Duration.ZERO));
        assertFalse(ring.offer(new byte[8], Duration.ofSeconds(-1)));
    }

    /** Both sides blocked for 2 s: they sleep in the kernel, so their threads use almost no CPU. */
    @Test
    @Timeout(30)
    void blockedSidesUseAlmostNoCpu() throws Exception {
        MemorySegment mem = shm(64).segment();
        Ring empty = SpscRing.create(mem, 64);
        Ring full = SpscRing.create(mem.asSlice(1024), 64);
        while (full.offer(new byte[8])) {
            // fill
        }
        AtomicLong consumerCpu = new AtomicLong(-1);
        AtomicLong producerCpu = new AtomicLong(-1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            long c0 = threadCpuNanos();
            int n = empty.read((t, m) -> { }, 1, Duration.ofSeconds(2));
            consumerCpu.set(n == 0 ? threadCpuNanos() - c0 : -2);
        });
        Thread producer = new Thread(() -> {
            long c0 = threadCpuNanos();
            boolean written = full.offer(new byte[8], Duration.ofSeconds(2));
            producerCpu.set(written ? -2 : threadCpuNanos() - c0);
        });
        consumer.setUncaughtExceptionHandler((t, e) -> failed.set(e));
        producer.setUncaughtExceptionHandler((t, e) -> failed.set(e));
        long t0 = System.nanoTime();
        consumer.start();
        producer.start();
        consumer.join();
        producer.join();
        assertNull(failed.get());
        assertTrue(System.nanoTime() - t0 >= 2_000_000_000L);
        // 5% of one core over 2 s is 100 ms.
        assertTrue(consumerCpu.get() >= 0 && consumerCpu.get() < 100_000_000L,
                "blocked consumer used " + consumerCpu.get() / 1_000_000 + " ms of CPU");
        assertTrue(producerCpu.get() >= 0 && producerCpu.get() < 100_000_000L,
                "blocked producer used " + producerCpu.get() / 1_000_000 + " ms of CPU");
    }

    /**
     * CPU time (user + system) of the calling thread, from /proc/thread-self/stat fields 14
     * and 15, in clock ticks of 10 ms (USER_HZ is 100 on every Linux ABI).
     */
    private static long threadCpuNanos() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Threads of one process wake each other through the same futex protocol. */
    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    @Timeout(60)
    void aSleepingConsumerIsWokenByEachCommit(String kind) throws Exception {
        Ring ring = create(kind, shm(128).segment(), 128);
        int rounds = 30;
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            for (int i = 0; i < rounds; i++) {
                // Lockstep: each message finds the reader waiting on an empty ring...
                while (ring.consumerPosition() != ring.producerPosition()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000L);
                }
                // ...for longer than its spin phase, even interpreted: asleep in the kernel.
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
                ring.put(MemorySegment.ofArray(new long[] {i}));
            }
        });
        producer.setUncaughtExceptionHandler((t, e) -> failed.set(e));
        long t0 = System.nanoTime();
        producer.start();
        long[] next = {0};
        for (int i = 0; i < rounds; i++) {
            assertEquals(1, ring.read((t, m) -> assertEquals(next[0]++, m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)), 1));
        }
        producer.join();
        assertNull(failed.get());
        long elapsed = System.nanoTime() - t0;
        // Woken by the producer, a round takes ~20 ms; a lost wake-up costs a 1 s sleep slice.
        assertTrue(elapsed < 15_000_000_000L, rounds + " rounds took " + elapsed / 1_000_000 + " ms: wake-ups were lost");
    }

    // ---------------------------------------------------------------- lifetime

    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    void closedMemoryMakesEveryOperationThrow(String kind) throws Exception {
        SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(1024));
        Ring ring = create(kind, shm.segment(), 1024);
        Claim claim = ring.tryClaim(8);
        shm.close();
        assertThrows(IllegalStateException.class, () -> ring.tryClaim(8));
        assertThrows(IllegalStateException.class, () -> ring.claim(8));
        assertThrows(IllegalStateException.class, () -> ring.offer(new byte[1]));
        assertThrows(IllegalStateException.class, () -> ring.put(new byte[1]));
        assertThrows(IllegalStateException.class, () -> ring.poll((t, m) -> { }, 1));
        assertThrows(IllegalStateException.class, () -> ring.read((t, m) -> { }, 1));
        assertThrows(IllegalStateException.class, () -> ring.read((t, m) -> { }, 1, Duration.ofSeconds(1)));
        assertThrows(IllegalStateException.class, ring::unblock);
        assertThrows(IllegalStateException.class, ring::capacity);
        assertThrows(IllegalStateException.class, ring::maxMessageLength);
        assertThrows(IllegalStateException.class, ring::producerPosition);
        assertThrows(IllegalStateException.class, ring::consumerPosition);
        assertThrows(IllegalStateException.class, ring::deadProducerRecordsSkipped);
        assertThrows(IllegalStateException.class, claim::commit);
        assertEquals(kind.equals("mpsc") ? "MpscRing[closed]" : "SpscRing[closed]", ring.toString());
    }

    @Test
    void createRejectsBadRegionsAndCapacities() throws Exception {
        MemorySegment mem = shm(4096).segment();
        for (int bad : new int[] {0, 32, 100, 1000, -64, 1 << 31}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpscRing.create(mem, bad));
            assertTrue(e.getMessage().contains("power of two"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MpscRing.create(mem, 16384));
        assertTrue(e.getMessage().contains("regionLength"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SpscRing.create(mem.asSlice(4), 1024));
        assertThrows(IllegalArgumentException.class, () -> SpscRing.create(MemorySegment.ofArray(new long[1000]), 1024));
        assertThrows(IllegalArgumentException.class, () -> SpscRing.create(mem.asReadOnly(), 1024));
        assertThrows(IllegalArgumentException.class, () -> SpscRing.attach(mem.asSlice(0, 100)));
        assertThrows(NullPointerException.class, () -> SpscRing.attach(null));
    }

    // ---------------------------------------------------------------- attach

    @Test
    void attachFindsTheRingAndItsKind() throws Exception {
        MemorySegment mem = shm(1024).segment();
        Ring created = MpscRing.create(mem, 1024);
        created.offer(new byte[] {5});
        Ring attached = MpscRing.attach(mem);
        assertEquals(1024, attached.capacity());
        byte[] got = new byte[1];
        assertEquals(1, attached.poll((t, m) -> got[0] = m.get(ValueLayout.JAVA_BYTE, 0), 1));
        assertArrayEquals(new byte[] {5}, got);
        IpcException e = assertThrows(IpcException.class, () -> SpscRing.attach(mem));
        assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());
        assertTrue(e.getMessage().contains("MPSC"), e.getMessage());
    }

    @Test
    void attachRefusesForeignOrNewerLayouts() throws Exception {
        MemorySegment mem = shm(1024).segment();
        SpscRing.create(mem, 1024);
        mem.set(ValueLayout.JAVA_INT, RingDescriptor.LAYOUT_VERSION_OFFSET, RingDescriptor.LAYOUT_VERSION + 1);
        IpcException e = assertThrows(IpcException.class, () -> SpscRing.attach(mem));
        assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());
        assertTrue(e.getMessage().contains("reads version " + RingDescriptor.LAYOUT_VERSION), e.getMessage());

        SpscRing.create(mem, 1024);
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.MAGIC_OFFSET, 0x1234L);
        e = assertThrows(IpcException.class, () -> SpscRing.attach(mem));
        assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());

        SpscRing.create(mem, 1024);
        mem.set(ValueLayout.JAVA_INT, RingDescriptor.CAPACITY_OFFSET, 1 << 20);
        e = assertThrows(IpcException.class, () -> SpscRing.attach(mem));
        assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());
        assertTrue(e.getMessage().contains("region has only"), e.getMessage());

        SpscRing.create(mem, 1024);
        mem.set(ValueLayout.JAVA_INT, RingDescriptor.INIT_STATE_OFFSET, 77);
        e = assertThrows(IpcException.class, () -> SpscRing.attach(mem));
        assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());
    }

    @Test
    void attachToZeroMemoryWaitsThenSaysThereIsNoRing() throws Exception {
        MemorySegment mem = shm(1024).segment();
        long t0 = System.nanoTime();
        IpcException e = assertThrows(IpcException.class, () -> SpscRing.attach(mem, Duration.ofMillis(200)));
        assertTrue(System.nanoTime() - t0 >= 200_000_000L);
        assertEquals(IpcException.Reason.DOES_NOT_EXIST, e.reason());
    }

    /** A creator killed mid-init, simulated: the header says INITIALISING by a pid that is gone. */
    @Test
    @Timeout(30)
    void attachReportsACreatorThatDiedInitialising() throws Exception {
        MemorySegment mem = shm(1024).segment();
        int deadPid;
        try (ChildProcess child = Spawn.command("true").start()) {
            deadPid = child.pid();
            assertTrue(child.waitFor().success());
        }
        writeInitialisingHeader(mem, deadPid, 0);
        long t0 = System.nanoTime();
        IpcException e = assertThrows(IpcException.class, () -> MpscRing.attach(mem));
        assertEquals(IpcException.Reason.CREATOR_DIED, e.reason());
        assertTrue(e.getMessage().contains("pid " + deadPid), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "a dead creator is reported at once");

        // A live pid whose start time differs is a recycled pid: the creator is dead too.
        ProcessIdentity me = ProcessIdentity.current();
        writeInitialisingHeader(mem, me.pid(), me.startTime() + 1);
        e = assertThrows(IpcException.class, () -> MpscRing.attach(mem));
        assertEquals(IpcException.Reason.CREATOR_DIED, e.reason());

        // A live creator that never finishes: the attacher gives up after its timeout.
        writeInitialisingHeader(mem, me.pid(), me.startTime());
        t0 = System.nanoTime();
        e = assertThrows(IpcException.class, () -> MpscRing.attach(mem, Duration.ofMillis(200)));
        assertEquals(IpcException.Reason.OTHER, e.reason());
        assertTrue(System.nanoTime() - t0 >= 200_000_000L);
    }

    private static void writeInitialisingHeader(MemorySegment mem, int pid, long startTime) {
        mem.asSlice(0, RingDescriptor.HEADER_LENGTH).fill((byte) 0);
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.MAGIC_OFFSET, RingDescriptor.MAGIC);
        mem.set(ValueLayout.JAVA_INT, RingDescriptor.LAYOUT_VERSION_OFFSET, RingDescriptor.LAYOUT_VERSION);
        mem.set(ValueLayout.JAVA_INT, RingDescriptor.CREATOR_PID_OFFSET, pid);
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.CREATOR_START_TIME_OFFSET, startTime);
        mem.set(ValueLayout.JAVA_INT, RingDescriptor.INIT_STATE_OFFSET, RingDescriptor.STATE_INITIALISING);
    }

    // ---------------------------------------------------------------- dead producers

    /** A claimed header naming a pid that is gone (written by hand here) is skipped and counted. */
    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    @Timeout(30)
    void aClaimOfADeadProcessIsSkippedAndCounted(String kind) throws Exception {
        MemorySegment mem = shm(1024).segment();
        Ring ring = create(kind, mem, 1024);
        int deadPid;
        try (ChildProcess child = Spawn.command("true").start()) {
            deadPid = child.pid();
            child.waitFor();
        }
        Claim claim = ring.tryClaim(24);
        // Make the claim look like the dead process's.
        long header = RingDescriptor.HEADER_LENGTH;
        mem.set(ValueLayout.JAVA_LONG, header, RecordDescriptor.claimWord(32, deadPid, 0));
        ring.offer(new byte[] {7});
        long t0 = System.nanoTime();
        byte[] got = new byte[1];
        assertEquals(1, ring.read((t, m) -> got[0] = m.get(ValueLayout.JAVA_BYTE, 0), 10, Duration.ofSeconds(10)));
        long took = System.nanoTime() - t0;
        assertEquals(7, got[0]);
        assertEquals(1, ring.deadProducerRecordsSkipped());
        assertTrue(took >= RingConsumer.STALL_NANOS && took < 5_000_000_000L, "skipped after " + took / 1_000_000 + " ms");
        IllegalStateException e = assertThrows(IllegalStateException.class, claim::commit);
        assertTrue(e.getMessage().contains("reclaimed"), e.getMessage());
    }

    @Test
    void aLiveClaimIsNeverSkipped() throws Exception {
        Ring ring = MpscRing.create(shm(1024).segment(), 1024);
        Claim claim = ring.tryClaim(8);
        ring.offer(new byte[1]);
        assertEquals(0, ring.read((t, m) -> { }, 10, Duration.ofMillis(400)));
        assertFalse(ring.unblock());
        claim.commit();
        assertEquals(2, ring.poll((t, m) -> { }, 10));
        assertEquals(0, ring.deadProducerRecordsSkipped());
    }

    /**
     * An MPSC producer killed while reserving holds the reservation lock (faked here with
     * the word of a dead process): the next producer takes it over, moving the producer
     * position past any header the dead holder wrote, whose claim the consumer then skips.
     */
    @Test
    @Timeout(30)
    void aReservationLockOfADeadProcessIsTakenOverByTheNextProducer() throws Exception {
        MemorySegment mem = shm(256).segment();
        MpscRing ring = MpscRing.create(mem, 256);
        long dead = RingDescriptor.reserverWord(deadPid(), 0);
        List<Byte> got = new ArrayList<>();
        RecordHandler collect = (t, m) -> got.add(m.get(ValueLayout.JAVA_BYTE, 0));

        // Dead before it wrote anything: the lock is simply taken over, even by a non-blocking offer.
        setLock(mem, dead);
        assertTrue(ring.offer(new byte[] {1}));
        assertEquals(0L, lockOf(mem));
        assertEquals(16, ring.producerPosition());

        // Dead after its claimed header, before moving the position.
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH + 16,
                RecordDescriptor.claimWord(24, RingDescriptor.reserverPid(dead), 0));
        setLock(mem, dead);
        assertNotNull(ring.claim(1, Duration.ofSeconds(10)), "a blocking claim recovers too");
        assertEquals(16 + 24 + 16, ring.producerPosition());
        assertEquals(0L, lockOf(mem));
        long t0 = System.nanoTime();
        assertEquals(1, ring.read(collect, 10, Duration.ofSeconds(10)));
        assertEquals(0, ring.read(collect, 10, Duration.ofMillis(300)), "the dead claim, then our own open one");
        long took = System.nanoTime() - t0;
        assertEquals(List.of((byte) 1), got);
        assertEquals(1, ring.deadProducerRecordsSkipped());
        assertEquals(16 + 24, ring.consumerPosition());
        assertTrue(took >= RingConsumer.STALL_NANOS, "skipped after " + took / 1_000_000 + " ms");
    }

    /**
     * The holder died wrapping: padding to the end written (and consumed, so the consumer
     * is past the producer position), claimed header at index 0 written. With no other
     * producer, the consumer itself recovers the lock to skip the claim.
     */
    @Test
    @Timeout(30)
    void theConsumerRecoversALockWhoseDeadHolderLeftAClaimBeyondThePosition() throws Exception {
        MemorySegment mem = shm(256).segment();
        MpscRing ring = MpscRing.create(mem, 256);
        for (int i = 0; i < 5; i++) {
            assertTrue(ring.offer(new byte[32]));
        }
        assertEquals(5, ring.poll((t, m) -> { }, 10));
        assertEquals(200, ring.consumerPosition());
        int deadPid = deadPid();
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH + 200,
                RecordDescriptor.headerWord(56, RecordDescriptor.PADDING_TYPE));
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH, RecordDescriptor.claimWord(32, deadPid, 0));
        setLock(mem, RingDescriptor.reserverWord(deadPid, 0));

        assertEquals(0, ring.read((t, m) -> { }, 10, Duration.ofSeconds(1)));
        assertEquals(256 + 32, ring.consumerPosition(), "padding and the dead claim skipped");
        assertEquals(256 + 32, ring.producerPosition());
        assertEquals(1, ring.deadProducerRecordsSkipped());
        assertEquals(0L, lockOf(mem));
        assertTrue(ring.offer(new byte[] {9}));
        byte[] got = new byte[1];
        assertEquals(1, ring.poll((t, m) -> got[0] = m.get(ValueLayout.JAVA_BYTE, 0), 10));
        assertEquals(9, got[0]);
    }

    /** The holder died right after its padding header: a producer moves the position up to the consumer. */
    @Test
    @Timeout(30)
    void aLockWhoseDeadHolderWroteOnlyPaddingIsRepairedPastTheConsumer() throws Exception {
        MemorySegment mem = shm(256).segment();
        MpscRing ring = MpscRing.create(mem, 256);
        for (int i = 0; i < 5; i++) {
            assertTrue(ring.offer(new byte[32]));
        }
        assertEquals(5, ring.poll((t, m) -> { }, 10));
        assertEquals(200, ring.consumerPosition());
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH + 200,
                RecordDescriptor.headerWord(56, RecordDescriptor.PADDING_TYPE));
        setLock(mem, RingDescriptor.reserverWord(deadPid(), 0));
        assertEquals(0, ring.poll((t, m) -> { }, 10));
        assertEquals(256, ring.consumerPosition(), "the consumer took the padding");
        assertEquals(200, ring.producerPosition());
        assertTrue(ring.unblock(), "recovers the lock");
        assertFalse(ring.unblock(), "nothing left to recover");
        assertEquals(256, ring.producerPosition());
        assertTrue(ring.offer(new byte[] {3}));
        assertEquals(1, ring.poll((t, m) -> assertEquals(3, m.get(ValueLayout.JAVA_BYTE, 0)), 10));
        assertEquals(0, ring.deadProducerRecordsSkipped());
    }

    /**
     * A lock held by a live process is never taken: non-blocking claims answer "no room",
     * timed ones time out. Held by a process that ends, or by a recycled pid (same pid,
     * another start time), it is taken over.
     */
    @Test
    @Timeout(30)
    void aLiveHolderIsWaitedForAndARecycledPidIsNot() throws Exception {
        MemorySegment mem = shm(1024).segment();
        MpscRing ring = MpscRing.create(mem, 1024);
        try (ChildProcess child = Spawn.command("sleep", "30").start()) {
            ProcessIdentity id = ProcessIdentity.of(child.pid()).orElseThrow();
            setLock(mem, RingDescriptor.reserverWord(id.pid(), id.startTime()));
            assertNull(ring.tryClaim(8));
            assertFalse(ring.offer(new byte[8]));
            long t0 = System.nanoTime();
            assertFalse(ring.offer(new byte[8], Duration.ofMillis(50)));
            assertTrue(System.nanoTime() - t0 >= 50_000_000L);
            assertFalse(ring.unblock());
            assertEquals(0, ring.producerPosition());

            setLock(mem, RingDescriptor.reserverWord(id.pid(), id.startTime() + 1));
            assertTrue(ring.offer(new byte[8]), "a recycled pid is no holder");

            setLock(mem, RingDescriptor.reserverWord(id.pid(), id.startTime()));
            AtomicReference<Claim> claimed = new AtomicReference<>();
            Thread waiter = new Thread(() -> claimed.set(ring.claim(8, Duration.ofSeconds(20))));
            waiter.start();
            Thread.sleep(50);
            assertTrue(waiter.isAlive(), "waits for a live holder");
            child.kill();
            waiter.join(20_000);
            assertNotNull(claimed.get(), "takes the lock over once the holder is dead");
            claimed.get().commit();
        }
        assertEquals(2, ring.poll((t, m) -> { }, 10));
    }

    /**
     * An SPSC producer killed between its claimed header (here behind padding, at index 0)
     * and its position store: the consumer takes the padding, skips the claim and moves
     * the producer position past it, so that a producer attaching later starts there.
     */
    @Test
    @Timeout(30)
    void anSpscClaimBeyondThePositionIsSkippedAndThePositionMoved() throws Exception {
        MemorySegment mem = shm(256).segment();
        SpscRing ring = SpscRing.create(mem, 256);
        for (int i = 0; i < 5; i++) {
            assertTrue(ring.offer(new byte[32]));
        }
        assertEquals(5, ring.poll((t, m) -> { }, 10));
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH + 200,
                RecordDescriptor.headerWord(56, RecordDescriptor.PADDING_TYPE));
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH, RecordDescriptor.claimWord(20, deadPid(), 0));
        assertEquals(0, ring.read((t, m) -> { }, 10, Duration.ofSeconds(1)));
        assertEquals(1, ring.deadProducerRecordsSkipped());
        assertEquals(256 + 24, ring.consumerPosition());
        assertEquals(256 + 24, ring.producerPosition());
        SpscRing next = SpscRing.attach(mem);
        assertTrue(next.offer(new byte[] {5}));
        assertEquals(1, ring.poll((t, m) -> assertEquals(5, m.get(ValueLayout.JAVA_BYTE, 0)), 10));
    }

    /**
     * A claim names its claimer by pid and start time: a claim of a pid that now belongs to
     * another process (the claimer died, its pid was reused) is skipped like any dead claim,
     * while the live claimer's own claim is waited for until it ends.
     */
    @Test
    @Timeout(60)
    void aClaimWhosePidWasReusedIsDeadAndTheLiveClaimersIsNot() throws Exception {
        MemorySegment mem = shm(1024).segment();
        SpscRing ring = SpscRing.create(mem, 1024);
        try (ChildProcess child = Spawn.command("sleep", "30").start()) {
            ProcessIdentity id = ProcessIdentity.of(child.pid()).orElseThrow();
            long earlier = RecordDescriptor.claimWord(32, id.pid(), id.startTime() - 1);
            long own = RecordDescriptor.claimWord(32, id.pid(), id.startTime());
            assertEquals(id.pid(), RecordDescriptor.claimPid(own));
            assertEquals(32, RecordDescriptor.claimLength(own));
            assertEquals(RecordDescriptor.stampOf(id.startTime()), RecordDescriptor.claimStamp(own));
            assertTrue(RecordDescriptor.lengthOf(own) < 0, "a claim reads as claimed");

            mem.set(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH, earlier);
            mem.set(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH + 32, own);
            assertEquals(0, ring.read((t, m) -> { }, 10, Duration.ofSeconds(2)));
            assertEquals(1, ring.deadProducerRecordsSkipped(), "the pid's earlier owner is dead");
            assertEquals(32, ring.consumerPosition());
            assertEquals(0, ring.read((t, m) -> { }, 10, Duration.ofMillis(300)));
            assertFalse(ring.unblock(), "the pid's present owner is the claimer, alive");
            assertEquals(32, ring.consumerPosition());

            child.kill();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!ring.unblock()) {
                assertTrue(System.nanoTime() < deadline, "the claim of a killed claimer stays");
                Thread.sleep(5);
            }
            assertEquals(2, ring.deadProducerRecordsSkipped());
        }
    }

    private static int deadPid() throws Exception {
        try (ChildProcess child = Spawn.command("true").start()) {
            child.waitFor();
            return child.pid();
        }
    }

    private static void setLock(MemorySegment mem, long word) {
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.RESERVATION_LOCK_OFFSET, word);
    }

    private static long lockOf(MemorySegment mem) {
        return mem.get(ValueLayout.JAVA_LONG, RingDescriptor.RESERVATION_LOCK_OFFSET);
    }

    @Test
    void processIdentityTellsTheLivingFromTheDead() throws Exception {
        ProcessIdentity me = ProcessIdentity.current();
        assertEquals(ProcessHandle.current().pid(), me.pid());
        assertTrue(me.startTime() > 0);
        assertTrue(me.isAlive());
        assertEquals(me, ProcessIdentity.of(me.pid()).orElseThrow());
        assertFalse(new ProcessIdentity(me.pid(), me.startTime() + 1).isAlive(), "recycled pid");
        try (ChildProcess child = Spawn.command("sleep", "30").start()) {
            assertTrue(ProcessIdentity.isAlive(child.pid()));
            ProcessIdentity id = ProcessIdentity.of(child.pid()).orElseThrow();
            child.kill();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (id.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // Killed but not reaped: a zombie, which is not alive.
            assertFalse(id.isAlive());
            assertFalse(ProcessIdentity.isAlive(child.pid()));
            assertTrue(ProcessIdentity.of(child.pid()).isEmpty());
        }
        assertFalse(ProcessIdentity.isAlive(0));
        assertThrows(IllegalArgumentException.class, () -> new ProcessIdentity(0, 0));
    }
}
