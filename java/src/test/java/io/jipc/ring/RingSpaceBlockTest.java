package io.jipc.ring;

import io.jipc.shm.SharedMemory;
import io.jipc.testing.Blocked;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Space returns to producers a space block at a time (layout version 5): what a producer
 * may use, and when a sleeping producer is woken.
 */
class RingSpaceBlockTest {
    private static final int CAPACITY = 1024;
    /** 8-byte messages: 16-byte records, four to a 64-byte block. */
    private static final int RECORD = 16;

    private final String name = Leaks.uniqueName("ringblock");
    private SharedMemory shm;

    @AfterEach
    void cleanUp() throws Exception {
        if (shm != null) {
            shm.close();
        }
        SharedMemory.unlink(name);
    }

    private MemorySegment region() throws Exception {
        shm = SharedMemory.create(name, RingDescriptor.regionLength(CAPACITY));
        return shm.segment();
    }

    private static Ring create(String kind, MemorySegment region) {
        return kind.equals("mpsc") ? MpscRing.create(region, CAPACITY) : SpscRing.create(region, CAPACITY);
    }

    private static int fill(Ring ring) {
        int n = 0;
        while (ring.offer(MemorySegment.ofArray(new long[] {n}))) {
            n++;
        }
        return n;
    }

    @Test
    void theBlockIsASixteenthOfTheCapacityBetweenEightBytesAndAPage() {
        assertEquals(8, RingDescriptor.spaceBlock(RingDescriptor.MIN_CAPACITY));
        assertEquals(64, RingDescriptor.spaceBlock(1024));
        assertEquals(4096, RingDescriptor.spaceBlock(1 << 16));
        assertEquals(4096, RingDescriptor.spaceBlock(RingDescriptor.MAX_CAPACITY));
        assertEquals((5L << 32) + 4096, RingDescriptor.releasedPosition((5L << 32) + 8191, 1 << 20));
    }

    /**
     * A full ring's producer gets no room while the consumer reads inside one block, and
     * the whole block once it has left it; the consumer position itself stays exact.
     */
    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpsc"})
    void spaceReturnsToProducersABlockAtATime(String kind) throws Exception {
        Ring ring = create(kind, region());
        int block = RingDescriptor.spaceBlock(CAPACITY);
        assertEquals(CAPACITY / RECORD, fill(ring), "an empty ring whose head is block-aligned holds its capacity");
        AtomicInteger seen = new AtomicInteger();
        RecordHandler inOrder = (t, m) -> assertEquals(seen.getAndIncrement(), m.get(ValueLayout.JAVA_LONG, 0));
        for (int i = 1; i < block / RECORD; i++) {
            assertEquals(1, ring.poll(inOrder, 1));
            assertEquals((long) i * RECORD, ring.consumerPosition());
            assertFalse(ring.offer(new byte[8]), "no room until the consumer leaves the block it reads");
            assertNull(ring.tryClaim(8));
        }
        assertEquals(1, ring.poll(inOrder, 1));
        assertEquals(block / RECORD, fill(ring), "the block's records fit again");
    }

    /**
     * A producer asleep on a full ring is not woken while the consumer reads inside the
     * block (it would find no room), and is woken as soon as the consumer leaves it.
     */
    @Test
    @Timeout(60)
    void aSleepingProducerIsWokenOnlyWhenTheConsumerEntersANewBlock() throws Exception {
        MemorySegment mem = region();
        Ring ring = SpscRing.create(mem, CAPACITY);
        fill(ring);
        Blocked<Void> put = Blocked.onPlatformThread(() -> {
            ring.put(MemorySegment.ofArray(new long[] {-1}));
            return null;
        });
        // Only the consumer's wake-ups move the space sequence (a ring wait has no lifetime to close it).
        int sequence = mem.get(ValueLayout.JAVA_INT, RingDescriptor.SPACE_SEQUENCE_OFFSET);
        RecordHandler drop = (t, m) -> { };
        for (int i = 1; i < RingDescriptor.spaceBlock(CAPACITY) / RECORD; i++) {
            assertEquals(1, ring.poll(drop, 1));
        }
        assertEquals(sequence, mem.get(ValueLayout.JAVA_INT, RingDescriptor.SPACE_SEQUENCE_OFFSET),
                "a release inside the block woke the producer");
        assertTrue(put.stillWaiting());
        assertEquals(1, ring.poll(drop, 1));
        put.result();
        assertEquals(0, mem.get(ValueLayout.JAVA_INT, RingDescriptor.PRODUCER_SLEEPERS_OFFSET));
    }
}
