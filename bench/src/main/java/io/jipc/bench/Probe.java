package io.jipc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The bare cost of moving one cache line between two CPUs and back: two threads of this JVM,
 * pinned to two CPUs, ping-pong a counter through one 64-byte line of plain JDK native memory
 * with {@link VarHandle} release stores and acquire loads. No jipc, no system call: what every
 * shared-memory transport pays at least twice per round trip.
 *
 * <p>Run before and after each side-run. A virtual machine switches between a fast state
 * (≈ 100–150 ns here) and a slow one (≈ 400 ns), and a ratio of two transports holds only
 * within one state: the report flags a side-run whose probe changed during it and a
 * comparison between side-runs whose probes disagree by more than {@link #STATE_RATIO}.
 */
final class Probe {
    /** Two probes further apart than this ratio saw different machine states. */
    static final double STATE_RATIO = 1.5;
    private static final int WARM_UP = 1_000;
    private static final int BATCH = 100;
    private static final int BATCHES = 30;
    /** Fewer batches than this in the time limit: no figure. */
    private static final int LEAST_BATCHES = 5;
    /** A probe never takes longer than this, even on a machine too busy to schedule it. */
    private static final long LIMIT_NANOS = 1_000_000_000L;
    private static final VarHandle WORD = ValueLayout.JAVA_LONG.varHandle();
    private static final long PING = 0;
    private static final long PONG = 8;

    private Probe() {
    }

    /**
     * {@return the median round trip in nanoseconds (median over batches of {@value #BATCH}),
     * NaN if there are not two CPUs or the machine was too busy to finish {@value #LEAST_BATCHES}
     * batches in a second}
     */
    static double roundTripNanos(int cpuA, int cpuB) {
        if (cpuA < 0 || cpuB < 0 || cpuA == cpuB) {
            return Double.NaN;
        }
        try (Arena arena = Arena.ofShared()) {
            MemorySegment line = arena.allocate(64, 64);
            long deadline = System.nanoTime() + LIMIT_NANOS;
            long total = WARM_UP + (long) BATCH * BATCHES;
            Thread pong = Thread.ofPlatform().name("jipc-bench-probe-pong").start(() -> {
                Affinity.pinCurrentThread(cpuB);
                pong(line, total, deadline);
            });
            double[] result = new double[1];
            Thread ping = Thread.ofPlatform().name("jipc-bench-probe-ping").start(() -> {
                Affinity.pinCurrentThread(cpuA);
                result[0] = ping(line, deadline);
            });
            ping.join();
            pong.join();
            return result[0];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private static void pong(MemorySegment line, long total, long deadline) {
        for (long i = 1; i <= total; i++) {
            int spins = 0;
            while ((long) WORD.getAcquire(line, PING) != i) {
                Thread.onSpinWait();
                if ((++spins & 0xffff) == 0 && System.nanoTime() - deadline > 0) {
                    return;
                }
            }
            WORD.setRelease(line, PONG, i);
        }
    }

    private static double ping(MemorySegment line, long deadline) {
        long i = 0;
        double[] batches = new double[BATCHES];
        int done = 0;
        batch:
        for (int b = -1; b < BATCHES; b++) {
            int n = b < 0 ? WARM_UP : BATCH;
            long t0 = System.nanoTime();
            for (int k = 0; k < n; k++) {
                i++;
                WORD.setRelease(line, PING, i);
                int spins = 0;
                while ((long) WORD.getAcquire(line, PONG) != i) {
                    Thread.onSpinWait();
                    if ((++spins & 0xffff) == 0 && System.nanoTime() - deadline > 0) {
                        break batch;
                    }
                }
            }
            if (b >= 0) {
                batches[done++] = (System.nanoTime() - t0) / (double) n;
            }
        }
        if (done < LEAST_BATCHES) {
            return Double.NaN;
        }
        double[] got = Arrays.copyOf(batches, done);
        Arrays.sort(got);
        return got[done / 2];
    }
}
