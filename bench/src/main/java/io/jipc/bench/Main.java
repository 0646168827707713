package io.jipc.bench;

import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * One command, one report: runs the Java harness and the C twins in alternation, round
 * after round, then prints a table per metric and writes {@code report.md}, the raw
 * {@code results.jsonl} and PNG charts.
 *
 * <p>Each side-run (one transport, one implementation) is two fresh processes: for Java a
 * {@link Driver} JVM that spawns its {@link Peer} JVM, for C {@code cbench}, which forks.
 * In round 1 Java goes first for every transport, in round 2 C goes first, and so on, so
 * neither side always inherits a warmer or colder machine.
 */
@Command(name = "jipc bench", sortOptions = false, usageHelpAutoWidth = true, mixinStandardHelpOptions = true,
        description = {"Runs jipc's transports in Java and as the same protocol in C (bench/native), alternating "
                + "over rounds, two real processes per side-run; prints a table per metric and writes report.md, "
                + "results.jsonl, HdrHistogram logs and PNG charts.",
                "  bench/run --quick            about two minutes",
                "  bench/run jmh [JMH options]  the one-JVM microbenchmarks (java -jar bench/target/benchmarks.jar)"})
public final class Main implements Callable<Integer> {
    @Option(names = "--transports", split = ",", paramLabel = "LIST",
            description = "comma-separated; \"channels\" is every chan- row with the transport it is built on; "
                    + "default all: ${COMPLETION-CANDIDATES}", completionCandidates = Names.class)
    List<String> transports;

    @Option(names = "--impl", split = ",", paramLabel = "LIST", defaultValue = "java,c",
            description = "java,c (default both)")
    List<String> impls;

    @Option(names = "--metrics", split = ",", paramLabel = "LIST", defaultValue = "rtt,tput,idle",
            description = "rtt,tput,idle (default all; idle: the CPU a waiting side burns in half a second of silence)")
    List<String> metrics;

    @Option(names = "--sizes", split = ",", paramLabel = "LIST", defaultValue = "8,64,1024,4096",
            description = "message sizes in bytes, multiples of 8 up to 4096 (default ${DEFAULT-VALUE})")
    List<Integer> sizes;

    @Option(names = "--count", paramLabel = "N", description = "most measured messages per rtt step, 32 times that per tput step"
            + " (default 1000000)")
    Long count;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "longest measured phase per step (default 2)")
    Double duration;

    @Option(names = "--warmup-count", paramLabel = "N", description = "most warm-up messages per rtt step, 32 times that per tput step"
            + " (default 200000)")
    Long warmupCount;

    @Option(names = "--warmup", paramLabel = "SECONDS", description = "longest warm-up per step (default 1)")
    Double warmup;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "3",
            description = "Java/C alternations (default 3; the median over rounds is reported, the range is the error bar)")
    int rounds;

    @Option(names = "--pin", paramLabel = "MODE", defaultValue = "different",
            description = "same | different | none: CPUs of the two processes (default ${DEFAULT-VALUE})")
    String pin;

    @Option(names = "--quick", description = "0.25 s per step, 0.15 s warm-up (0.5 s for a JVM's first rtt and tput step), "
            + "5 start-up runs: a few minutes")
    boolean quick;

    @Option(names = "--micro", description = "also run the one-JVM microbenchmarks (JMH, ~2 min) and cmicro")
    boolean micro;

    @Option(names = "--startup-runs", paramLabel = "N",
            description = "runs of each start-up command (java -version, first SharedMemory.create, ./jipc ls); "
                    + "0 skips them (default 15, --quick 5)")
    Integer startupRuns;

    @Option(names = "--report", paramLabel = "DIR",
            description = "where report.md, results.jsonl, hlog/ and the PNGs go (default bench/target/report)")
    Path report;

    @Option(names = "--jvm-args", paramLabel = "\"...\"", description = "extra options for every benchmark JVM")
    String jvmArgs;

    @Option(names = "--jit-warmup", paramLabel = "SECONDS",
            description = "least warm-up of a JVM's first rtt and first tput step (default 1, --quick 0.5)")
    Double jitWarmup;

    @Spec
    CommandSpec spec;

    private Main() {
    }

    /** For --help: the transport names. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Transports.all().iterator();
        }
    }

    /** The settings of one harness run. */
    record Settings(List<String> transports, List<String> impls, Plan plan, int rounds, String pin,
                    boolean micro, boolean quick, Path report, Path nativeDir, long jitWarmupMillis,
                    int startupRuns, List<String> args) {
    }

    public static void main(String[] argv) {
        System.setProperty("java.awt.headless", "true");
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("jipc bench: " + e.getMessage());
            e.getCommandLine().getErr().println("try `jipc bench --help`");
            return 2;
        });
        System.exit(cl.execute(argv));
    }

    @Override
    public Integer call() throws Exception {
        Settings s;
        try {
            s = settings();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return run(s, System.out) == 0 ? 0 : 1;
    }

    Settings settings() {
        List<String> chosen = transports == null ? Transports.all() : Transports.expand(transports);
        for (String t : chosen) {
            if (!Transports.all().contains(t)) {
                throw new IllegalArgumentException("unknown transport " + t + "; there are " + Transports.all());
            }
        }
        for (String i : impls) {
            if (!i.equals("java") && !i.equals("c")) {
                throw new IllegalArgumentException("--impl takes java and/or c, not " + i);
            }
        }
        Plan plan = new Plan(metrics, sizes,
                warmupCount != null ? warmupCount : quick ? 20_000 : 200_000,
                millis(warmup, quick ? 0.15 : 1),
                count != null ? count : quick ? 100_000 : 1_000_000,
                millis(duration, quick ? 0.25 : 2));
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1");
        }
        Affinity.choose(pin);
        if (jvmArgs != null && !jvmArgs.isBlank()) {
            System.setProperty(Jvm.EXTRA_PROPERTY, jvmArgs);
            // The report describes what the benchmark JVMs were told (Aeron's idle strategy, say).
            for (String a : jvmArgs.trim().split("\\s+")) {
                if (a.startsWith("-D") && a.contains("=")) {
                    System.setProperty(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
                }
            }
        }
        int runs = startupRuns != null ? startupRuns : quick ? 5 : 15;
        if (runs < 0) {
            throw new IllegalArgumentException("--startup-runs must be 0 or more");
        }
        Path nativeDir = nativeDir();
        Path reportDir = report != null ? report.toAbsolutePath() : nativeDir.getParent().resolve("report");
        return new Settings(chosen, impls, plan, rounds, pin, micro, quick, reportDir, nativeDir,
                millis(jitWarmup, quick ? 0.5 : 1), runs, spec.commandLine().getParseResult().originalArgs());
    }

    private static long millis(Double seconds, double otherwise) {
        double s = seconds != null ? seconds : otherwise;
        if (!(s >= 0)) {
            throw new IllegalArgumentException("not a number of seconds: " + s);
        }
        return Math.round(s * 1000);
    }

    /** bench/target/native: beside the jar (bench/target/jipc-bench.jar) or the classes (bench/target/classes). */
    static Path nativeDir() {
        String override = System.getProperty("jipc.bench.native");
        if (override != null) {
            return Path.of(override).toAbsolutePath();
        }
        try {
            Path here = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return here.toAbsolutePath().getParent().resolve("native");
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs everything and writes the report. {@return the number of side-runs that failed} */
    static int run(Settings s, PrintStream out) throws Exception {
        Path cbench = s.nativeDir().resolve("cbench");
        if (s.impls().contains("c") && !Files.isExecutable(cbench)) {
            throw new IllegalStateException(cbench + " is missing: build with mvn -pl bench -am package");
        }
        int[] cpus = Affinity.choose(s.pin());
        int[] probeCpus = probeCpus();
        Path scratch = Files.createTempDirectory("jipc-bench-main-");
        Path hlogs = s.report().resolve(HLOG_DIR);
        Driver.deleteTree(hlogs);
        Files.createDirectories(hlogs);
        List<Result> results = new ArrayList<>();
        String loadBefore = Machine.loadAverage();
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        try {
            out.printf("jipc bench: %s, %d round(s), pin %s (driver CPU %s, peer CPU %s), sizes %s%n",
                    String.join(",", s.transports()), s.rounds(), s.pin(), cpu(cpus[0]), cpu(cpus[1]),
                    s.plan().sizes());
            // The probe's own code compiled before the first one counts.
            Probe.roundTripNanos(probeCpus[0], probeCpus[1]);
            for (int round = 1; round <= s.rounds(); round++) {
                for (String transport : s.transports()) {
                    List<String> order = round % 2 == 1 ? List.of("java", "c") : List.of("c", "java");
                    for (String impl : order) {
                        if (!s.impls().contains(impl) || !available(impl, transport)) {
                            continue;
                        }
                        Path file = scratch.resolve(impl + "-" + transport + "-" + round + ".jsonl");
                        out.printf("  round %d  %-4s %-15s ... ", round, impl, transport);
                        out.flush();
                        double probeBefore = Probe.roundTripNanos(probeCpus[0], probeCpus[1]);
                        double load = Machine.loadAverage1();
                        CpuAccount cpu0 = CpuAccount.now();
                        String error = sideRun(s, impl, transport, round, cpus, file, hlogs);
                        CpuAccount cpu1 = CpuAccount.now();
                        double probeAfter = Probe.roundTripNanos(probeCpus[0], probeCpus[1]);
                        double others = cpu1.othersCoresSince(cpu0);
                        List<Result> lines = Files.exists(file)
                                ? Files.readAllLines(file).stream().filter(l -> l.startsWith("{")).map(Result::parse).toList()
                                : List.of();
                        for (Result r : lines) {
                            r.put("probe_before_ns", probeBefore).put("probe_after_ns", probeAfter)
                                    .put("others_cpu_cores", others).put("load1", load);
                        }
                        results.addAll(lines);
                        if (error != null) {
                            failures.add(impl + " " + transport + " round " + round + ": " + error);
                            out.printf("FAILED (%s)%n", error);
                        } else {
                            out.printf("%d results in %.1f s; probe %s -> %s ns; others %.2f CPUs%n", lines.size(),
                                    (cpu1.nanos() - cpu0.nanos()) / 1e9, format("%.0f", probeBefore),
                                    format("%.0f", probeAfter), others);
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            List<Result> startup = List.of();
            if (s.startupRuns() > 0) {
                try {
                    startup = Startup.measure(s, out);
                } catch (IOException e) {
                    failures.add("start-up: " + e.getMessage());
                }
            }
            List<Result> micro = s.micro() ? Micro.run(s.nativeDir(), scratch, out) : List.of();
            BenchReport report = new BenchReport(s, results, micro, startup, failures, seconds, loadBefore);
            out.println();
            out.print(report.tables());
            report.write(s.report());
            out.printf("%nreport: %s (%.0f s)%n", s.report().resolve("report.md"), seconds);
            return failures.size();
        } finally {
            Driver.deleteTree(scratch);
        }
    }

    /** Where the Java rtt steps' HdrHistogram logs go, inside the report directory. */
    static final String HLOG_DIR = "hlog";

    /** {@return two different CPUs for the probe, whatever --pin says (it measures the machine); -1s if there are not two} */
    private static int[] probeCpus() {
        List<Integer> allowed = Affinity.allowedCpus();
        return allowed.size() < 2 ? new int[] {-1, -1} : new int[] {allowed.get(0), allowed.get(1)};
    }

    private static String cpu(int c) {
        return c < 0 ? "any" : Integer.toString(c);
    }

    static boolean available(String impl, String transport) {
        return impl.equals("java") ? Transports.JAVA.containsKey(transport) : Transports.C.contains(transport);
    }

    /** Runs one side-run into {@code file}. {@return null, or what went wrong} */
    private static String sideRun(Settings s, String impl, String transport, int round, int[] cpus, Path file,
                                  Path hlogs) throws Exception {
        List<String> args = new ArrayList<>(List.of("--transport", transport, "--pin", s.pin(),
                "--round", Integer.toString(round), "--out", file.toString()));
        args.addAll(s.plan().toArgs());
        List<String> cmd;
        if (impl.equals("java")) {
            args.addAll(List.of("--cpu", Integer.toString(cpus[0]), "--peer-cpu", Integer.toString(cpus[1]),
                    "--jit-warmup-ms", Long.toString(s.jitWarmupMillis()), "--hlog-dir", hlogs.toString()));
            cmd = Jvm.command(Driver.class, args);
        } else {
            cmd = new ArrayList<>();
            cmd.add(s.nativeDir().resolve("cbench").toString());
            cmd.addAll(args);
        }
        long budget = s.plan().budgetSeconds() + s.jitWarmupMillis() / 1000 + 60;
        int pid = -1;
        try (ChildProcess child = Spawn.command(cmd.getFirst(), cmd.subList(1, cmd.size()).toArray(String[]::new))
                .start()) {
            pid = child.pid();
            Optional<ExitStatus> status = child.waitFor(Duration.ofSeconds(budget));
            if (status.isEmpty()) {
                return "no result within " + budget + " s; killed";
            }
            return status.get().success() ? null : "exit status " + status.get();
        } finally {
            // After close(): the child is reaped, so nothing can create more.
            if (pid > 0) {
                removeShm(pid);
            }
        }
    }

    /**
     * Removes what a killed driver could not: its /dev/shm/jipc-bench-PID-* objects and, where
     * the mqueue file system is mounted, its /dev/mqueue/jipc-bench-PID-* queues.
     */
    private static void removeShm(int pid) throws IOException {
        for (String dir : List.of("/dev/shm", "/dev/mqueue")) {
            Path d = Path.of(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path p : s.filter(p -> p.getFileName().toString().startsWith("jipc-bench-" + pid + "-")).toList()) {
                    // Aeron's directory is a tree; everything else a file.
                    Driver.deleteTree(p);
                }
            }
        }
    }

    static String format(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
