package io.jipc.bench;

import java.util.ArrayList;
import java.util.List;

import static io.jipc.bench.Main.format;

/**
 * The performance targets of jipc's transports, checked against a run's medians and
 * reported as PASS or MISS (never asserted: the machine's load decides too much). Each
 * target compares Java with a reference measured in the same run, so a busy machine
 * slows both; beside the verdict the table shows the same ratio between the best rounds
 * of each side, the ones least disturbed by other load. A target whose numbers were not
 * measured (another size, another transport list) says so.
 */
final class Targets {
    private Targets() {
    }

    /** Round trips are compared at this size, throughput at {@link #TPUT_SIZE}. */
    static final int RTT_SIZE = 8;
    static final int TPUT_SIZE = 64;
    /** "CPU near zero": below this share of one core, in percent. */
    static final double IDLE_CPU_PERCENT = 1.0;

    /**
     * One target: {@code value} (a ratio of medians, or a CPU percentage) against
     * {@code limit}; {@code atMost}: it holds when the value is at most the limit, else at
     * least. {@code bestValue}: the same ratio between the best rounds, NaN where it does
     * not apply.
     */
    record Target(String what, String measured, double value, double bestValue, double limit, boolean atMost) {
        String result() {
            if (Double.isNaN(value)) {
                return "not measured";
            }
            return (atMost ? value <= limit : value >= limit) ? "PASS" : "MISS";
        }
    }

    /** A side of a comparison: an implementation of a transport. */
    private record Side(String label, String impl, String transport) {
    }

    private static final Side JAVA_RING = new Side("Java", "java", "jipc-ring-spin");
    private static final Side C_RING = new Side("C", "c", "jipc-ring-spin");
    private static final Side AGRONA = new Side("Agrona", "java", "agrona");

    static List<Target> evaluate(Report r) {
        List<Target> t = new ArrayList<>();
        String spsc = "SPSC ring (jipc-ring-spin) ";
        for (String p : List.of("p50", "p99")) {
            String f = p + "_ns";
            t.add(latency(r, spsc + "rtt " + RTT_SIZE + " B " + p + ": Java ≤ 1.10 × C twin", f, JAVA_RING, C_RING, 1.10));
            t.add(latency(r, spsc + "rtt " + RTT_SIZE + " B " + p + ": Java ≤ Agrona", f, JAVA_RING, AGRONA, 1.00));
        }
        t.add(throughput(r, spsc + "tput " + TPUT_SIZE + " B: Java ≥ 0.8 × C twin", JAVA_RING, C_RING, 0.80));
        t.add(throughput(r, spsc + "tput " + TPUT_SIZE + " B: Java ≥ Agrona", JAVA_RING, AGRONA, 1.00));
        for (String tr : List.of("pipe", "mq", "uds")) {
            t.add(latency(r, tr + " rtt " + RTT_SIZE + " B p50: Java ≤ 1.10 × C", "p50_ns", new Side("Java", "java", tr),
                    new Side("C", "c", tr), 1.10));
        }
        String sleep = "jipc-ring-sleep";
        Side javaSleep = new Side("Java", "java", sleep);
        t.add(latency(r, "spin-then-sleep ring (" + sleep + ") rtt " + RTT_SIZE + " B p50: Java ≤ 1.2 × C twin (jipc_ring.c)",
                "p50_ns", javaSleep, new Side("C", "c", sleep), 1.20));
        t.add(latency(r, "spin-then-sleep ring (" + sleep + ") rtt " + RTT_SIZE + " B p50: Java ≤ 1.2 × C futex (slot ring)",
                "p50_ns", javaSleep, new Side("C futex", "c", "futex"), 1.20));
        int idleSize = r.settings().plan().sizes().getFirst();
        double idle = r.waitingThreadCpuPercent("java", sleep, idleSize);
        double cIdle = r.waitingThreadCpuPercent("c", sleep, idleSize);
        t.add(new Target("spin-then-sleep ring (" + sleep + ") idle: waiting thread's CPU < " + IDLE_CPU_PERCENT
                + "% of a core", format("Java %.2f%% (whole JVM %.2f%%), C %.2f%%", idle,
                r.peerCpuPercent("java", sleep, "idle", idleSize), cIdle), idle, Double.NaN, IDLE_CPU_PERCENT, true));
        return t;
    }

    private static Target latency(Report r, String what, String field, Side java, Side ref, double limit) {
        double j = r.median(java.impl(), java.transport(), "rtt", RTT_SIZE, field);
        double c = r.median(ref.impl(), ref.transport(), "rtt", RTT_SIZE, field);
        double jb = r.best(java.impl(), java.transport(), "rtt", RTT_SIZE, field, true);
        double cb = r.best(ref.impl(), ref.transport(), "rtt", RTT_SIZE, field, true);
        return new Target(what, java.label() + " " + Report.micros(j) + " µs, " + ref.label() + " " + Report.micros(c)
                + " µs", j / c, jb / cb, limit, true);
    }

    private static Target throughput(Report r, String what, Side java, Side ref, double limit) {
        double j = r.median(java.impl(), java.transport(), "tput", TPUT_SIZE, "msgs_per_s");
        double c = r.median(ref.impl(), ref.transport(), "tput", TPUT_SIZE, "msgs_per_s");
        double jb = r.best(java.impl(), java.transport(), "tput", TPUT_SIZE, "msgs_per_s", false);
        double cb = r.best(ref.impl(), ref.transport(), "tput", TPUT_SIZE, "msgs_per_s", false);
        return new Target(what, java.label() + " " + Report.mmsgs(j) + ", " + ref.label() + " " + Report.mmsgs(c)
                + " Mmsg/s", j / c, jb / cb, limit, false);
    }

    static String table(Report r) {
        Report.Table table = new Report.Table("target", "measured (medians)", "ratio", "best rounds' ratio", "limit",
                "result");
        for (Target t : evaluate(r)) {
            table.row(t.what(), t.measured(), number(t.value()), number(t.bestValue()),
                    (t.atMost() ? "≤ " : "≥ ") + format("%.2f", t.limit()), t.result());
        }
        return table + "\nRatios are Java ÷ reference, of the medians over rounds (the verdict) and of each side's "
                + "best round (lowest latency, highest throughput); the idle row's value is a percentage of one core.\n";
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "—" : format("%.2f", v);
    }
}
