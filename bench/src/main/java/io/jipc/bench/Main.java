package io.jipc.bench;

import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;

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
import java.util.Set;
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
public final class Main {
    static final String USAGE = """
            usage: bench/run [options]      (java -jar bench/target/jipc-bench.jar [options])
              --transports LIST   comma-separated; default all: %s
              --impl LIST         java,c (default both)
              --metrics LIST      rtt,tput,idle (default all; idle: the CPU a waiting side burns in half a second of silence)
              --sizes LIST        message sizes in bytes, multiples of 8 up to 4096 (default 8,64,1024,4096)
              --count N           most measured messages per step (default 1000000)
              --duration SECONDS  longest measured phase per step (default 2)
              --warmup-count N    most warm-up messages per step (default 200000)
              --warmup SECONDS    longest warm-up per step (default 1)
              --rounds R          Java/C alternations (default 3; the median over rounds is reported)
              --pin MODE          same | different | none: CPUs of the two processes (default different)
              --quick             0.25 s per step, 0.15 s warm-up (0.5 s for a JVM's first rtt and tput step): ~2 min
              --micro             also run the one-JVM microbenchmarks (JMH, ~2 min) and cmicro
              --report DIR        where report.md, results.jsonl and the PNGs go (default bench/target/report)
              --jvm-args "..."    extra options for every benchmark JVM
              --jit-warmup SECONDS least warm-up of a JVM's first rtt and first tput step (default 1, --quick 0.5)
              --help
            """;

    private static final Set<String> OPTIONS = Set.of("--transports", "--impl", "--metrics", "--sizes", "--count",
            "--duration", "--warmup-count", "--warmup", "--rounds", "--pin", "--report", "--jvm-args", "--jit-warmup");

    private Main() {
    }

    /** The settings of one harness run. */
    record Settings(List<String> transports, List<String> impls, Plan plan, int rounds, String pin,
                    boolean micro, boolean quick, Path report, Path nativeDir, long jitWarmupMillis,
                    List<String> args) {
    }

    public static void main(String[] argv) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Settings s;
        try {
            if (List.of(argv).contains("--help") || List.of(argv).contains("-h")) {
                System.out.printf(USAGE, String.join(",", Transports.all()));
                return;
            }
            s = settings(new Args(argv, Set.of("--quick", "--micro"), OPTIONS), List.of(argv));
        } catch (IllegalArgumentException e) {
            System.err.println("jipc bench: " + e.getMessage());
            System.err.printf(USAGE, String.join(",", Transports.all()));
            System.exit(2);
            return;
        }
        int failures = run(s, System.out);
        System.exit(failures == 0 ? 0 : 1);
    }

    static Settings settings(Args a, List<String> argv) {
        boolean quick = a.has("--quick");
        List<String> transports = a.list("--transports", String.join(",", Transports.all()));
        for (String t : transports) {
            if (!Transports.all().contains(t)) {
                throw new IllegalArgumentException("unknown transport " + t + "; there are " + Transports.all());
            }
        }
        List<String> impls = a.list("--impl", "java,c");
        for (String i : impls) {
            if (!i.equals("java") && !i.equals("c")) {
                throw new IllegalArgumentException("--impl takes java and/or c, not " + i);
            }
        }
        Plan plan = new Plan(a.list("--metrics", String.join(",", Plan.METRICS)),
                a.list("--sizes", "8,64,1024,4096").stream().map(Main::integer).toList(),
                a.longValue("--warmup-count", quick ? 20_000 : 200_000),
                millis(a.get("--warmup", quick ? "0.15" : "1")),
                a.longValue("--count", quick ? 100_000 : 1_000_000),
                millis(a.get("--duration", quick ? "0.25" : "2")));
        int rounds = (int) a.longValue("--rounds", 3);
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1");
        }
        String pin = a.get("--pin", "different");
        Affinity.choose(pin);
        String extra = a.get("--jvm-args", "");
        if (!extra.isBlank()) {
            System.setProperty(Jvm.EXTRA_PROPERTY, extra);
        }
        Path nativeDir = nativeDir();
        Path report = Path.of(a.get("--report", nativeDir.getParent().resolve("report").toString()));
        return new Settings(transports, impls, plan, rounds, pin, a.has("--micro"), quick, report, nativeDir,
                millis(a.get("--jit-warmup", quick ? "0.5" : "1")), argv);
    }

    private static int integer(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: " + s);
        }
    }

    private static long millis(String seconds) {
        try {
            return Math.round(Double.parseDouble(seconds) * 1000);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number of seconds: " + seconds);
        }
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
        Path scratch = Files.createTempDirectory("jipc-bench-main-");
        List<JsonLine> results = new ArrayList<>();
        String loadBefore = Machine.loadAverage();
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        try {
            out.printf("jipc bench: %s, %d round(s), pin %s (driver CPU %s, peer CPU %s), sizes %s%n",
                    String.join(",", s.transports()), s.rounds(), s.pin(), cpu(cpus[0]), cpu(cpus[1]),
                    s.plan().sizes());
            for (int round = 1; round <= s.rounds(); round++) {
                for (String transport : s.transports()) {
                    List<String> order = round % 2 == 1 ? List.of("java", "c") : List.of("c", "java");
                    for (String impl : order) {
                        if (!s.impls().contains(impl) || !available(impl, transport)) {
                            continue;
                        }
                        Path file = scratch.resolve(impl + "-" + transport + "-" + round + ".jsonl");
                        out.printf("  round %d  %-4s %-8s ... ", round, impl, transport);
                        out.flush();
                        long t0 = System.nanoTime();
                        String error = sideRun(s, impl, transport, round, cpus, file);
                        List<JsonLine> lines = Files.exists(file)
                                ? Files.readAllLines(file).stream().filter(l -> l.startsWith("{")).map(JsonLine::parse).toList()
                                : List.of();
                        results.addAll(lines);
                        if (error != null) {
                            failures.add(impl + " " + transport + " round " + round + ": " + error);
                            out.printf("FAILED (%s)%n", error);
                        } else {
                            out.printf("%d results in %.1f s%n", lines.size(), (System.nanoTime() - t0) / 1e9);
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            List<JsonLine> micro = s.micro() ? Micro.run(s.nativeDir(), scratch, out) : List.of();
            Report report = new Report(s, results, micro, failures, seconds, loadBefore);
            out.println();
            out.print(report.tables());
            report.write(s.report());
            out.printf("%nreport: %s (%.0f s)%n", s.report().resolve("report.md"), seconds);
            return failures.size();
        } finally {
            Driver.deleteTree(scratch);
        }
    }

    private static String cpu(int c) {
        return c < 0 ? "any" : Integer.toString(c);
    }

    static boolean available(String impl, String transport) {
        return impl.equals("java") ? Transports.JAVA.containsKey(transport) : Transports.C.contains(transport);
    }

    /** Runs one side-run into {@code file}. {@return null, or what went wrong} */
    private static String sideRun(Settings s, String impl, String transport, int round, int[] cpus, Path file)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("--transport", transport, "--pin", s.pin(),
                "--round", Integer.toString(round), "--out", file.toString()));
        args.addAll(s.plan().toArgs());
        List<String> cmd;
        if (impl.equals("java")) {
            args.addAll(List.of("--cpu", Integer.toString(cpus[0]), "--peer-cpu", Integer.toString(cpus[1]),
                    "--jit-warmup-ms", Long.toString(s.jitWarmupMillis())));
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
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static String format(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
