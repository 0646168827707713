package io.jipc.bench;

import java.util.ArrayList;
import java.util.List;

import static io.jipc.bench.Main.format;

/**
 * The performance targets of jipc's transports, checked against a run's medians and
 * reported as PASS or MISS (never asserted: the machine's load decides too much). Each
 * target compares Java with a reference measured in the same run, so a busy machine
 * slows both; a target whose numbers were not measured (another size, another transport
 * list) says so.
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
     * One target: {@code ratio} (or a CPU percentage) against {@code limit}.
     * {@code atMost}: the target holds when the value is at most the limit; else at least.
     */
    record Target(String what, String measured, double value, double limit, boolean atMost) {
        String result() {
            if (Double.isNaN(value)) {
                return "not measured";
            }
            return (atMost ? value <= limit : value >= limit) ? "PASS" : "MISS";
        }
    }

    static List<Target> evaluate(Report r) {
        List<Target> t = new ArrayList<>();
        String ring = "jipc-ring-spin";
        for (String p : List.of("p50", "p99")) {
            String f = p + "_ns";
            double j = r.median("java", ring, "rtt", RTT_SIZE, f);
            double c = r.median("c", ring, "rtt", RTT_SIZE, f);
            double a = r.median("java", "agrona", "rtt", RTT_SIZE, f);
            t.add(new Target("SPSC ring (" + ring + ") rtt " + RTT_SIZE + " B " + p + ": Java ≤ 1.10 × C twin",
                    us("Java", j) + ", " + us("C", c), j / c, 1.10, true));
            t.add(new Target("SPSC ring (" + ring + ") rtt " + RTT_SIZE + " B " + p + ": Java ≤ Agrona",
                    us("Java", j) + ", " + us("Agrona", a), j / a, 1.00, true));
        }
        double j = r.median("java", ring, "tput", TPUT_SIZE, "msgs_per_s");
        double c = r.median("c", ring, "tput", TPUT_SIZE, "msgs_per_s");
        double a = r.median("java", "agrona", "tput", TPUT_SIZE, "msgs_per_s");
        t.add(new Target("SPSC ring (" + ring + ") tput " + TPUT_SIZE + " B: Java ≥ 0.8 × C twin",
                mmsgs("Java", j) + ", " + mmsgs("C", c), j / c, 0.80, false));
        t.add(new Target("SPSC ring (" + ring + ") tput " + TPUT_SIZE + " B: Java ≥ Agrona",
                mmsgs("Java", j) + ", " + mmsgs("Agrona", a), j / a, 1.00, false));
        for (String tr : List.of("pipe", "mq", "uds")) {
            double jp = r.median("java", tr, "rtt", RTT_SIZE, "p50_ns");
            double cp = r.median("c", tr, "rtt", RTT_SIZE, "p50_ns");
            double j99 = r.median("java", tr, "rtt", RTT_SIZE, "p99_ns");
            double c99 = r.median("c", tr, "rtt", RTT_SIZE, "p99_ns");
            t.add(new Target(tr + " rtt " + RTT_SIZE + " B p50: Java ≤ 1.10 × C",
                    us("Java", jp) + ", " + us("C", cp) + "; p99 ratio " + Report.ratio(j99, c99), jp / cp, 1.10, true));
        }
        String sleep = "jipc-ring-sleep";
        double js = r.median("java", sleep, "rtt", RTT_SIZE, "p50_ns");
        for (String twin : List.of(sleep, "futex")) {
            double cs = r.median("c", twin, "rtt", RTT_SIZE, "p50_ns");
            t.add(new Target("spin-then-sleep ring (" + sleep + ") rtt " + RTT_SIZE + " B p50: Java ≤ 1.2 × C "
                    + (twin.equals(sleep) ? "twin (jipc_ring.c)" : "futex (slot ring)"),
                    us("Java", js) + ", " + us("C " + twin, cs), js / cs, 1.20, true));
        }
        int idleSize = r.settings().plan().sizes().getFirst();
        double idle = r.waitingThreadCpuPercent("java", sleep, idleSize);
        double cIdle = r.waitingThreadCpuPercent("c", sleep, idleSize);
        t.add(new Target("spin-then-sleep ring (" + sleep + ") idle: waiting thread's CPU < " + IDLE_CPU_PERCENT
                + "% of a core", format("Java %.2f%% (whole JVM %.2f%%), C %.2f%%", idle,
                r.peerCpuPercent("java", sleep, "idle", idleSize), cIdle), idle, IDLE_CPU_PERCENT, true));
        return t;
    }

    static String table(Report r) {
        Report.Table table = new Report.Table("target", "measured (medians)", "value", "limit", "result");
        for (Target t : evaluate(r)) {
            table.row(t.what(), t.measured(), Double.isNaN(t.value()) ? "—" : format("%.2f", t.value()),
                    (t.atMost() ? "≤ " : "≥ ") + format("%.2f", t.limit()), t.result());
        }
        return table + "\nRatios are Java ÷ reference (latency: lower is better; throughput: higher is better); "
                + "the idle row's value is a percentage of one core.\n";
    }

    private static String us(String who, double ns) {
        return who + " " + Report.micros(ns) + " µs";
    }

    private static String mmsgs(String who, double perSecond) {
        return who + " " + Report.mmsgs(perSecond) + " Mmsg/s";
    }
}
