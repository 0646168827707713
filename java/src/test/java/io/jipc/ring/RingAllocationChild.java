package io.jipc.ring;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link RingSteadyStateTest}'s allocation count: a fresh JVM, so the
 * JIT's decisions come from these loops alone. Whether a {@code Claim} and its slice are
 * scalar-replaced depends on the claim's methods being inlined into the caller's loop,
 * which profiles gathered by other tests in the same JVM (sleeping consumers, MPSC rings)
 * can defeat by compiling them big first; the span poll, offer and read allocate nothing
 * by construction. Writes one line per loop to the file {@code args[0]}:
 * {@code name<TAB>fewest bytes<TAB>bytes of every round}.
 */
public final class RingAllocationChild {
    static final int MESSAGES = 100_000;
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

    private long sum;
    private final RecordSpanHandler spans = (type, buffer, offset, length) -> sum += length + type
            + buffer.get(ValueLayout.JAVA_BYTE, offset);

    private RingAllocationChild() {
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

    private static void report(PrintStream out, String name, Runnable messages) {
        List<Long> seen = new ArrayList<>();
        long fewest = fewestBytes(messages, seen);
        out.println(name + "\t" + fewest + "\t" + seen);
    }

    public static void main(String[] args) throws Exception {
        new RingAllocationChild().run(Path.of(args[0]));
        System.exit(0);
    }

    private void run(Path file) throws Exception {
        long length = RingDescriptor.regionLength(1 << 16);
        SpscRing ring = SpscRing.create(Arena.ofShared().allocate(length, 4096), 1 << 16);
        try (PrintStream out = new PrintStream(Files.newOutputStream(file))) {
            MemorySegment message = Arena.ofAuto().allocate(64, 8);

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
            report(out, "claim+commit+read", claimCommitRead);
            report(out, "claim+commit+poll", claimCommitPoll);
            report(out, "offer+poll", offerPoll);
            report(out, "offer+read", offerRead);
            report(out, "timed offer+read", timedOfferRead);
        }
        if (sum == 0) {
            throw new AssertionError("no message was handled");
        }
    }
}
