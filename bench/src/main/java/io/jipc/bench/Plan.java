package io.jipc.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * What one side-run measures: metrics x sizes, each step bounded by a count and a time,
 * whichever ends first. The same arguments go to the Java driver, its peer and cbench.
 * The "idle" metric is one step at the first size, after the others: the peer waits in a
 * receive for {@link #idleMillis()} while the driver sends nothing, and both report the
 * CPU time that cost.
 *
 * @param metrics      "rtt", "tput" and/or "idle"
 * @param sizes        message sizes in bytes
 * @param warmupCount  most warm-up messages per rtt step ({@link #TPUT_COUNT_FACTOR} times that per tput step)
 * @param warmupMillis longest warm-up per step
 * @param count        most measured messages per rtt step ({@link #TPUT_COUNT_FACTOR} times that per tput step)
 * @param millis       longest measured phase per step
 */
public record Plan(List<String> metrics, List<Integer> sizes, long warmupCount, long warmupMillis, long count,
                   long millis) {

    public Plan {
        metrics = List.copyOf(metrics);
        sizes = List.copyOf(sizes);
        for (String m : metrics) {
            if (!METRICS.contains(m)) {
                throw new IllegalArgumentException("metrics are " + String.join(", ", METRICS) + ", not " + m);
            }
        }
        sizes.forEach(Protocol::checkSize);
        if (sizes.isEmpty()) {
            throw new IllegalArgumentException("no message sizes");
        }
        if (count < 1 || warmupCount < 0 || millis < 1 || warmupMillis < 0) {
            throw new IllegalArgumentException("counts and times must be positive");
        }
    }

    /**
     * A tput step may send this many times the counts: a one-way stream of a shared-memory
     * ring passes 20 M messages a second or more, so at the rtt counts its measured phase
     * would last a few tens of milliseconds and its warm-up a few, too short to settle (a
     * size's first messages can still recompile the loop) and to mean anything on a noisy
     * machine; with the factor the time limits govern. cbench applies the same factor.
     */
    public static final long TPUT_COUNT_FACTOR = 32;

    /** {@return the most warm-up messages of {@code step}} */
    public long warmupCount(Step step) {
        return step.tput() ? saturatedTimes(warmupCount, TPUT_COUNT_FACTOR) : warmupCount;
    }

    /** {@return the most measured messages of {@code step}} */
    public long count(Step step) {
        return step.tput() ? saturatedTimes(count, TPUT_COUNT_FACTOR) : count;
    }

    private static long saturatedTimes(long a, long b) {
        return Math.multiplyHigh(a, b) != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
    }

    /** The metrics there are, in the order their steps run. */
    public static final List<String> METRICS = List.of("rtt", "tput", "idle");

    /** Longest quiet time of the idle step. */
    static final long MAX_IDLE_MILLIS = 500;

    /** One metric at one size. */
    public record Step(String metric, int size) {
        public boolean tput() {
            return metric.equals("tput");
        }

        public boolean idle() {
            return metric.equals("idle");
        }
    }

    public List<Step> steps() {
        List<Step> steps = new ArrayList<>();
        for (String m : List.of("rtt", "tput")) {
            if (metrics.contains(m)) {
                for (int s : sizes) {
                    steps.add(new Step(m, s));
                }
            }
        }
        if (metrics.contains("idle")) {
            steps.add(new Step("idle", sizes.getFirst()));
        }
        return steps;
    }

    /** {@return the idle step's quiet time: the measured time, at most half a second (cbench's IDLE_MS)} */
    public long idleMillis() {
        return Math.min(millis, MAX_IDLE_MILLIS);
    }

    /** {@return an upper bound of the run's length in seconds, for watchdogs} */
    public long budgetSeconds() {
        return steps().size() * (warmupMillis + millis) / 1000 + 120;
    }

    /** {@return the arguments cbench, the driver and the peer all understand} */
    public List<String> toArgs() {
        return List.of("--metrics", String.join(",", metrics),
                "--sizes", String.join(",", sizes.stream().map(String::valueOf).toList()),
                "--warmup-count", Long.toString(warmupCount), "--warmup-ms", Long.toString(warmupMillis),
                "--count", Long.toString(count), "--ms", Long.toString(millis));
    }
}
