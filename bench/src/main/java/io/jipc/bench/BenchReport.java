package io.jipc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.DoubleFunction;
import java.util.function.Function;

import static io.jipc.bench.Main.format;

/**
 * Turns the results of all rounds into the report's tables (medians over rounds, the range of
 * the headline number, sample counts, and what disturbed each row: see {@link Trust}), and
 * writes the report directory through {@link ReportFile} and {@link Charts}.
 *
 * <p>Ratios are cost ratios for both metrics, so that "&gt; 1" always means "slower than
 * the reference": latency divided by the reference's latency, and the reference's
 * messages per second divided by this row's.
 */
final class BenchReport {
    /** Below this many samples in a round, p99.9 and max are noise: they are not shown. */
    static final long TAIL_SAMPLES = 10_000;

    private final Main.Settings settings;
    private final List<Result> results;
    private final List<Result> micro;
    private final List<Result> startup;
    private final List<String> failures;
    private final double seconds;
    private final String loadBefore;
    private final String loadAfter;
    private final Results index;
    private final Trust trust;

    BenchReport(Main.Settings settings, List<Result> results, List<Result> micro, List<Result> startup,
                List<String> failures, double seconds, String loadBefore) {
        this.settings = settings;
        this.results = results;
        this.micro = micro;
        this.startup = startup;
        this.failures = failures;
        this.seconds = seconds;
        this.loadBefore = loadBefore;
        this.loadAfter = Machine.loadAverage();
        this.index = new Results(results);
        this.trust = new Trust(index, settings, first(loadBefore), first(loadAfter));
    }

    private static double first(String load) {
        try {
            return Double.parseDouble(load.split(",")[0].trim());
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    Main.Settings settings() {
        return settings;
    }

    Results results() {
        return index;
    }

    Trust trust() {
        return trust;
    }

    List<Result> startup() {
        return startup;
    }

    double seconds() {
        return seconds;
    }

    String loadBefore() {
        return loadBefore;
    }

    /** {@return the median over rounds of {@code field}, NaN if there is no such result} */
    double median(String impl, String transport, String metric, int size, String field) {
        return index.median(impl, transport, metric, size, field);
    }

    /** {@return whether a side's rounds all have enough samples for p99.9 and max} */
    boolean tailShown(String impl, String transport, int size) {
        return index.fewestSamples(impl, transport, "rtt", size) >= TAIL_SAMPLES;
    }

    List<String> transportsWith(String metric) {
        return settings.transports().stream()
                .filter(t -> settings.plan().sizes().stream().anyMatch(s -> index.has("java", t, metric, s)
                        || index.has("c", t, metric, s)))
                .toList();
    }

    // ---- tables -------------------------------------------------------------------------

    String tables() {
        StringBuilder b = new StringBuilder();
        if (settings.plan().metrics().contains("rtt")) {
            b.append("### Round-trip latency (rtt), microseconds: median of ").append(settings.rounds())
                    .append(" round(s), p50 with its range over rounds; n: measured round trips (fewest of any round)\n\n")
                    .append(rttTable()).append('\n').append(FLAGS_NOTE);
        }
        if (settings.plan().metrics().contains("tput")) {
            b.append("### One-way throughput (tput): median of ").append(settings.rounds())
                    .append(" round(s), Mmsg/s with its range over rounds\n\n").append(tputTable()).append('\n');
        }
        if (settings.plan().metrics().contains("idle")) {
            b.append("### Idle: CPU while the peer waits in a receive for ")
                    .append(settings.plan().idleMillis()).append(" ms and the driver sleeps, % of one core (median of ")
                    .append(settings.rounds()).append(" round(s))\n\n").append(idleTable()).append('\n');
        }
        if (!startup.isEmpty()) {
            b.append("### Start-up: whole processes, fork to exit, ms\n\n").append(startupTable()).append('\n');
        }
        b.append("### Machine state\n\n").append(machineState()).append('\n');
        b.append("### Targets (pin ").append(settings.pin()).append("; reported, never asserted)\n\n")
                .append(Targets.table(this)).append('\n');
        if (!micro.isEmpty()) {
            b.append("### One JVM: call, lock and ring costs, ns per operation\n\n").append(Micro.tables(micro)).append('\n');
        }
        if (!failures.isEmpty()) {
            b.append("### Failed side-runs\n\n");
            failures.forEach(f -> b.append("- ").append(f).append('\n'));
            b.append('\n');
        }
        return b.toString();
    }

    private static final String FLAGS_NOTE = "Flags name the rounds to doubt: `busy` (other processes took that much "
            + "CPU during the side-run), `state` (the cache-line probe changed during it), `starved` (a busy-spinning "
            + "side got less than half a CPU), `J/C across states` (the two sides' probes differ by more than "
            + Probe.STATE_RATIO + "×: their ratio mixes machine states). p99.9 is shown only with at least "
            + String.format("%,d", TAIL_SAMPLES) + " samples in every round.\n\n";

    private String rttTable() {
        MarkdownTable t = new MarkdownTable("transport", "size", "Java p50", "Java p99", "Java p99.9", "Java n",
                "C p50", "C p99", "C p99.9", "C n", "Java/C p50", "Java/C p99", "Java÷Agrona p50", "Java÷Aeron p50",
                "Java÷raw p50", "Java÷C-ref p50", "CPU% Java drv/peer (user+sys)", "CPU% C drv/peer (user+sys)", "flags");
        for (String tr : transportsWith("rtt")) {
            for (int size : settings.plan().sizes()) {
                double jp50 = median("java", tr, "rtt", size, "p50_ns");
                double cp50 = median("c", tr, "rtt", size, "p50_ns");
                double jp99 = median("java", tr, "rtt", size, "p99_ns");
                double cp99 = median("c", tr, "rtt", size, "p99_ns");
                t.row(tr, Integer.toString(size),
                        withRange(micros(jp50), "java", tr, "rtt", size, "p50_ns", BenchReport::micros),
                        micros(jp99), tail("java", tr, size, "p999_ns"), samples("java", tr, "rtt", size),
                        withRange(micros(cp50), "c", tr, "rtt", size, "p50_ns", BenchReport::micros),
                        micros(cp99), tail("c", tr, size, "p999_ns"), samples("c", tr, "rtt", size),
                        ratio(jp50, cp50), ratio(jp99, cp99),
                        ratio(jp50, median("java", "agrona", "rtt", size, "p50_ns")),
                        ratio(jp50, median("java", "aeron-ipc", "rtt", size, "p50_ns")),
                        raw(tr, r -> ratio(jp50, median("java", r, "rtt", size, "p50_ns"))),
                        reference(tr, ref -> ratio(jp50, median("c", ref, "rtt", size, "p50_ns"))),
                        cpu("java", tr, "rtt", size), cpu("c", tr, "rtt", size), flags(tr, "rtt", size));
            }
        }
        return t.toString();
    }

    private String tputTable() {
        MarkdownTable t = new MarkdownTable("transport", "size", "Java Mmsg/s", "Java GB/s", "C Mmsg/s", "C GB/s",
                "Java/C cost", "Java÷Agrona cost", "Java÷Aeron cost", "Java÷raw cost", "Java÷C-ref cost",
                "CPU% Java drv/peer (user+sys)", "CPU% C drv/peer (user+sys)", "flags");
        for (String tr : transportsWith("tput")) {
            for (int size : settings.plan().sizes()) {
                double j = median("java", tr, "tput", size, "msgs_per_s");
                double c = median("c", tr, "tput", size, "msgs_per_s");
                t.row(tr, Integer.toString(size),
                        withRange(mmsgs(j), "java", tr, "tput", size, "msgs_per_s", BenchReport::mmsgs),
                        gbs(median("java", tr, "tput", size, "gb_per_s")),
                        withRange(mmsgs(c), "c", tr, "tput", size, "msgs_per_s", BenchReport::mmsgs),
                        gbs(median("c", tr, "tput", size, "gb_per_s")),
                        ratio(c, j), ratio(median("java", "agrona", "tput", size, "msgs_per_s"), j),
                        ratio(median("java", "aeron-ipc", "tput", size, "msgs_per_s"), j),
                        raw(tr, r -> ratio(median("java", r, "tput", size, "msgs_per_s"), j)),
                        reference(tr, ref -> ratio(median("c", ref, "tput", size, "msgs_per_s"), j)),
                        cpu("java", tr, "tput", size), cpu("c", tr, "tput", size), flags(tr, "tput", size));
            }
        }
        return t.toString();
    }

    /** The flags cell of a row: what disturbed each side, and whether Java and C ran in different states. */
    String flags(String tr, String metric, int size) {
        StringBuilder b = new StringBuilder();
        String j = trust.disturbed("java", tr, metric, size);
        String c = trust.disturbed("c", tr, metric, size);
        if (!j.isEmpty()) {
            b.append("Java ").append(j);
        }
        if (!c.isEmpty()) {
            b.append(b.isEmpty() ? "" : "; ").append("C ").append(c);
        }
        if (trust.acrossStates("java", tr, "c", tr, metric, size)) {
            b.append(b.isEmpty() ? "" : "; ").append("J/C across states");
        }
        return b.toString();
    }

    /** The idle step: what each side burnt while nothing was sent. */
    private String idleTable() {
        MarkdownTable t = new MarkdownTable("transport", "waiting", "peer's waiting thread CPU% Java",
                "peer's waiting thread CPU% C", "CPU% Java drv/peer (user+sys)", "CPU% C drv/peer (user+sys)");
        int size = settings.plan().sizes().getFirst();
        for (String tr : transportsWith("idle")) {
            t.row(tr, Transports.waiting(tr), percent(waitingThreadCpuPercent("java", tr, size)),
                    percent(waitingThreadCpuPercent("c", tr, size)), idleCpu("java", tr, size), idleCpu("c", tr, size));
        }
        return t + "\nThe peer is the waiting side; the driver sleeps. The thread columns count the peer's waiting "
                + "thread alone (getrusage RUSAGE_THREAD); the process columns count every thread, in a JVM the "
                + "JIT compiler and GC too.\n";
    }

    /** {@return a start-up row's figure, NaN if it was not measured} */
    double startup(String what, String field) {
        return startup.stream().filter(r -> what.equals(r.string("what"))).mapToDouble(r -> r.number(field))
                .findFirst().orElse(Double.NaN);
    }

    private String startupTable() {
        MarkdownTable t = new MarkdownTable("command", "what", "runs", "min", "median", "max", "median over its floor");
        for (Result r : startup) {
            String what = r.string("what");
            String floor = switch (what) {
                case Startup.FIRST_CREATE -> Startup.EMPTY_MAIN;
                case Startup.EMPTY_MAIN, Startup.JIPC_LS -> Startup.JAVA_VERSION;
                default -> null;
            };
            String over = floor == null ? "—"
                    : format("%+.1f (over %s)", r.number("median_ms") - startup(floor, "median_ms"),
                    floor.equals(Startup.JAVA_VERSION) ? "java -version" : "the empty main");
            t.row(what, what.equals(Startup.JAVA_VERSION) ? "the floor: a JVM that runs no class" : "",
                    format("%d", (long) r.number("runs")), format("%.1f", r.number("min_ms")),
                    format("%.1f", r.number("median_ms")), format("%.1f", r.number("max_ms")), over);
        }
        return t + "\nEach command ran that many times, interleaved with the others; the last row is the first "
                + "call's own time, measured inside the JVM that made it.\n";
    }

    private String machineState() {
        double[] probes = trust.allProbes();
        StringBuilder b = new StringBuilder();
        if (probes.length == 0) {
            b.append("- Cache-line probe: no figure (fewer than two CPUs, or the machine too busy to run two spinning "
                    + "threads for a second).\n");
        } else {
            b.append(format("- Cache-line probe (two threads on two CPUs, one 64-byte line, round trip): %.0f ns "
                    + "fastest, %.0f ns median, %.0f ns slowest over the side-runs' starts and ends.%n",
                    probes[0], Results.median(probes), probes[probes.length - 1]));
        }
        b.append(format("- Load average: %s before, %s after; the highest seen %.1f on %d CPUs%s.%n", loadBefore,
                loadAfter, trust.highestLoad(), Runtime.getRuntime().availableProcessors(),
                trust.overloaded() ? ": **every verdict below is flagged `load`**" : ""));
        return b.toString();
    }

    /** {@return the median over rounds of the peer's waiting thread's CPU time in the idle step, in % of a core} */
    double waitingThreadCpuPercent(String impl, String tr, int size) {
        return Results.median(index.values(impl, tr, "idle", size,
                r -> r.number("peer_thread_cpu_ms") / r.number("wall_ms") * 100));
    }

    private static String percent(double p) {
        return Double.isNaN(p) ? "—" : format("%.2f", p);
    }

    private String idleCpu(String impl, String tr, int size) {
        double wall = median(impl, tr, "idle", size, "wall_ms");
        if (Double.isNaN(wall) || wall <= 0) {
            return "—";
        }
        return format("%.2f+%.2f / %.2f+%.2f", median(impl, tr, "idle", size, "cpu_user_ms") / wall * 100,
                median(impl, tr, "idle", size, "cpu_sys_ms") / wall * 100,
                median(impl, tr, "idle", size, "peer_cpu_user_ms") / wall * 100,
                median(impl, tr, "idle", size, "peer_cpu_sys_ms") / wall * 100);
    }

    /** {@return the median over rounds of the peer's CPU time (user + sys) over wall time, in % of a core} */
    double peerCpuPercent(String impl, String tr, String metric, int size) {
        return Results.median(index.values(impl, tr, metric, size,
                r -> (r.number("peer_cpu_user_ms") + r.number("peer_cpu_sys_ms")) / r.number("wall_ms") * 100));
    }

    /** {@code f} of the C reference of a jipc ring transport, with its name; "—" for the others. */
    private static String reference(String transport, Function<String, String> f) {
        return named(Transports.C_REFERENCE.get(transport), f);
    }

    /** {@code f} of the transport a channel row is built on, with its name; "—" for the others. */
    private static String raw(String transport, Function<String, String> f) {
        return named(Transports.builtOn(transport), f);
    }

    private static String named(String other, Function<String, String> f) {
        if (other == null) {
            return "—";
        }
        String r = f.apply(other);
        return r.equals("—") ? r : r + " (" + other + ")";
    }

    private String tail(String impl, String tr, int size, String field) {
        if (!index.has(impl, tr, "rtt", size)) {
            return "—";
        }
        return tailShown(impl, tr, size) ? micros(median(impl, tr, "rtt", size, field)) : "n<10k";
    }

    private String samples(String impl, String tr, String metric, int size) {
        long n = index.fewestSamples(impl, tr, metric, size);
        return index.has(impl, tr, metric, size) ? count(n) : "—";
    }

    static String count(long n) {
        return n >= 10_000_000 ? format("%.0fM", n / 1e6) : n >= 1_000_000 ? format("%.1fM", n / 1e6)
                : n >= 10_000 ? format("%.0fk", n / 1e3) : Long.toString(n);
    }

    private String withRange(String median, String impl, String tr, String metric, int size, String field,
                             DoubleFunction<String> fmt) {
        double[] v = index.values(impl, tr, metric, size, field);
        if (v.length < 2) {
            return median;
        }
        return median + " (" + fmt.apply(v[0]) + "–" + fmt.apply(v[v.length - 1]) + ")";
    }

    /** CPU time over wall time of both sides, in percent of one core: "drv u+s / peer u+s". */
    String cpu(String impl, String tr, String metric, int size) {
        double wall = median(impl, tr, metric, size, "wall_ms");
        if (Double.isNaN(wall) || wall <= 0) {
            return "—";
        }
        double du = median(impl, tr, metric, size, "cpu_user_ms") / wall * 100;
        double ds = median(impl, tr, metric, size, "cpu_sys_ms") / wall * 100;
        double pu = median(impl, tr, metric, size, "peer_cpu_user_ms") / wall * 100;
        double ps = median(impl, tr, metric, size, "peer_cpu_sys_ms") / wall * 100;
        return format("%.0f+%.0f / %.0f+%.0f", du, ds, pu, ps);
    }

    static String micros(double ns) {
        if (Double.isNaN(ns)) {
            return "—";
        }
        double us = ns / 1000;
        return us < 10 ? format("%.2f", us) : us < 100 ? format("%.1f", us) : format("%.0f", us);
    }

    static String mmsgs(double perSecond) {
        if (Double.isNaN(perSecond)) {
            return "—";
        }
        double m = perSecond / 1e6;
        return m < 0.1 ? format("%.4f", m) : m < 10 ? format("%.3f", m) : format("%.1f", m);
    }

    static String gbs(double v) {
        return Double.isNaN(v) ? "—" : v < 0.1 ? format("%.4f", v) : format("%.2f", v);
    }

    static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "—";
        }
        return format("%.2f", a / b);
    }

    // ---- the report directory -----------------------------------------------------------

    /** Writes results.jsonl (and startup.jsonl, micro.jsonl), the charts and report.md into {@code dir}. */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("results.jsonl"), results.stream().map(Result::toString).toList());
        Files.write(dir.resolve("startup.jsonl"), startup.stream().map(Result::toString).toList());
        Files.write(dir.resolve("micro.jsonl"), micro.stream().map(Result::toString).toList());
        List<String> charts = Charts.draw(this, dir);
        Files.writeString(dir.resolve("report.md"), ReportFile.markdown(this, charts));
    }
}
