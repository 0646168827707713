package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.process.Spawn;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.jipc.ring.RingProcessTest.CHILD_TIMEOUT;
import static io.jipc.ring.RingProcessTest.checksumOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The C twin (native/jipc_ring.h, .c) against the Java rings: same constants, and messages
 * in both directions between a C process (native/test/ring_peer) and Java.
 *
 * <p>Maven builds ring_peer at test-compile (exec execution make-ring-peer in java/pom.xml)
 * into target/native-test and passes its path as the system property jipc.ring.peer.
 */
@org.junit.jupiter.api.extension.ExtendWith(io.jipc.testing.NoLeaks.class)
class RingNativeTest {
    private final String name = Leaks.uniqueName("ringc");

    /** Removes the name before NoLeaks counts children and descriptors. */
    @AfterEach
    void removeName() throws IpcException {
        SharedMemory.unlink(name);
    }

    static String peer() {
        String path = System.getProperty("jipc.ring.peer", "target/native-test/ring_peer");
        if (!Files.isExecutable(Path.of(path))) {
            throw new AssertionError("no ring_peer at " + path + ": build it with"
                    + " `make -C native OUT=java/target/native-test ring_peer` (Maven does this at test-compile)");
        }
        return Path.of(path).toAbsolutePath().toString();
    }

    static Spawn peer(String... args) {
        return Spawn.command(peer(), args);
    }

    /** Every constant of both descriptors is in jipc_ring.h with the same value, and nothing else is. */
    @Test
    void theCHeaderDescribesTheSameLayout() throws Exception {
        Map<String, Long> c = new TreeMap<>();
        try (Piped layout = Piped.start(peer("layout"))) {
            Piped.Result r = layout.finish(Duration.ofSeconds(30));
            assertTrue(r.status().success(), r.toString());
            for (String line : r.output().trim().split("\n")) {
                String[] parts = line.trim().split(" ");
                c.put(parts[0], Long.parseLong(parts[1]));
            }
        }
        Map<String, Long> java = new TreeMap<>();
        constants(RingDescriptor.class, "JIPC_RING_", java);
        constants(RecordDescriptor.class, "JIPC_RECORD_", java);
        assertEquals(java, c);
        assertTrue(java.size() >= 30, "too few constants compared: " + java.keySet());
    }

    private static void constants(Class<?> descriptor, String prefix, Map<String, Long> into) throws Exception {
        for (Field f : descriptor.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && (f.getType() == int.class || f.getType() == long.class)) {
                into.put(prefix + f.getName(), ((Number) f.get(null)).longValue());
            }
        }
    }

    /**
     * The C twin meets the garbage Java reports as {@link RingCorruptedException} with
     * {@code EUCLEAN}: a length whose rounding overflows an int, and positions that cannot be.
     */
    @Test
    @Timeout(60)
    void theCTwinReportsCorruptionAsEuclean() throws Exception {
        int capacity = 1024;
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            MemorySegment mem = shm.segment();
            SpscRing ring = SpscRing.create(mem, capacity);
            assertTrue(ring.offer(new byte[8]));
            mem.set(java.lang.foreign.ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH + 16,
                    RecordDescriptor.headerWord(0x7FFFFFF9, 0));
            assertEquals("poll=EUCLEAN offer=0", pollOnce());
            mem.set(java.lang.foreign.ValueLayout.JAVA_LONG, RingDescriptor.CONSUMER_POSITION_OFFSET, 1L << 40);
            mem.set(java.lang.foreign.ValueLayout.JAVA_LONG, RingDescriptor.PRODUCER_POSITION_OFFSET, 1L << 41);
            assertEquals("poll=0 offer=EUCLEAN", pollOnce(), "positions further apart than the capacity");
            mem.set(java.lang.foreign.ValueLayout.JAVA_LONG, RingDescriptor.CONSUMER_POSITION_OFFSET, 16 + 3);
            mem.set(java.lang.foreign.ValueLayout.JAVA_LONG, RingDescriptor.PRODUCER_POSITION_OFFSET, 32 + 3);
            assertEquals("poll=EUCLEAN offer=EUCLEAN", pollOnce(), "misaligned positions");
        }
    }

    private String pollOnce() throws Exception {
        try (Piped p = Piped.start(peer("poll", name, "0", "spsc"))) {
            Piped.Result r = p.finish(Duration.ofSeconds(30));
            assertTrue(r.status().success(), r.toString());
            return r.output().trim();
        }
    }

    @Test
    @Timeout(120)
    void cProducerToJavaConsumer() throws Exception {
        int capacity = 4096;
        int max = RingDescriptor.maxMessageLength(capacity);
        long count = 30_000;
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            Ring ring = SpscRing.create(shm.segment(), capacity);
            try (Piped producer = Piped.start(peer("produce", name, "0", "spsc", "0", Long.toString(count), "0",
                    Integer.toString(max)))) {
                TestMessages.Verifier v = new TestMessages.Verifier(1, 0, max);
                RingProcessTest.drain(ring, v, count, List.of(producer));
                assertEquals(checksumOf(producer.finish(CHILD_TIMEOUT)), v.checksum);
                assertEquals(TestMessages.expectedChecksum(1, count, 0, max), v.checksum);
            }
            assertTrue(ring.consumerPosition() > 1000L * capacity);
        }
    }

    /** The C process creates the ring this time; Java attaches to it and produces. */
    @Test
    @Timeout(120)
    void javaProducerToCConsumerThatCreatedTheRing() throws Exception {
        int capacity = 2048;
        int max = RingDescriptor.maxMessageLength(capacity);
        long count = 30_000;
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            try (Piped consumer = Piped.start(peer("consume", name, "0", "spsc", "1", Long.toString(count), "0",
                    Integer.toString(max), "create", Integer.toString(capacity)))) {
                Ring ring = SpscRing.attach(shm.segment(), Duration.ofSeconds(30));
                assertEquals(capacity, ring.capacity());
                for (long seq = 0; seq < count; seq++) {
                    Claim claim = ring.claim(TestMessages.size(seq, 0, max), CHILD_TIMEOUT);
                    assertTrue(claim != null, "the C consumer stopped: " + consumer.child);
                    TestMessages.fill(claim.segment(), 0, seq);
                    claim.commit();
                }
                assertEquals(TestMessages.expectedChecksum(1, count, 0, max), checksumOf(consumer.finish(CHILD_TIMEOUT)));
                assertEquals(ring.producerPosition(), ring.consumerPosition());
            }
        }
    }

    /** One MPSC ring, a C producer and a Java producer process at once, a Java consumer. */
    @Test
    @Timeout(120)
    void mpscWithACAndAJavaProducer() throws Exception {
        int capacity = 8192;
        int max = RingDescriptor.maxMessageLength(capacity);
        long count = 15_000;
        try (SharedMemory shm = SharedMemory.create(name, RingDescriptor.regionLength(capacity))) {
            Ring ring = MpscRing.create(shm.segment(), capacity);
            List<Piped> producers = new ArrayList<>();
            try {
                producers.add(Piped.start(peer("produce", name, "0", "mpsc", "0", Long.toString(count), "0",
                        Integer.toString(max))));
                producers.add(Piped.start(RingProcessTest.child("produce", name, "0", "mpsc", "1",
                        Long.toString(count), "0", Integer.toString(max))));
                TestMessages.Verifier v = new TestMessages.Verifier(2, 0, max);
                RingProcessTest.drain(ring, v, 2 * count, producers);
                long sum = checksumOf(producers.get(0).finish(CHILD_TIMEOUT))
                        + checksumOf(producers.get(1).finish(CHILD_TIMEOUT));
                assertEquals(sum, v.checksum);
                assertEquals(TestMessages.expectedChecksum(2, count, 0, max), v.checksum);
            } finally {
                producers.forEach(Piped::close);
            }
        }
    }

    /** Messages from Java to C, read back by Java: the C consumer must hand over exactly what it got. */
    @Test
    @Timeout(60)
    void cEchoesJavaMessagesBack() throws Exception {
        int capacity = 1024;
        long second = RingDescriptor.regionLength(capacity);
        try (SharedMemory shm = SharedMemory.create(name, 2 * second)) {
            Ring out = SpscRing.create(shm.segment().asSlice(0, second), capacity);
            Ring back = SpscRing.create(shm.segment().asSlice(second, second), capacity);
            int rounds = 2_000;
            try (Piped pong = Piped.start(peer("pong", name, "0", Long.toString(second), Integer.toString(rounds),
                    "sleep"))) {
                for (int i = 0; i < rounds; i++) {
                    byte[] message = TestMessages.bytes(3, i, TestMessages.size(i, 0, 128));
                    out.put(i % 5, MemorySegment.ofArray(message));
                    int expectedType = i % 5;
                    int[] checked = {0};
                    assertEquals(1, back.read((type, m) -> {
                        assertEquals(expectedType, type);
                        assertEquals(-1, MemorySegment.ofArray(message).mismatch(m));
                        checked[0]++;
                    }, 1, Duration.ofSeconds(30)), "no echo from " + pong.child);
                    assertEquals(1, checked[0]);
                }
                assertTrue(pong.finish(CHILD_TIMEOUT).status().success());
            }
        }
    }
}
