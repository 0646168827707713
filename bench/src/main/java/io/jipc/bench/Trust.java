package io.jipc.bench;

import java.util.ArrayList;
import java.util.List;

import static io.jipc.bench.Main.format;

/**
 * What makes a number doubtful, per side-run and per comparison, so the report can say so
 * next to it instead of in a footnote nobody reads:
 * <ul>
 *   <li><b>busy</b>: other processes took more than {@link CpuAccount#DISTURBED_CORES} of a CPU
 *   on average during the side-run ({@link CpuAccount});</li>
 *   <li><b>state</b>: the cache-line probe before and after the side-run differ by more than
 *   {@link Probe#STATE_RATIO}: the machine changed state during it;</li>
 *   <li><b>starved</b>: a busy-spinning side got less than {@link #STARVED_SHARE} of a CPU;</li>
 *   <li><b>across states</b>: two sides compared whose probes differ by more than
 *   {@link Probe#STATE_RATIO}: their ratio mixes the machine's states;</li>
 *   <li><b>rounds disagree</b>: a side's rounds spread by more than {@link #DISAGREE} of their median;</li>
 *   <li><b>load</b>: the load average exceeded the CPUs during the run.</li>
 * </ul>
 */
final class Trust {
    /** A busy-spinning side below this share of a core spent much of the run preempted. */
    static final double STARVED_SHARE = 0.5;
    /** Rounds whose range exceeds this share of their median disagree widely. */
    static final double DISAGREE = 0.5;

    private final Results results;
    private final Main.Settings settings;
    private final double loadBefore;
    private final double loadAfter;

    Trust(Results results, Main.Settings settings, double loadBefore, double loadAfter) {
        this.results = results;
        this.settings = settings;
        this.loadBefore = loadBefore;
        this.loadAfter = loadAfter;
    }

    /** {@return one probe figure per round: the mean of the probes before and after it} */
    private double[] probes(String impl, String tr, String metric, int size) {
        return results.values(impl, tr, metric, size,
                r -> (r.number("probe_before_ns") + r.number("probe_after_ns")) / 2);
    }

    /** {@return the median over rounds of a side's probe, NaN if none was taken} */
    double probe(String impl, String tr, String metric, int size) {
        return Results.median(probes(impl, tr, metric, size));
    }

    /** {@return whether two sides ran in different machine states (their probes disagree)} */
    boolean acrossStates(String implA, String trA, String implB, String trB, String metric, int size) {
        double a = probe(implA, trA, metric, size);
        double b = probe(implB, trB, metric, size);
        return a > 0 && b > 0 && Math.max(a, b) / Math.min(a, b) > Probe.STATE_RATIO;
    }

    /** {@return what disturbed the rounds of one side, "" if nothing: "r2 busy 0.61 CPU", "r1 state 140→410 ns"} */
    String disturbed(String impl, String tr, String metric, int size) {
        List<String> why = new ArrayList<>();
        for (Result r : results.rounds(impl, tr, metric, size)) {
            String round = "r" + (long) r.number("round");
            double others = r.number("others_cpu_cores");
            if (others > CpuAccount.DISTURBED_CORES) {
                why.add(round + " busy " + format("%.2f", others) + " CPU");
            }
            double before = r.number("probe_before_ns");
            double after = r.number("probe_after_ns");
            if (before > 0 && after > 0 && Math.max(before, after) / Math.min(before, after) > Probe.STATE_RATIO) {
                why.add(round + " state " + format("%.0f→%.0f", before, after) + " ns");
            }
            if (starved(r)) {
                why.add(round + " starved");
            }
        }
        return String.join(", ", why);
    }

    boolean isDisturbed(String impl, String tr, String metric, int size) {
        return !disturbed(impl, tr, metric, size).isEmpty();
    }

    /**
     * {@return whether a side of a busy-spin transport got less than {@link #STARVED_SHARE}
     * of a core in this round (with {@code --pin same}: both sides together): it was waiting
     * for a CPU, not for the other side}
     */
    boolean starved(Result r) {
        String tr = r.string("transport");
        if (tr == null || !Transports.spinning(tr) || "idle".equals(r.string("metric"))) {
            return false;
        }
        double wall = r.number("wall_ms");
        double drv = (r.number("cpu_user_ms") + r.number("cpu_sys_ms")) / wall;
        double peer = (r.number("peer_cpu_user_ms") + r.number("peer_cpu_sys_ms")) / wall;
        // Pinned to one CPU, the two sides share it by design: then only their sum counts.
        double share = settings.pin().equals("same") ? drv + peer : Math.min(drv, peer);
        return wall > 50 && share < STARVED_SHARE;
    }

    /** {@return whether a side's rounds disagree widely on {@code field}} */
    boolean roundsDisagree(String impl, String tr, String metric, int size, String field) {
        return results.spread(impl, tr, metric, size, field) > DISAGREE;
    }

    /** {@return the highest load average seen (before, after, at each side-run's start)} */
    double highestLoad() {
        double high = Math.max(nan0(loadBefore), nan0(loadAfter));
        for (String k : results.keys()) {
            String[] p = k.split("\\|");
            for (double l : results.values(p[0], p[1], p[2], Integer.parseInt(p[3]), "load1")) {
                high = Math.max(high, l);
            }
        }
        return high;
    }

    /** {@return whether the load average exceeded the CPUs at some point of the run} */
    boolean overloaded() {
        return highestLoad() > Runtime.getRuntime().availableProcessors();
    }

    private static double nan0(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /** {@return every probe of the run, sorted} */
    double[] allProbes() {
        List<Double> all = new ArrayList<>();
        for (String k : results.keys()) {
            String[] p = k.split("\\|");
            for (Result r : results.rounds(p[0], p[1], p[2], Integer.parseInt(p[3]))) {
                all.add(r.number("probe_before_ns"));
                all.add(r.number("probe_after_ns"));
            }
        }
        return all.stream().mapToDouble(Double::doubleValue).filter(v -> v > 0).sorted().toArray();
    }
}
