package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
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
    private static final int MESSAGES = 100_000;
    /** One instance: a Duration made per call would be the test's allocation, not the ring's. */
    private static final Duration SECOND = Duration.ofSeconds(1);
    /**
     * Rounds of {@link #MESSAGES} that may allocate before one must not. The JIT decides
     * when the loop below is compiled with the ring's calls inlined (which is what makes a
     * {@code Claim} and its slice disappear); until then the interpreter or C1 allocates, and
     * a round that straddles an on-stack replacement or a deoptimisation allocates a little.
     * So the test counts bytes per round, a count and never a time, and asks that some round,
     * after warm-up, allocates nothing at all: a per-message allocation shows in every round
     * (100,000 messages make at least 1.6 MB), a compilation only in the rounds it touches,
     * and so does the ring's occasional shrink check (an {@code fstat} every so many empty
     * polls or full-looking rings, which allocates a little and is not per message).
     */
    private static final int ROUNDS = 20;
    /** Uncounted rounds before them. */
    private static final int WARM_UP_ROUNDS = 5;

    private final String name = Leaks.uniqueName("ring-steady");
    private final List<AutoCloseable> toClose = new ArrayList<>();

    private long sum;
    private final RecordSpanHandler spans = (type, buffer, offset, length) -> sum += length + type
            + buffer.get(ValueLayout.JAVA_BYTE, offset);

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

    /**
     * {@code ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
     * .getCurrentThreadAllocatedBytes()}, bound once: io.jipc (whose module the tests are
     * patched into) reads neither java.management nor jdk.management, and an exact method
     * handle boxes nothing, so reading the counter allocates nothing itself.
     */
    private static final MethodHandle ALLOCATED;

    static {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            ALLOCATED = MethodHandles.publicLookup().findVirtual(Class.forName("com.sun.management.ThreadMXBean"),
                    "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class)).bindTo(bean);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static long allocated() {
        try {
            return (long) ALLOCATED.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Bytes this thread allocated over the best of {@link #ROUNDS} rounds of {@code messages}, after warm-up. */
    private static long fewestBytes(Runnable messages, List<Long> seen) {
        seen.clear();
        for (int i = 0; i < WARM_UP_ROUNDS; i++) {
            messages.run();
        }
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS && fewest != 0; round++) {
            long before = allocated();
            messages.run();
            long bytes = allocated() - before;
            seen.add(bytes);
            fewest = Math.min(fewest, bytes);
        }
        return fewest;
    }

    @Test
    @Timeout(300)
    void offerClaimCommitPollAndReadAllocateNothingPerMessage() throws Exception {
        SpscRing ring = SpscRing.create(region(RingDescriptor.regionLength(1 << 16)), 1 << 16);
        MemorySegment message = Arena.ofAuto().allocate(64, 8);
        assertTrue(allocated() >= 0, "this JVM counts per-thread allocation");

        Runnable offerPoll = () -> {
            for (int i = 0; i < MESSAGES; i++) {
                if (!ring.offer(3, message)) {
                    throw new AssertionError("offer " + i);
                }
                if (ring.poll(spans, 16) != 1) {
                    throw new AssertionError("offer/poll " + i);
                }
            }
        };
        Runnable claimCommitRead = () -> {
            for (int i = 0; i < MESSAGES; i++) {
                Claim claim = ring.tryClaim(8);
                claim.segment().set(ValueLayout.JAVA_LONG, 0, i);
                claim.type(1).commit();
                // Data is there: read returns at once, without its wait object.
                if (ring.read(spans, 16) != 1) {
                    throw new AssertionError("claim/read " + i);
                }
            }
        };
        Runnable claimCommitPoll = () -> {
            for (int i = 0; i < MESSAGES; i++) {
                Claim claim = ring.tryClaim(8);
                claim.segment().set(ValueLayout.JAVA_LONG, 0, i);
                claim.type(1).commit();
                if (ring.poll(spans, 16) != 1) {
                    throw new AssertionError("claim/poll " + i);
                }
            }
        };
        Runnable offerRead = () -> {
            for (int i = 0; i < MESSAGES; i++) {
                if (!ring.offer(3, message) || ring.read(spans, 16) != 1) {
                    throw new AssertionError("offer/read " + i);
                }
            }
        };
        Runnable timedOfferRead = () -> {
            for (int i = 0; i < MESSAGES; i++) {
                if (!ring.offer(2, message, SECOND) || ring.read(spans, 16, SECOND) != 1) {
                    throw new AssertionError("timed " + i);
                }
            }
        };
        // Each loop warmed up just before it is counted: enough calls for C2 to compile it with
        // the ring inlined, profiled by its own calls more than by the loops before it.
        List<Long> seen = new ArrayList<>();
        assertEquals(0, fewestBytes(claimCommitRead, seen), "tryClaim + commit + read, bytes per round: " + seen);
        assertEquals(0, fewestBytes(claimCommitPoll, seen), "tryClaim + commit + poll, bytes per round: " + seen);
        assertEquals(0, fewestBytes(offerPoll, seen), "offer + poll(RecordSpanHandler), bytes per round: " + seen);
        assertEquals(0, fewestBytes(offerRead, seen), "offer + read, bytes per round: " + seen);
        assertEquals(0, fewestBytes(timedOfferRead, seen), "timed offer + timed read, bytes per round: " + seen);
        assertTrue(sum != 0);
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
    void aRingOfLayoutVersionThreeIsRefusedAsIncompatible() throws Exception {
        MemorySegment mem = region(RingDescriptor.regionLength(1024));
        SpscRing.create(mem, 1024);
        // Version 3 committed by CAS and its waiters issue no membarrier: it could sleep through a version-4 commit.
        mem.set(ValueLayout.JAVA_INT, RingDescriptor.LAYOUT_VERSION_OFFSET, 3);
        IpcException e = assertThrows(IpcException.class, () -> SpscRing.attach(mem));
        assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());
        assertTrue(e.getMessage().contains("version 3"), e.getMessage());
        assertEquals(4, RingDescriptor.LAYOUT_VERSION);
    }
}
