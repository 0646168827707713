package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring in steady state: nothing allocated per message, many virtual threads blocked in
 * reads on two carriers, and the layout version that protocol change bumped.
 */
class RingSteadyStateTest {
    private final String name = Leaks.uniqueName("ring-steady");
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        SharedMemory.unlink(name);
    }

    private MemorySegment region(long bytes) throws IpcException {
        SharedMemory shm = SharedMemory.create(name, bytes);
        toClose.add(shm);
        return shm.segment();
    }

    @Test
    @Timeout(300)
    void offerClaimCommitPollAndReadAllocateNothingPerMessage(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bytes");
        try (ChildProcess child = Spawn.java(RingAllocationChild.class, file.toString()).start()) {
            assertEquals(0, child.waitFor().code(), "the counting JVM failed");
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(5, lines.size(), String.join("\n", lines));
        for (String line : lines) {
            String[] f = line.split("\t");
            // Per round of RingAllocationChild.MESSAGES messages after warm-up; the best round of several.
            assertEquals(0L, Long.parseLong(f[1]), f[0] + ", bytes per round: " + f[2]);
        }
    }

    @Test
    @Timeout(120)
    void aThousandVirtualThreadsBlockedInReadOnTwoCarriersAllFinish() throws Exception {
        int threads = 1000;
        int capacity = RingDescriptor.MIN_CAPACITY;
        long stride = RingDescriptor.regionLength(capacity);
        MemorySegment all = region(stride * threads);
        List<Ring> rings = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            rings.add(SpscRing.create(all.asSlice(i * stride, stride), capacity));
        }
        AtomicInteger received = new AtomicInteger();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Ring ring = rings.get(i);
            int expected = i;
            readers.add(Thread.ofVirtual().start(() -> {
                int[] got = {-1};
                ring.read((type, buffer, offset, length) -> got[0] = buffer.get(ValueLayout.JAVA_INT_UNALIGNED, offset), 1);
                if (got[0] == expected) {
                    received.incrementAndGet();
                }
            }));
        }
        // Every reader parked in its wait (not merely started): only then is the test about blocked reads.
        for (Thread t : readers) {
            while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
                Thread.sleep(1);
            }
        }
        assertEquals(0, received.get());
        MemorySegment m = Arena.ofAuto().allocate(4);
        for (int i = 0; i < threads; i++) {
            m.set(ValueLayout.JAVA_INT, 0, i);
            rings.get(i).put(m);
        }
        for (Thread t : readers) {
            t.join();
        }
        assertEquals(threads, received.get());
    }

    @Test
    void ringsOfLayoutVersionsThreeAndFourAreRefusedAsIncompatible() throws Exception {
        MemorySegment mem = region(RingDescriptor.regionLength(1024));
        SpscRing.create(mem, 1024);
        // Version 3 committed by CAS and its waiters issue no membarrier: it could sleep through a
        // version-4 commit. A version-4 producer sleeps until the consumer position moves, which a
        // version-5 consumer signals only when it enters a new space block.
        for (int version : new int[] {3, 4}) {
            mem.set(ValueLayout.JAVA_INT, RingDescriptor.LAYOUT_VERSION_OFFSET, version);
            IpcException e = assertThrows(IpcException.class, () -> SpscRing.attach(mem));
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());
            assertTrue(e.getMessage().contains("version " + version), e.getMessage());
        }
        assertEquals(5, RingDescriptor.LAYOUT_VERSION);
    }
}
