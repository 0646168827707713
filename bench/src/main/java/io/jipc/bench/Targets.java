package io.jipc.bench;

import java.util.ArrayList;
import java.util.List;

import static io.jipc.bench.Main.format;

/**
 * The performance targets of jipc's transports (issue 11's list, and issue 9's start-up),
 * checked against a run's medians and reported as PASS or MISS, never asserted: the
 * machine's load decides too much. Each target compares Java with a reference measured in
 * the same run, so a busy machine slows both; beside the verdict the table shows the same
 * ratio between the best rounds of each side, and the {@link Trust flags} that make the
 * verdict doubtful. A target whose numbers were not measured says so.
 */
final class Targets {
    private Targets() {
    }

    /**
     * One target: {@code value} (a ratio of medians, a CPU percentage or milliseconds) against
     * {@code limit}; {@code atMost}: it holds when the value is at most the limit, else at
     * least. {@code bestValue}: the same ratio between the best rounds, NaN where it does
     * not apply. {@code flags}: why the verdict may not hold on a quiet machine, "" if none.
     */
    record Target(String what, String measured, double value, double bestValue, double limit, boolean atMost,
                  String flags) {
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

    private static final Side AGRONA = new Side("Agrona", "java", "agrona");
    private static final Side AERON = new Side("Aeron IPC", "java", "aeron-ipc");

    private static Side java(String transport) {
        return new Side("Java", "java", transport);
    }

    private static Side c(String transport) {
        return new Side("C", "c", transport);
    }

    static List<Target> evaluate(BenchReport r) {
        List<Target> t = new ArrayList<>();
        String spin = "jipc-ring-spin";
        String ring = "SPSC ring (" + spin + ") ";
        for (int size : List.of(8, 64)) {
            t.add(throughput(r, ring + "tput " + size + " B: Java ≥ Agrona", size, java(spin), AGRONA, 1.00));
            t.add(throughput(r, ring + "tput " + size + " B: Java ≥ Aeron IPC", size, java(spin), AERON, 1.00));
            t.add(throughput(r, ring + "tput " + size + " B: Java ≥ 0.9 × C twin", size, java(spin), c(spin), 0.90));
        }
        for (int size : List.of(8, 64)) {
            String rtt = ring + "rtt " + size + " B ";
            t.add(latency(r, rtt + "p50: Java ≤ Agrona", size, "p50_ns", java(spin), AGRONA, 1.00));
            t.add(latency(r, rtt + "p50: Java ≤ Aeron IPC", size, "p50_ns", java(spin), AERON, 1.00));
            t.add(latency(r, rtt + "p99: Java ≤ 1.2 × C twin", size, "p99_ns", java(spin), c(spin), 1.20));
            t.add(latency(r, rtt + "p99: Java ≤ 1.2 × Agrona", size, "p99_ns", java(spin), AGRONA, 1.20));
        }
        String sleep = "jipc-ring-sleep";
        String sleeper = "spin-then-sleep ring (" + sleep + ") ";
        t.add(latency(r, sleeper + "rtt 8 B p50: ≤ 1.05 × the busy-spin ring", 8, "p50_ns",
                new Side("sleep", "java", sleep), new Side("spin", "java", spin), 1.05));
        t.add(throughput(r, sleeper + "tput 64 B: ≥ busy-spin ring ÷ 1.05", 64,
                new Side("sleep", "java", sleep), new Side("spin", "java", spin), 1 / 1.05));
        // Both sides really asleep: rings whose waits sleep at once, Java against its C twin. (C's
        // futex slot ring spins 200 times first, which sometimes catches the reply: not a sleep.)
        t.add(latency(r, "sleeping ring (jipc-ring-futex) rtt 8 B p50: Java ≤ 1.1 × C futex twin", 8, "p50_ns",
                java("jipc-ring-futex"), new Side("C futex twin", "c", "jipc-ring-futex"), 1.10));
        int idleSize = r.settings().plan().sizes().getFirst();
        double idle = r.waitingThreadCpuPercent("java", sleep, idleSize);
        t.add(new Target(sleeper + "idle: waiting thread's CPU < 1% of a core", "Java " + number(idle)
                + "% (whole JVM " + number(r.peerCpuPercent("java", sleep, "idle", idleSize)) + "%), C "
                + number(r.waitingThreadCpuPercent("c", sleep, idleSize)) + "%", idle, Double.NaN, 1.0, true, load(r)));
        for (String[] ch : new String[][] {{"chan-shm", "1.15"}, {"chan-mq", "1.10"}, {"chan-pipe", "1.10"},
                {"chan-unix", "1.10"}, {"chan-tcp", "1.10"}}) {
            String raw = Transports.builtOn(ch[0]);
            double limit = Double.parseDouble(ch[1]);
            t.add(latency(r, "channel " + ch[0] + " rtt 8 B p50: ≤ " + ch[1] + " × raw " + raw, 8, "p50_ns",
                    new Side("API", "java", ch[0]), new Side("raw", "java", raw), limit));
        }
        for (String tr : List.of("pipe", "mq", "uds")) {
            t.add(latency(r, tr + " rtt 8 B p50: Java ≤ 1.10 × C", 8, "p50_ns", java(tr), c(tr), 1.10));
        }
        double overStart = r.startup(Startup.FIRST_CREATE, "median_ms") - r.startup(Startup.EMPTY_MAIN, "median_ms");
        t.add(new Target("start-up: first SharedMemory.create + close ≤ 50 ms over the JVM's own start",
                number(r.startup(Startup.FIRST_CREATE, "median_ms")) + " ms − " + number(r.startup(Startup.EMPTY_MAIN,
                        "median_ms")) + " ms (medians; inside the JVM " + number(r.startup(Startup.FIRST_CREATE_INSIDE,
                        "median_ms")) + " ms)", overStart, Double.NaN, 50, true, load(r)));
        double ls = r.startup(Startup.JIPC_LS, "median_ms");
        t.add(new Target("start-up: ./jipc ls ≤ 400 ms", number(ls) + " ms (median)", ls, Double.NaN, 400, true,
                load(r)));
        return t;
    }

    private static String load(BenchReport r) {
        return r.trust().overloaded() ? "load" : "";
    }

    /** The flags of a comparison of two sides of one metric at one size. */
    private static String flags(BenchReport r, String metric, int size, String field, Side a, Side b) {
        Trust trust = r.trust();
        List<String> f = new ArrayList<>();
        if (trust.overloaded()) {
            f.add("load");
        }
        if (trust.roundsDisagree(a.impl(), a.transport(), metric, size, field)
                || trust.roundsDisagree(b.impl(), b.transport(), metric, size, field)) {
            f.add("rounds disagree");
        }
        if (trust.acrossStates(a.impl(), a.transport(), b.impl(), b.transport(), metric, size)) {
            f.add("across states");
        }
        if (trust.isDisturbed(a.impl(), a.transport(), metric, size)
                || trust.isDisturbed(b.impl(), b.transport(), metric, size)) {
            f.add("disturbed");
        }
        return String.join(", ", f);
    }

    private static Target latency(BenchReport r, String what, int size, String field, Side java, Side ref,
                                  double limit) {
        Results x = r.results();
        double j = x.median(java.impl(), java.transport(), "rtt", size, field);
        double c = x.median(ref.impl(), ref.transport(), "rtt", size, field);
        double jb = x.best(java.impl(), java.transport(), "rtt", size, field, true);
        double cb = x.best(ref.impl(), ref.transport(), "rtt", size, field, true);
        return new Target(what, java.label() + " " + BenchReport.micros(j) + " µs, " + ref.label() + " "
                + BenchReport.micros(c) + " µs", j / c, jb / cb, limit, true, flags(r, "rtt", size, field, java, ref));
    }

    private static Target throughput(BenchReport r, String what, int size, Side java, Side ref, double limit) {
        Results x = r.results();
        double j = x.median(java.impl(), java.transport(), "tput", size, "msgs_per_s");
        double c = x.median(ref.impl(), ref.transport(), "tput", size, "msgs_per_s");
        double jb = x.best(java.impl(), java.transport(), "tput", size, "msgs_per_s", false);
        double cb = x.best(ref.impl(), ref.transport(), "tput", size, "msgs_per_s", false);
        return new Target(what, java.label() + " " + BenchReport.mmsgs(j) + ", " + ref.label() + " "
                + BenchReport.mmsgs(c) + " Mmsg/s", j / c, jb / cb, limit, false,
                flags(r, "tput", size, "msgs_per_s", java, ref));
    }

    static String table(BenchReport r) {
        MarkdownTable table = new MarkdownTable("target", "measured (medians)", "value", "best rounds' ratio", "limit",
                "result", "flags");
        for (Target t : evaluate(r)) {
            table.row(t.what(), t.measured(), number(t.value()), number(t.bestValue()),
                    (t.atMost() ? "≤ " : "≥ ") + format("%.2f", t.limit()), t.result(),
                    Double.isNaN(t.value()) ? "" : t.flags());
        }
        return table + "\nValues are Java ÷ reference (throughput: Java's messages per second ÷ the reference's), of "
                + "the medians over rounds (the verdict) and of each side's best round; the idle row's value is a "
                + "percentage of one core, the start-up rows' milliseconds. A flagged verdict may not hold on a quiet "
                + "machine: `load` (the load average exceeded the CPUs), `rounds disagree` (a side's rounds spread "
                + "by more than " + Math.round(Trust.DISAGREE * 100) + "% of their median), `across states` (the two "
                + "sides' cache-line probes differ by more than " + Probe.STATE_RATIO + "×), `disturbed` (a round of "
                + "either side was busy, changed state or starved: see the tables' flags).\n";
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "—" : format("%.2f", v);
    }
}
