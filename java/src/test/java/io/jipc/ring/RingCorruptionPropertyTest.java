package io.jipc.ring;

import io.jipc.IpcException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random garbage in a ring's header and records, then random operations: each ends within
 * a bound, and fails, if at all, only with {@link RingCorruptedException} (or, for a commit
 * or abort of a claim the garbage overwrote, the documented {@link IllegalStateException}).
 * No index error, no arithmetic exception, no JVM crash, no hang.
 */
class RingCorruptionPropertyTest {
    private static final int CAPACITY = 1024;
    /** Above any pid_max: a claimer or lock holder that is never alive. */
    private static final int NEVER_ALIVE = 0x3FFF_FFF0;
    private static final long BOUND_SECONDS = 20;
    private static final ExecutorService RUNNER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ring-property");
        t.setDaemon(true);
        return t;
    });

    /** An offset in the region and the 64-bit word written there. */
    record Poke(long offset, long word) {
    }

    @Property(tries = 300)
    void garbageIsReportedOrToleratedNeverAHangOrAnUncheckedSurprise(
            @ForAll boolean mpsc,
            @ForAll @IntRange(min = 0, max = 40) int before,
            @ForAll("pokes") List<Poke> pokes,
            @ForAll("ops") List<Integer> ops) throws Exception {
        Future<?> run = RUNNER.submit(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment mem = arena.allocate(RingDescriptor.regionLength(CAPACITY), 128);
                Ring ring = mpsc ? MpscRing.create(mem, CAPACITY) : SpscRing.create(mem, CAPACITY);
                // Move the positions somewhere, and leave some messages unread.
                for (int i = 0; i < before; i++) {
                    ring.offer(new byte[i * 7 % (ring.maxMessageLength() + 1)]);
                    if (i % 3 != 0) {
                        ring.poll((t, m) -> { }, 1);
                    }
                }
                for (Poke p : pokes) {
                    mem.set(ValueLayout.JAVA_LONG, p.offset(), p.word());
                }
                for (int op : ops) {
                    apply(op, ring, mem, mpsc);
                }
            }
            return null;
        });
        try {
            run.get(BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            run.cancel(true);
            fail("no answer within " + BOUND_SECONDS + " s: " + pokes + " then " + ops);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("pokes " + pokes + " then ops " + ops + ": " + e.getCause(), e.getCause());
        }
    }

    private static void apply(int op, Ring ring, MemorySegment mem, boolean mpsc) {
        try {
            switch (op) {
                case 0 -> ring.poll(RingCorruptionPropertyTest::touch, 100);
                case 1 -> ring.read(RingCorruptionPropertyTest::touch, 100, Duration.ofMillis(1));
                case 2 -> ring.offer(3, MemorySegment.ofArray(new byte[13]));
                case 3 -> ring.offer(new byte[ring.maxMessageLength()], Duration.ofMillis(1));
                case 4 -> finish(ring.tryClaim(24), true);
                case 5 -> finish(ring.claim(1, Duration.ofMillis(1)), false);
                case 6 -> ring.unblock();
                case 7 -> {
                    ring.producerPosition();
                    ring.consumerPosition();
                    ring.deadProducerRecordsSkipped();
                    ring.toString();
                }
                case 8 -> {
                    try {
                        Ring again = mpsc ? MpscRing.attach(mem, Duration.ofMillis(5))
                                : SpscRing.attach(mem, Duration.ofMillis(5));
                        again.poll(RingCorruptionPropertyTest::touch, 100);
                    } catch (IpcException e) {
                        // A header that no longer reads as this ring: the typed refusal.
                    }
                }
                default -> throw new AssertionError(op);
            }
        } catch (RingCorruptedException e) {
            if (!e.getMessage().contains("capacity " + CAPACITY)) {
                throw new AssertionError("the error does not name the ring: " + e.getMessage());
            }
        }
    }

    private static void finish(Claim claim, boolean commit) {
        if (claim == null) {
            return;
        }
        claim.segment().fill((byte) 0x5A);
        try {
            if (commit) {
                claim.type(9).commit();
            } else {
                claim.abort();
            }
        } catch (RingCorruptedException e) {
            throw e;
        } catch (IllegalStateException e) {
            // The garbage overwrote our claimed header: the documented "no longer this process's claim".
            if (!e.getMessage().contains("no longer this process's claim")) {
                throw e;
            }
        }
    }

    /** Reads every byte handed out: a view past the record would fail here. */
    private static void touch(int type, MemorySegment message) {
        if (type < 0) {
            throw new AssertionError("negative type handed out: " + type);
        }
        long sum = 0;
        for (long i = 0; i < message.byteSize(); i++) {
            sum += message.get(ValueLayout.JAVA_BYTE, i);
        }
        if (sum == Long.MIN_VALUE) {
            throw new AssertionError();
        }
    }

    @Provide
    Arbitrary<List<Integer>> ops() {
        return Arbitraries.integers().between(0, 8).list().ofMinSize(1).ofMaxSize(24);
    }

    @Provide
    Arbitrary<List<Poke>> pokes() {
        return poke().list().ofMaxSize(8);
    }

    private static Arbitrary<Poke> poke() {
        Arbitrary<Long> fields = Arbitraries.of(
                RingDescriptor.PRODUCER_POSITION_OFFSET, RingDescriptor.RESERVATION_LOCK_OFFSET,
                RingDescriptor.CONSUMER_POSITION_OFFSET, RingDescriptor.CONSUMER_SLEEPERS_OFFSET,
                RingDescriptor.PRODUCER_SLEEPERS_OFFSET, RingDescriptor.DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET,
                RingDescriptor.MAGIC_OFFSET, RingDescriptor.LAYOUT_VERSION_OFFSET, RingDescriptor.CAPACITY_OFFSET,
                RingDescriptor.CREATOR_PID_OFFSET)
                .map(Integer::longValue);
        Arbitrary<Long> records = Arbitraries.integers().between(0, CAPACITY / 8 - 1)
                .map(i -> RingDescriptor.HEADER_LENGTH + 8L * i);
        Arbitrary<Integer> lengths = Arbitraries.oneOf(
                Arbitraries.integers(),
                Arbitraries.integers().between(-2 * CAPACITY, 2 * CAPACITY),
                Arbitraries.of(0x7FFFFFF9, 0x7FFFFFFC, 0x7FFFFFFF, Integer.MIN_VALUE, Integer.MIN_VALUE + 1,
                        -0x7FFFFFF9, 8, 9, 16, CAPACITY, CAPACITY + 8, -CAPACITY));
        Arbitrary<Integer> types = Arbitraries.oneOf(Arbitraries.integers(),
                Arbitraries.of(RecordDescriptor.PADDING_TYPE, 0, 1, NEVER_ALIVE, RingHeader.PID));
        Arbitrary<Long> headerWords = Combinators.combine(lengths, types).as(RecordDescriptor::headerWord);
        Arbitrary<Long> positions = Arbitraries.oneOf(Arbitraries.longs(),
                Arbitraries.longs().between(-4 * CAPACITY, 64L * CAPACITY));
        Arbitrary<Long> lockWords = Arbitraries.of(
                RingDescriptor.reserverWord(NEVER_ALIVE, 0), RingDescriptor.reserverWord(RingHeader.PID, 0),
                RingDescriptor.reserverWord(1, 0), ReservationLock.ME);
        Arbitrary<Long> words = Arbitraries.oneOf(Arbitraries.longs(), headerWords, positions, lockWords);
        return Combinators.combine(Arbitraries.oneOf(fields, records, records), words).as(Poke::new);
    }
}
