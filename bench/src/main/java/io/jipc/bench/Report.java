package io.jipc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static io.jipc.bench.Main.format;

/**
 * Turns the JSON lines of all rounds into tables (medians over rounds, with the range of
 * the headline number), ratios, the report file and its charts.
 *
 * <p>Ratios are cost ratios for both metrics, so that "&gt; 1" always means "slower than
 * the reference": latency divided by the reference's latency, and the reference's
 * messages per second divided by this row's.
 */
final class Report {
    private final Main.Settings settings;
    private final List<JsonLine> results;
    private final List<JsonLine> micro;
    private final List<String> failures;
    private final double seconds;
    private final String loadBefore;
    private final Map<String, List<JsonLine>> byKey = new LinkedHashMap<>();

    Report(Main.Settings settings, List<JsonLine> results, List<JsonLine> micro, List<String> failures,
           double seconds, String loadBefore) {
        this.loadBefore = loadBefore;
        this.settings = settings;
        this.results = results;
        this.micro = micro;
        this.failures = failures;
        this.seconds = seconds;
        for (JsonLine r : results) {
            byKey.computeIfAbsent(key(r.string("impl"), r.string("transport"), r.string("metric"),
                    (int) r.number("size")), k -> new ArrayList<>()).add(r);
        }
    }

    static String key(String impl, String transport, String metric, int size) {
        return impl + "|" + transport + "|" + metric + "|" + size;
    }

    /** {@return the median over rounds of {@code field}, NaN if there is no such result} */
    double median(String impl, String transport, String metric, int size, String field) {
        return median(values(impl, transport, metric, size, r -> r.number(field)));
    }

    /**
     * {@return the best round's {@code field}: the lowest for latencies ({@code lowerIsBetter}),
     * the highest otherwise; NaN if there is no such result} On a shared machine the best
     * round is the one least disturbed by others.
     */
    double best(String impl, String transport, String metric, int size, String field, boolean lowerIsBetter) {
        double[] v = values(impl, transport, metric, size, r -> r.number(field));
        return v.length == 0 ? Double.NaN : lowerIsBetter ? v[0] : v[v.length - 1];
    }

    private double[] values(String impl, String transport, String metric, int size, Function<JsonLine, Double> f) {
        List<JsonLine> rs = byKey.getOrDefault(key(impl, transport, metric, size), List.of());
        return rs.stream().mapToDouble(f::apply).filter(v -> !Double.isNaN(v)).sorted().toArray();
    }

    static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    List<String> transportsWith(String metric) {
        return settings.transports().stream()
                .filter(t -> settings.plan().sizes().stream().anyMatch(s -> byKey.containsKey(key("java", t, metric, s))
                        || byKey.containsKey(key("c", t, metric, s))))
                .toList();
    }

    // ---- tables -------------------------------------------------------------------------

    String tables() {
        StringBuilder b = new StringBuilder();
        if (settings.plan().metrics().contains("rtt")) {
            b.append("### Round-trip latency (rtt), microseconds: median of ").append(settings.rounds())
                    .append(" round(s), p50 with its range over rounds\n\n").append(rttTable()).append('\n');
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
        b.append("### Targets (pin ").append(settings.pin()).append("; reported, never asserted)\n\n")
                .append(Targets.table(this)).append('\n');
        if (anyStarved()) {
            b.append("\\* In at least one round a busy-spinning side of this row got less than ")
                    .append(Math.round(STARVED_SHARE * 100))
                    .append("% of a CPU (with --pin same: both sides together): it waited for the scheduler, not for its partner. The machine was busy; "
                            + "that round measures the machine's load, and the range shows it.\n\n");
        }
        if (!micro.isEmpty()) {
            b.append("### One JVM: call, lock and ring costs, ns per operation\n\n").append(microTables()).append('\n');
        }
        if (!failures.isEmpty()) {
            b.append("### Failed side-runs\n\n");
            failures.forEach(f -> b.append("- ").append(f).append('\n'));
            b.append('\n');
        }
        return b.toString();
    }

    private String rttTable() {
        Table t = new Table("transport", "size", "Java p50", "Java p99", "Java p99.9", "C p50", "C p99", "C p99.9",
                "Java/C p50", "Java/C p99", "Java÷Agrona p50", "C÷Agrona p50", "Java÷C-ref p50",
                "CPU% Java drv/peer (user+sys)", "CPU% C drv/peer (user+sys)");
        for (String tr : transportsWith("rtt")) {
            for (int size : settings.plan().sizes()) {
                double jp50 = median("java", tr, "rtt", size, "p50_ns");
                double cp50 = median("c", tr, "rtt", size, "p50_ns");
                double jp99 = median("java", tr, "rtt", size, "p99_ns");
                double cp99 = median("c", tr, "rtt", size, "p99_ns");
                double agrona = median("java", "agrona", "rtt", size, "p50_ns");
                t.row(tr, Integer.toString(size),
                        withRange(micros(jp50), "java", tr, "rtt", size, "p50_ns", Report::micros),
                        micros(jp99), micros(median("java", tr, "rtt", size, "p999_ns")),
                        withRange(micros(cp50), "c", tr, "rtt", size, "p50_ns", Report::micros),
                        micros(cp99), micros(median("c", tr, "rtt", size, "p999_ns")),
                        ratio(jp50, cp50), ratio(jp99, cp99), ratio(jp50, agrona), ratio(cp50, agrona),
                        reference(tr, ref -> ratio(jp50, median("c", ref, "rtt", size, "p50_ns"))),
                        cpu("java", tr, "rtt", size), cpu("c", tr, "rtt", size));
            }
        }
        return t.toString();
    }

    private String tputTable() {
        Table t = new Table("transport", "size", "Java Mmsg/s", "Java GB/s", "C Mmsg/s", "C GB/s",
                "Java/C cost", "Java÷Agrona cost", "C÷Agrona cost", "Java÷C-ref cost",
                "CPU% Java drv/peer (user+sys)", "CPU% C drv/peer (user+sys)");
        for (String tr : transportsWith("tput")) {
            for (int size : settings.plan().sizes()) {
                double j = median("java", tr, "tput", size, "msgs_per_s");
                double c = median("c", tr, "tput", size, "msgs_per_s");
                double agrona = median("java", "agrona", "tput", size, "msgs_per_s");
                t.row(tr, Integer.toString(size),
                        withRange(mmsgs(j), "java", tr, "tput", size, "msgs_per_s", Report::mmsgs),
                        gbs(median("java", tr, "tput", size, "gb_per_s")),
                        withRange(mmsgs(c), "c", tr, "tput", size, "msgs_per_s", Report::mmsgs),
                        gbs(median("c", tr, "tput", size, "gb_per_s")),
                        ratio(c, j), ratio(agrona, j), ratio(agrona, c),
                        reference(tr, ref -> ratio(median("c", ref, "tput", size, "msgs_per_s"), j)),
                        cpu("java", tr, "tput", size), cpu("c", tr, "tput", size));
            }
        }
        return t.toString();
    }

    /** The idle step: what each side burnt while nothing was sent. */
    private String idleTable() {
        Table t = new Table("transport", "waiting", "peer's waiting thread CPU% Java", "peer's waiting thread CPU% C",
                "CPU% Java drv/peer (user+sys)", "CPU% C drv/peer (user+sys)");
        int size = settings.plan().sizes().getFirst();
        for (String tr : transportsWith("idle")) {
            t.row(tr, Transports.SPINNING.contains(tr) ? "busy-spin" : tr.equals("jipc-ring-sleep") || tr.equals("futex")
                    ? "spin-then-sleep" : "blocking", percent(waitingThreadCpuPercent("java", tr, size)),
                    percent(waitingThreadCpuPercent("c", tr, size)), idleCpu("java", tr, size), idleCpu("c", tr, size));
        }
        return t + "\nThe peer is the waiting side; the driver sleeps. The thread columns count the peer's waiting "
                + "thread alone (getrusage RUSAGE_THREAD); the process columns count every thread, in a JVM the "
                + "JIT compiler and GC too.\n";
    }

    /** {@return the median over rounds of the peer's waiting thread's CPU time in the idle step, in % of a core} */
    double waitingThreadCpuPercent(String impl, String tr, int size) {
        return median(values(impl, tr, "idle", size, r -> r.number("peer_thread_cpu_ms") / r.number("wall_ms") * 100));
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
        return median(values(impl, tr, metric, size,
                r -> (r.number("peer_cpu_user_ms") + r.number("peer_cpu_sys_ms")) / r.number("wall_ms") * 100));
    }

    /** {@code f} of the C reference of a jipc ring transport, with its name; "—" for the others. */
    private static String reference(String transport, Function<String, String> f) {
        String ref = Transports.C_REFERENCE.get(transport);
        if (ref == null) {
            return "—";
        }
        String r = f.apply(ref);
        return r.equals("—") ? r : r + " (" + ref + ")";
    }

    private String withRange(String median, String impl, String tr, String metric, int size, String field,
                             Function<Double, String> fmt) {
        double[] v = values(impl, tr, metric, size, r -> r.number(field));
        String mark = starved(impl, tr, metric, size) ? " *" : "";
        if (v.length < 2) {
            return median + mark;
        }
        return median + " (" + fmt.apply(v[0]) + "–" + fmt.apply(v[v.length - 1]) + ")" + mark;
    }

    /** A busy-spinning side below this share of a core spent much of the run preempted. */
    static final double STARVED_SHARE = 0.5;

    /**
     * {@return whether, in some round, a side of a busy-spin transport got less than
     * {@link #STARVED_SHARE} of a core (with {@code --pin same}: both sides together): it
     * was waiting for a CPU, not for the other side}
     */
    boolean starved(String impl, String tr, String metric, int size) {
        if (!Transports.SPINNING.contains(tr) || metric.equals("idle")) {
            return false;
        }
        for (JsonLine r : byKey.getOrDefault(key(impl, tr, metric, size), List.of())) {
            double wall = r.number("wall_ms");
            double drv = (r.number("cpu_user_ms") + r.number("cpu_sys_ms")) / wall;
            double peer = (r.number("peer_cpu_user_ms") + r.number("peer_cpu_sys_ms")) / wall;
            // Pinned to one CPU, the two sides share it by design: then only their sum counts.
            double share = settings.pin().equals("same") ? drv + peer : Math.min(drv, peer);
            if (wall > 50 && share < STARVED_SHARE) {
                return true;
            }
        }
        return false;
    }

    private boolean anyStarved() {
        for (String k : byKey.keySet()) {
            String[] p = k.split("\\|");
            if (starved(p[0], p[1], p[2], Integer.parseInt(p[3]))) {
                return true;
            }
        }
        return false;
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

    private String microTables() {
        Map<String, Double> score = new LinkedHashMap<>();
        Map<String, Double> error = new LinkedHashMap<>();
        for (JsonLine m : micro) {
            score.put(m.string("impl") + ":" + m.string("bench"), m.number("ns_per_call"));
            if (m.hasNumber("error_ns")) {
                error.put(m.string("impl") + ":" + m.string("bench"), m.number("error_ns"));
            }
        }
        Function<String, String> cell = k -> {
            double v = score.getOrDefault(k, Double.NaN);
            Double e = error.get(k);
            return ns(v) + (e == null || Double.isNaN(v) || Double.isNaN(e) ? "" : " ± " + ns(e));
        };
        Table calls = new Table("call", "jipc Posix (errno capture)", "jextract binding", "plain downcall",
                "downcall critical(false)", "C (cmicro)", "Posix ÷ C");
        for (String call : List.of("kill", "getpid", "fcntl", "labs")) {
            double posix = score.getOrDefault("java:" + call + "Posix", Double.NaN);
            double c = score.getOrDefault("c:" + call, Double.NaN);
            calls.row(call, cell.apply("java:" + call + "Posix"), cell.apply("java:" + call + "Binding"),
                    cell.apply("java:" + call + "Downcall"), cell.apply("java:" + call + "Critical"),
                    cell.apply("c:" + call), ratio(posix, c));
        }
        Table locks = new Table("uncontended lock + unlock", "ns");
        for (String l : List.of("spinLock", "mutex", "casRelease")) {
            locks.row(switch (l) {
                case "spinLock" -> "io.jipc.sync.SpinLock";
                case "mutex" -> "io.jipc.sync.Mutex";
                default -> "VarHandle CAS + release store (floor)";
            }, ns(score.getOrDefault("java:" + l, Double.NaN)));
        }
        Table rings = new Table("one message in and out, one thread", "size", "jipc Java", "jipc C (cmicro)",
                "Agrona", "jipc Java ÷ C", "jipc Java ÷ Agrona");
        for (String size : Micro.RING_SIZES) {
            for (String[] b : new String[][] {{"claim, write 8 B, commit; poll", "jipcClaimCommitPoll",
                    "agronaClaimCommitRead"}, {"offer (copy in); poll", "jipcOfferPoll", "agronaWriteRead"},
                    {"offer; poll copying out", "jipcOfferPollCopy", "agronaWriteReadCopy"}}) {
                double j = score.getOrDefault("java:" + b[1] + "-" + size, Double.NaN);
                double c = score.getOrDefault("c:" + b[1] + "-" + size, Double.NaN);
                double a = score.getOrDefault("java:" + b[2] + "-" + size, Double.NaN);
                rings.row(b[0], size, cell.apply("java:" + b[1] + "-" + size), cell.apply("c:" + b[1] + "-" + size),
                        cell.apply("java:" + b[2] + "-" + size), ratio(j, c), ratio(j, a));
            }
        }
        return calls + "\nJava: JMH average time, one fork, 5 x 1 s after 3 x 1 s, ± its 99.9% error; "
                + "C: cmicro, 10,000,000 calls, median of 3. No Posix cell for getpid (Procs.getpid() is cached) "
                + "or labs (not a system call); no binding cell for fcntl (jextract's variadic invoker boxes its "
                + "arguments).\n\n" + locks + "\n" + rings
                + "\nRingCost (JMH) and cmicro: an SPSC ring of 64 KiB, one thread produces then consumes, so "
                + "nothing waits; the handler reads the first 8 bytes (or copies the message out). Agrona: OneToOneRingBuffer, the same "
                + "capacity, tryClaim/commit or write, then read.\n";
    }

    private static String ns(double v) {
        return Double.isNaN(v) ? "—" : v < 10 ? format("%.2f", v) : format("%.1f", v);
    }

    // ---- the report file ----------------------------------------------------------------

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("results.jsonl"), results.stream().map(JsonLine::toString).toList());
        List<String> charts = Charts.draw(this, dir);
        Files.writeString(dir.resolve("report.md"), markdown(charts));
    }

    Main.Settings settings() {
        return settings;
    }

    private String markdown(List<String> charts) {
        StringBuilder b = new StringBuilder();
        Plan p = settings.plan();
        b.append("# jipc benchmark report\n\n");
        b.append("Generated ").append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME))
                .append(format(" by `bench/run%s`; the runs took %.0f s.%n%n",
                        settings.args().isEmpty() ? "" : " " + String.join(" ", settings.args()), seconds));
        b.append("## Machine\n\n");
        Machine.describe(settings.nativeDir(), loadBefore).forEach((k, v) -> b.append("- ").append(k).append(": ").append(v)
                .append('\n'));
        b.append('\n');
        b.append("## Method\n\n");
        b.append("""
                - **Two real processes per side-run.** Java: a driver JVM spawns its peer JVM with
                  `io.jipc.process.Spawn` (JVM options: `%s`). C: `cbench` forks. Every side-run
                  starts fresh processes; within one, the steps (metric x size) run in order: rtt then
                  tput, small sizes first.
                - **Alternation.** %d round(s); in odd rounds Java runs first for each transport, in even
                  rounds C does (A B, B A, ...), so neither side always meets a warmer or busier machine.
                  Tables show the median over rounds; the headline column shows the range over rounds.
                - **One step.** Warm-up (at most %d messages or %.2f s, whichever ends first; in a JVM the
                  first rtt and the first tput step warm up for at least %d ms), one SYNC round trip, the
                  measured phase (at most %d messages or %.2f s), one END round trip. Warm-up and
                  measurement run the same code on both sides (the Java loops are compiled before the
                  measured phase starts); warm-up messages are echoed or summed like measured ones.
                - **rtt.** The driver sends a message, the peer echoes it, the driver times each round trip
                  (`System.nanoTime` / `clock_gettime(CLOCK_MONOTONIC)`, the same clock). Java records into an
                  HdrHistogram (3 significant digits); C sorts all samples (exact nearest rank).
                - **tput.** The driver streams messages one way; the peer reads every byte, checks sequence
                  numbers and sums all 64-bit words; the END answer carries the sum, which the driver checks
                  against what it sent (a mismatch fails the run). Time: from SYNC to the END answer.
                - **idle.** One SYNC round trip, then the driver sleeps (%d ms) while the peer waits in a
                  receive, then one END round trip; both report their CPU time over that window. It tells
                  a transport that sleeps while waiting from one that spins.
                - **Copies.** Every transport copies each message in and out once (as `write`/`read` do),
                  shared-memory rings included; zero-copy claim/commit is a ring feature measured apart.
                - **CPU.** Each process reports `getrusage(RUSAGE_SELF)` user and system time over its
                  measured phase (all JVM threads count: JIT and GC are part of Java's cost). Shown as percent
                  of one core, driver / peer: busy-spinning shows as ~100%% user on both sides.
                - **Pinning: %s.** `same` puts both benchmark threads on one CPU, `different` on two,
                  `none` leaves it to the scheduler. Java pins its benchmark thread with
                  `sched_setaffinity` (not the whole JVM: its JIT and GC threads stay free), C pins each
                  single-threaded process. With `same`, busy-spinning transports hand over only when the
                  scheduler preempts the spinner: expect milliseconds, that is the point of the mode.
                - **Ratios** are cost ratios (> 1 means slower than the reference): latency / reference
                  latency, reference msgs/s / msgs/s. `Java/C` compares the same transport; `÷Agrona`
                  compares with Java's Agrona rings at the same size; `Java÷C-ref` compares a jipc ring
                  with the C slot ring of bench's own design named in brackets (`shm-spin`, `futex`).
                - **Noise.** The machine's other load is not controlled; see the load averages above and
                  the ranges over rounds before trusting a small difference.
                """.formatted(String.join(" ", Jvm.options()), settings.rounds(), p.warmupCount(),
                p.warmupMillis() / 1000.0, settings.jitWarmupMillis(), p.count(), p.millis() / 1000.0,
                p.idleMillis(), settings.pin()));
        b.append("\nTransports:\n\n");
        for (String t : settings.transports()) {
            b.append("- `").append(t).append("`: ").append(Transports.DESCRIPTIONS.getOrDefault(t, ""));
            List<String> missing = new ArrayList<>();
            if (!Main.available("java", t)) {
                missing.add("C only: no Java transport");
            }
            if (!Main.available("c", t)) {
                missing.add("Java only: no C twin");
            }
            if (!missing.isEmpty()) {
                b.append(" (").append(String.join("; ", missing)).append(')');
            }
            b.append('\n');
        }
        b.append('\n');
        b.append(tables().replace("### ", "## "));
        if (!charts.isEmpty()) {
            b.append("## Charts\n\n");
            for (String c : charts) {
                b.append("![").append(c).append("](").append(c).append(")\n\n");
            }
        }
        b.append("## Raw data\n\n`results.jsonl`: one line per side-run step, the fields cbench and the Java "
                + "driver both print.\n\n");
        b.append("## Not measured\n\n"
                + "- MPSC with two producers: the harness's protocol has one sender per direction, and on a "
                + "two-core machine a third busy-spinning thread measures the scheduler. `jipc-mpsc-spin` runs "
                + "the MPSC ring with one producer per ring (the cost of its compare-and-set claim).\n"
                + "- Zero-copy claim/commit across processes: every transport here copies in and out; "
                + "`RingCost` (JMH, `--micro`) measures claim/commit/poll in one thread.\n");
        return b.toString();
    }

    /** A markdown table that also reads well on a terminal (columns padded). */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(String... cells) {
            rows.add(cells);
        }

        @Override
        public String toString() {
            int[] w = new int[rows.getFirst().length];
            for (String[] r : rows) {
                for (int i = 0; i < r.length; i++) {
                    w[i] = Math.max(w[i], r[i].length());
                }
            }
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < rows.size(); k++) {
                String[] r = rows.get(k);
                b.append('|');
                for (int i = 0; i < r.length; i++) {
                    b.append(' ').append(pad(r[i], w[i], i > 1)).append(" |");
                }
                b.append('\n');
                if (k == 0) {
                    b.append('|');
                    for (int i = 0; i < r.length; i++) {
                        char[] dashes = new char[w[i]];
                        Arrays.fill(dashes, '-');
                        b.append(' ').append(dashes);
                        b.append(i > 1 ? ":|" : " |");
                    }
                    b.append('\n');
                }
            }
            return b.toString();
        }

        private static String pad(String s, int width, boolean right) {
            String fill = " ".repeat(Math.max(0, width - s.length()));
            return right ? fill + s : s + fill;
        }
    }
}
