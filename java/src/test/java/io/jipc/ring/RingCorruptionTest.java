package io.jipc.ring;

import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ring whose memory another process wrote garbage into: typed errors that name the
 * position, never an index error, a spin of seconds or a position thrown into the far
 * future. Memory is a private native arena: what is tested is what the ring does with
 * the bytes it finds, whoever wrote them.
 */
@ExtendWith(NoLeaks.class)
class RingCorruptionTest {
    private static final int CAPACITY = 1024;

    private static MemorySegment region(Arena arena) {
        return arena.allocate(RingDescriptor.regionLength(CAPACITY), 128);
    }

    private static void putWord(MemorySegment mem, long position, long word) {
        mem.set(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH + (position & (CAPACITY - 1)), word);
    }

    /** Lengths whose rounding up to 8 overflowed an int and slipped past the "too long" checks. */
    @ParameterizedTest
    @ValueSource(ints = {0x7FFFFFF9, 0x7FFFFFFC, 0x7FFFFFFF, CAPACITY + 8, 4, 1})
    void aCommittedRecordOfImpossibleLengthIsReportedWithItsPositionEveryTime(int length) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = region(arena);
            SpscRing ring = SpscRing.create(mem, CAPACITY);
            assertTrue(ring.offer(new byte[8]));
            assertTrue(ring.offer(new byte[8]));
            putWord(mem, 16, RecordDescriptor.headerWord(length, 0));
            int[] handled = {0};
            RingCorruptedException e = assertThrows(RingCorruptedException.class,
                    () -> ring.poll((t, m) -> handled[0]++, 10));
            assertEquals(16, e.position());
            assertEquals(RecordDescriptor.headerWord(length, 0), e.word());
            assertTrue(e.getMessage().contains("capacity " + CAPACITY), e.getMessage());
            assertEquals(1, handled[0], "the record before it is handled");
            assertEquals(16, ring.consumerPosition(), "and released");
            // Still the same typed error, not a stuck index error.
            assertEquals(16, assertThrows(RingCorruptedException.class, () -> ring.poll((t, m) -> { }, 10)).position());
            assertEquals(16, assertThrows(RingCorruptedException.class,
                    () -> ring.read((t, m) -> { }, 10, Duration.ofMillis(10))).position());
        }
    }

    @Test
    void aNegativeTypeOtherThanPaddingIsCorrupt() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = region(arena);
            SpscRing ring = SpscRing.create(mem, CAPACITY);
            putWord(mem, 0, RecordDescriptor.headerWord(16, -7));
            assertThrows(RingCorruptedException.class, () -> ring.poll((t, m) -> { }, 10));
        }
    }

    /** A claim of impossible length by a dead process: not padded over (which would plant the bad length), reported. */
    @ParameterizedTest
    @ValueSource(ints = {0x7FFFFFF9, 0x7FFFFFFF, Integer.MIN_VALUE, CAPACITY + 8})
    @Timeout(30)
    void aDeadClaimOfImpossibleLengthIsReportedNotPaddedOver(int length) throws Exception {
        int dead = deadPid();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = region(arena);
            SpscRing ring = SpscRing.create(mem, CAPACITY);
            long word = RecordDescriptor.headerWord(-length, dead);
            putWord(mem, 0, word);
            assertThrows(RingCorruptedException.class, ring::unblock);
            assertEquals(word, mem.get(ValueLayout.JAVA_LONG, RingDescriptor.HEADER_LENGTH), "left as found");
            assertEquals(0, ring.producerPosition());
            assertEquals(0, ring.deadProducerRecordsSkipped());
        }
    }

    /**
     * The reservation lock of a dead process, and garbage where its header would be: the
     * recovery stops at the garbage at once instead of walking 2^31 bytes at a time for
     * seconds, the producer position stays where it was, and the ring goes on.
     */
    @ParameterizedTest
    @ValueSource(ints = {0x7FFFFFF9, 0x7FFFFFFF, 0x7FFFFFF8, CAPACITY * 2})
    @Timeout(30)
    void aDeadLockHoldersGarbageStopsTheRepairAtOnce(int length) throws Exception {
        int dead = deadPid();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = region(arena);
            MpscRing ring = MpscRing.create(mem, CAPACITY);
            assertTrue(ring.offer(new byte[8]));
            assertEquals(1, ring.poll((t, m) -> { }, 10));
            putWord(mem, 16, RecordDescriptor.headerWord(length, 0));
            mem.set(ValueLayout.JAVA_LONG, RingDescriptor.RESERVATION_LOCK_OFFSET, RingDescriptor.reserverWord(dead, 0));
            assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertTrue(ring.unblock()));
            assertEquals(16, ring.producerPosition());
            assertEquals(0L, mem.get(ValueLayout.JAVA_LONG, RingDescriptor.RESERVATION_LOCK_OFFSET));
            assertTrue(ring.offer(new byte[] {42}), "the next claim writes over the garbage");
            byte[] got = new byte[1];
            assertEquals(1, ring.poll((t, m) -> got[0] = m.get(ValueLayout.JAVA_BYTE, 0), 10));
            assertEquals(42, got[0]);
        }
    }

    /** Positions further apart than the capacity: the producer reports them instead of writing anywhere. */
    @Test
    void positionsFurtherApartThanTheCapacityAreCorrupt() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = region(arena);
            SpscRing.create(mem, CAPACITY);
            mem.set(ValueLayout.JAVA_LONG, RingDescriptor.CONSUMER_POSITION_OFFSET, 1L << 40);
            SpscRing ring = SpscRing.attach(mem);
            RingCorruptedException e = assertThrows(RingCorruptedException.class, () -> ring.offer(new byte[8]));
            assertTrue(e.getMessage().contains("consumer position"), e.getMessage());
            mem.set(ValueLayout.JAVA_LONG, RingDescriptor.CONSUMER_POSITION_OFFSET, Long.MIN_VALUE);
            mem.set(ValueLayout.JAVA_LONG, RingDescriptor.PRODUCER_POSITION_OFFSET, Long.MAX_VALUE);
            assertThrows(RingCorruptedException.class, () -> ring.offer(new byte[8]));
        }
    }

    private static int deadPid() throws Exception {
        try (ChildProcess child = Spawn.command("true").start()) {
            child.waitFor();
            return child.pid();
        }
    }
}
