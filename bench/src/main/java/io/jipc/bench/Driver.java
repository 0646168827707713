package io.jipc.bench;

// Long because it sequences a whole side-run: peers, warm-up, the rtt, tput and idle steps,
// the probes and the watchdog.

import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static io.jipc.bench.Protocol.END;
import static io.jipc.bench.Protocol.MEASURE;
import static io.jipc.bench.Protocol.SYNC;
import static io.jipc.bench.Protocol.WARMUP;
import static io.jipc.bench.Protocol.getWord0;
import static io.jipc.bench.Protocol.setWord0;
import static io.jipc.bench.Protocol.word0;

/**
 * The measuring side of a Java side-run, in its own JVM: listens on a transport, spawns
 * the {@link Peer} JVM, runs the plan's steps on its main thread (pinned to {@code --cpu}
 * when asked, see {@link Affinity}) and appends one JSON line per step to {@code --out},
 * in cbench's format.
 *
 * <p>The first step of each metric warms up for at least {@code --jit-warmup-ms} (default
 * {@link #JIT_WARMUP_MILLIS}) whatever the warm-up count, so the measured loops run
 * compiled code: C needs no such thing, and warm-up is never measured.
 *
 * <p>{@code Driver --transport T [--cpu N --peer-cpu M] [--pin P] [--round R] [--jit-warmup-ms T]
 * --out FILE <plan>}
 */
public final class Driver {
    /** Least warm-up of the first step of each metric: time for C2 to compile the hot loops. */
    static final long JIT_WARMUP_MILLIS = 1000;

    private final Plan plan;
    private final String transport;
    private final String pin;
    private final long round;
    private final long jitWarmupMillis;
    private final Path hlogDir;

    private Driver(Plan plan, String transport, String pin, long round, long jitWarmupMillis, Path hlogDir) {
        this.hlogDir = hlogDir;
        this.plan = plan;
        this.transport = transport;
        this.pin = pin;
        this.round = round;
        this.jitWarmupMillis = jitWarmupMillis;
    }

    /** The driver's command line, written by {@link Main}. */
    @Command(name = "driver")
    static final class Options {
        @Option(names = "--transport", required = true)
        String transport;
        @Option(names = "--out", required = true)
        Path out;
        @Option(names = "--cpu", defaultValue = "-1")
        int cpu;
        @Option(names = "--peer-cpu", defaultValue = "-1")
        int peerCpu;
        @Option(names = "--pin", defaultValue = "none")
        String pin;
        @Option(names = "--round", defaultValue = "1")
        long round;
        @Option(names = "--jit-warmup-ms", defaultValue = "" + JIT_WARMUP_MILLIS)
        long jitWarmupMillis;
        @Option(names = "--hlog-dir", description = "where each rtt step's HdrHistogram log goes (none: not kept)")
        Path hlogDir;
        @Mixin
        PlanOptions plan;
    }

    public static void main(String[] argv) throws Exception {
        Options args = new Options();
        new CommandLine(args).parseArgs(argv);
        Transport transport = Transports.java(args.transport);
        Driver d = new Driver(args.plan.plan(), args.transport, args.pin, args.round, args.jitWarmupMillis, args.hlogDir);
        List<Result> lines = d.run(transport, args.cpu, args.peerCpu);
        Files.write(args.out, lines.stream().map(Result::toString).toList(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The peer, while the steps run: the watchdog ends this JVM if it dies early. */
    private volatile ChildProcess peer;
    private long peerSeenDead;

    /**
     * Called by the watchdog every 100 ms. The peer ends on its own right after answering
     * the last END, a moment before this side leaves its last step: only a peer dead for a
     * whole second while the steps still run is fatal (a spinning receive would never end).
     */
    private boolean peerDiedMidRun() {
        ChildProcess p = peer;
        if (p == null || p.isAlive()) {
            peerSeenDead = 0;
            return false;
        }
        long now = System.nanoTime();
        if (peerSeenDead == 0) {
            peerSeenDead = now;
        }
        return now - peerSeenDead > 1_000_000_000L;
    }

    /**
     * Runs the steps. This thread is pinned to {@code cpu} only once the peer JVM has
     * started: a process inherits the CPU mask of the thread that spawns it, and a peer
     * JVM born pinned to the driver's CPU would see one CPU (serial GC, one JIT thread)
     * and run its compiler and GC threads on the very CPU this thread spins on.
     */
    List<Result> run(Transport transport, int cpu, int peerCpu) throws Exception {
        int allowedCpus = Affinity.allowedCpus().size();
        Path scratch = Files.createTempDirectory("jipc-bench-");
        Watchdog watchdog = Watchdog.start("driver", plan.budgetSeconds() + jitWarmupMillis / 1000,
                this::peerDiedMidRun);
        try (Transport.Endpoint endpoint = transport.listen(scratch)) {
            Path peerOut = scratch.resolve("peer.jsonl");
            List<String> peerArgs = new ArrayList<>(List.of("--transport", transport.name(),
                    "--address", endpoint.address(), "--peer-out", peerOut.toString(),
                    "--cpu", Integer.toString(peerCpu)));
            peerArgs.addAll(plan.toArgs());
            List<String> cmd = Jvm.command(Peer.class, peerArgs);
            List<Result> lines;
            Spawn spawn = Spawn.command(cmd.getFirst(), cmd.subList(1, cmd.size()).toArray(String[]::new));
            endpoint.handOver(spawn);
            try (ChildProcess child = spawn.start()) {
                endpoint.peerStarted();
                Affinity.pinCurrentThread(cpu);
                peer = child;
                try (Transport.Link link = endpoint.accept(Duration.ofSeconds(60))) {
                    lines = steps(link);
                }
                peer = null;
                Optional<ExitStatus> status = child.waitFor(Duration.ofSeconds(30));
                if (status.isEmpty() || !status.get().success()) {
                    throw new IllegalStateException("the peer JVM did not end cleanly: " + status);
                }
            }
            mergePeerReport(lines, Files.readAllLines(peerOut), allowedCpus);
            return lines;
        } finally {
            watchdog.close();
            deleteTree(scratch);
        }
    }

    private List<Result> steps(Transport.Link link) throws IOException {
        MemorySegment msg = Arena.ofAuto().allocate(Protocol.MAX_SIZE, 64);
        Histogram histogram = new Histogram(60_000_000_000L, 3);
        List<Result> lines = new ArrayList<>();
        String previous = "";
        for (Plan.Step step : plan.steps()) {
            firstStep = !step.metric().equals(previous);
            previous = step.metric();
            histogram.reset();
            lines.add(step.idle() ? idle(link, msg, step.size())
                    : step.tput() ? tput(link, msg, step.size()) : rtt(link, msg, step.size(), histogram));
        }
        return lines;
    }

    /** True for the first step of each metric: its warm-up also has to get the loops compiled. */
    private boolean firstStep;

    /*
     * Warm-up and measurement run the very same loop methods (pingPong, stream), and the
     * peer does the same work for both phases, so the measured phase runs the code the
     * warm-up compiled. (A measured loop of its own would start in the interpreter and be
     * compiled on stack only after tens of thousands of iterations: inside the measurement.)
     * The warm-up calls them in batches of WARMUP_BATCH, so they are invoked often enough
     * to be compiled as methods, and the measured call enters compiled code at once.
     */
    private static final long WARMUP_BATCH = 256;

    private void warmUp(Transport.Link link, MemorySegment msg, int size, Histogram h) throws IOException {
        long deadline = warmupDeadline();
        long most = warmupCount(h == null);
        long n = 0;
        while (n < most && System.nanoTime() - deadline < 0) {
            long batch = Math.min(WARMUP_BATCH, most - n);
            n += h != null ? pingPong(link, msg, size, WARMUP, n, batch, deadline, h)
                    : stream(link, msg, size, WARMUP, n, batch, deadline);
        }
        sync(link, msg, size);
    }

    private long warmupDeadline() {
        long millis = firstStep ? Math.max(plan.warmupMillis(), jitWarmupMillis) : plan.warmupMillis();
        return System.nanoTime() + millis * 1_000_000L;
    }

    private long warmupCount(boolean tput) {
        return firstStep && jitWarmupMillis > 0 ? Long.MAX_VALUE
                : plan.warmupCount(new Plan.Step(tput ? "tput" : "rtt", 0));
    }

    private static void sync(Transport.Link link, MemorySegment msg, int size) throws IOException {
        setWord0(msg, word0(SYNC, 0));
        link.send(msg, size);
        link.receive(msg, size);
        if (getWord0(msg) != word0(SYNC, 0)) {
            throw new IOException("the peer's SYNC answer is wrong");
        }
    }

    /** Round trips until {@code most} or {@code deadline}, each timed into {@code h}. {@return how many} */
    private static long pingPong(Transport.Link link, MemorySegment msg, int size, int phase, long first,
                                 long most, long deadline, Histogram h) throws IOException {
        long n = 0;
        long t1 = System.nanoTime();
        while (n < most && t1 - deadline < 0) {
            long w = word0(phase, first + n);
            setWord0(msg, w);
            long t0 = System.nanoTime();
            link.send(msg, size);
            link.receive(msg, size);
            t1 = System.nanoTime();
            if (getWord0(msg) != w) {
                throw new IOException("rtt: the echo carries the wrong sequence number");
            }
            h.recordValue(t1 - t0);
            n++;
        }
        return n;
    }

    private Result rtt(Transport.Link link, MemorySegment msg, int size, Histogram h) throws IOException {
        Protocol.fill(msg, size);
        warmUp(link, msg, size, h);
        h.reset();
        Rusage.Cpu c0 = Rusage.self();
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        long most = plan.count(new Plan.Step("rtt", size));
        long n = pingPong(link, msg, size, MEASURE, 0, most, start + plan.millis() * 1_000_000L, h);
        long wall = System.nanoTime() - start;
        h.setStartTimeStamp(startMillis);
        h.setEndTimeStamp(startMillis + wall / 1_000_000);
        saveLog(h, size);
        Rusage.Cpu cpu = Rusage.self().minus(c0);
        setWord0(msg, word0(END, n));
        link.send(msg, size);
        link.receive(msg, size);
        return head("rtt", size, n, wall)
                .put("mean_ns", h.getMean())
                .put("p50_ns", h.getValueAtPercentile(50))
                .put("p90_ns", h.getValueAtPercentile(90))
                .put("p99_ns", h.getValueAtPercentile(99))
                .put("p999_ns", h.getValueAtPercentile(99.9))
                .put("max_ns", h.getMaxValue())
                .put("cpu_user_ms", cpu.userMicros() / 1e3)
                .put("cpu_sys_ms", cpu.sysMicros() / 1e3);
    }

    /**
     * Writes the step's histogram as an HdrHistogram log ({@code HistogramLogProcessor} and the
     * plotters read it), named {@code java-<transport>-rtt-<size>-r<round>.hlog}; values in ns.
     */
    private void saveLog(Histogram h, int size) throws IOException {
        if (hlogDir == null) {
            return;
        }
        Path file = hlogDir.resolve("java-" + transport + "-rtt-" + size + "-r" + round + ".hlog");
        try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.US_ASCII)) {
            HistogramLogWriter w = new HistogramLogWriter(ps);
            w.outputComment("jipc bench: java " + transport + ", rtt, " + size + " B, round " + round + ", pin " + pin
                    + "; values in nanoseconds");
            w.outputLogFormatVersion();
            w.outputStartTime(h.getStartTimeStamp());
            w.outputLegend();
            w.outputIntervalHistogram(h);
        }
    }

    /** The sum the consumer must report: every word of every message streamed since SYNC. */
    private long expected;

    /**
     * Streams messages one way until {@code most} or {@code deadline}, adding their words
     * to {@link #expected}. {@return how many}
     */
    private long stream(Transport.Link link, MemorySegment msg, int size, int phase, long first, long most,
                        long deadline) throws IOException {
        long rest = Protocol.patternSum(size);
        long sum = 0;
        long n = 0;
        while (n < most) {
            long w = word0(phase, first + n);
            setWord0(msg, w);
            link.send(msg, size);
            sum += w + rest;
            n++;
            if ((n & 63) == 0 && System.nanoTime() - deadline > 0) {
                break;
            }
        }
        expected += sum;
        return n;
    }

    private Result tput(Transport.Link link, MemorySegment msg, int size) throws IOException {
        Protocol.fill(msg, size);
        warmUp(link, msg, size, null);
        expected = 0;
        Rusage.Cpu c0 = Rusage.self();
        long start = System.nanoTime();
        long most = plan.count(new Plan.Step("tput", size));
        long n = stream(link, msg, size, MEASURE, 0, most, start + plan.millis() * 1_000_000L);
        setWord0(msg, word0(END, n));
        link.send(msg, size);
        link.receive(msg, size);
        long wall = System.nanoTime() - start;
        Rusage.Cpu cpu = Rusage.self().minus(c0);
        if (getWord0(msg) != expected) {
            throw new IOException("tput: the consumer's checksum " + Long.toHexString(getWord0(msg))
                    + " is not the " + Long.toHexString(expected) + " of what was sent");
        }
        double secs = wall / 1e9;
        return head("tput", size, n, wall)
                .put("msgs_per_s", n / secs)
                .put("gb_per_s", n * (double) size / secs / 1e9)
                .put("checksum", "ok")
                .put("cpu_user_ms", cpu.userMicros() / 1e3)
                .put("cpu_sys_ms", cpu.sysMicros() / 1e3);
    }

    /**
     * SYNC, then {@link Plan#idleMillis()} of nothing while the peer waits in a receive,
     * then END: the CPU time a waiting side burns (the peer's is the one that matters;
     * this side sleeps).
     */
    private Result idle(Transport.Link link, MemorySegment msg, int size) throws IOException {
        Protocol.fill(msg, size);
        sync(link, msg, size);
        Rusage.Cpu c0 = Rusage.self();
        long start = System.nanoTime();
        long end = start + plan.idleMillis() * 1_000_000L;
        for (long left = end - start; left > 0; left = end - System.nanoTime()) {
            try {
                Thread.sleep(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted in the idle step", e);
            }
        }
        setWord0(msg, word0(END, 0));
        link.send(msg, size);
        link.receive(msg, size);
        long wall = System.nanoTime() - start;
        Rusage.Cpu cpu = Rusage.self().minus(c0);
        return head("idle", size, 0, wall)
                .put("cpu_user_ms", cpu.userMicros() / 1e3)
                .put("cpu_sys_ms", cpu.sysMicros() / 1e3);
    }

    private Result head(String metric, int size, long count, long wallNanos) {
        return new Result().put("impl", "java").put("transport", transport).put("metric", metric)
                .put("size", size).put("pin", pin).put("round", round).put("count", count)
                .put("wall_ms", wallNanos / 1e6);
    }

    /**
     * Adds the peer's CPU time to each line; checks its count and sequence in tput steps, and
     * that the peer JVM could use as many CPUs as this one before it pinned its thread.
     */
    private static void mergePeerReport(List<Result> lines, List<String> peerLines, int allowedCpus)
            throws IOException {
        if (peerLines.size() != lines.size()) {
            throw new IOException("the peer reported " + peerLines.size() + " steps, not " + lines.size());
        }
        for (int i = 0; i < lines.size(); i++) {
            Result mine = lines.get(i);
            Result theirs = Result.parse(peerLines.get(i));
            if (theirs.number("allowed_cpus") < allowedCpus) {
                throw new IllegalStateException("the peer JVM started with " + theirs.string("allowed_cpus")
                        + " CPU(s) allowed, this one has " + allowedCpus + ": it inherited a pinned mask");
            }
            if (mine.string("metric").equals("tput")
                    && (theirs.number("count") != mine.number("count") || theirs.number("sequence_errors") != 0)) {
                throw new IOException("tput: the consumer counted " + theirs.string("count") + " messages with "
                        + theirs.string("sequence_errors") + " out of sequence; " + mine.string("count") + " were sent");
            }
            mine.put("peer_cpu_user_ms", theirs.number("user_us") / 1e3)
                    .put("peer_cpu_sys_ms", theirs.number("sys_us") / 1e3);
            if (mine.string("metric").equals("idle")) {
                // The waiting thread alone: JIT and GC threads finishing earlier work are not the wait's cost.
                mine.put("peer_thread_cpu_ms", theirs.number("thread_us") / 1e3);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
