package io.jipc.bench;

import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import org.HdrHistogram.Histogram;

import java.io.IOException;
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
import java.util.Set;
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
    private static final Set<String> OPTIONS = Set.of("--transport", "--cpu", "--peer-cpu", "--jit-warmup-ms", "--pin", "--round", "--out",
            "--metrics", "--sizes", "--warmup-count", "--warmup-ms", "--count", "--ms");

    /** Least warm-up of the first step of each metric: time for C2 to compile the hot loops. */
    static final long JIT_WARMUP_MILLIS = 1000;

    private final Plan plan;
    private final String transport;
    private final String pin;
    private final long round;
    private final long jitWarmupMillis;

    private Driver(Plan plan, String transport, String pin, long round, long jitWarmupMillis) {
        this.plan = plan;
        this.transport = transport;
        this.pin = pin;
        this.round = round;
        this.jitWarmupMillis = jitWarmupMillis;
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of(), OPTIONS);
        Plan plan = Plan.parse(args);
        String name = args.get("--transport", "");
        Transport transport = Transports.JAVA.get(name);
        if (transport == null) {
            throw new IllegalArgumentException("no Java transport " + name + "; there are " + Transports.JAVA.keySet());
        }
        Path out = Path.of(args.get("--out", "driver.jsonl"));
        Driver d = new Driver(plan, name, args.get("--pin", "none"), args.longValue("--round", 1),
                args.longValue("--jit-warmup-ms", JIT_WARMUP_MILLIS));
        List<JsonLine> lines = d.run(transport, (int) args.longValue("--cpu", -1), (int) args.longValue("--peer-cpu", -1));
        Files.write(out, lines.stream().map(JsonLine::toString).toList(),
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
    List<JsonLine> run(Transport transport, int cpu, int peerCpu) throws Exception {
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
            List<JsonLine> lines;
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

    private List<JsonLine> steps(Transport.Link link) throws IOException {
        MemorySegment msg = Arena.ofAuto().allocate(Protocol.MAX_SIZE, 64);
        Histogram histogram = new Histogram(60_000_000_000L, 3);
        List<JsonLine> lines = new ArrayList<>();
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
        long most = warmupCount();
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

    private long warmupCount() {
        return firstStep && jitWarmupMillis > 0 ? Long.MAX_VALUE : plan.warmupCount();
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

    private JsonLine rtt(Transport.Link link, MemorySegment msg, int size, Histogram h) throws IOException {
        Protocol.fill(msg, size);
        warmUp(link, msg, size, h);
        h.reset();
        Rusage.Cpu c0 = Rusage.self();
        long start = System.nanoTime();
        long n = pingPong(link, msg, size, MEASURE, 0, plan.count(), start + plan.millis() * 1_000_000L, h);
        long wall = System.nanoTime() - start;
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

    private JsonLine tput(Transport.Link link, MemorySegment msg, int size) throws IOException {
        Protocol.fill(msg, size);
        warmUp(link, msg, size, null);
        expected = 0;
        Rusage.Cpu c0 = Rusage.self();
        long start = System.nanoTime();
        long n = stream(link, msg, size, MEASURE, 0, plan.count(), start + plan.millis() * 1_000_000L);
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
    private JsonLine idle(Transport.Link link, MemorySegment msg, int size) throws IOException {
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

    private JsonLine head(String metric, int size, long count, long wallNanos) {
        return new JsonLine().put("impl", "java").put("transport", transport).put("metric", metric)
                .put("size", size).put("pin", pin).put("round", round).put("count", count)
                .put("wall_ms", wallNanos / 1e6);
    }

    /**
     * Adds the peer's CPU time to each line; checks its count and sequence in tput steps, and
     * that the peer JVM could use as many CPUs as this one before it pinned its thread.
     */
    private static void mergePeerReport(List<JsonLine> lines, List<String> peerLines, int allowedCpus)
            throws IOException {
        if (peerLines.size() != lines.size()) {
            throw new IOException("the peer reported " + peerLines.size() + " steps, not " + lines.size());
        }
        for (int i = 0; i < lines.size(); i++) {
            JsonLine mine = lines.get(i);
            JsonLine theirs = JsonLine.parse(peerLines.get(i));
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
