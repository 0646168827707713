package io.jipc.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;

import static io.jipc.bench.Main.format;

/**
 * The one-JVM microbenchmarks for the report: the JMH benchmarks of io.jipc.bench.jmh with
 * short settings (one fork, 3 x 1 s warm-up, 5 x 1 s measured; RingCost at
 * {@link #RING_SIZES} only), and cmicro, the C version of the call costs and of the ring
 * sequences. For careful numbers run {@code java -jar bench/target/benchmarks.jar} with
 * JMH's own options instead.
 */
final class Micro {
    /** RingCost's message sizes in the report's short run. */
    static final String[] RING_SIZES = {"8", "64"};

    private Micro() {
    }

    static List<Result> run(Path nativeDir, Path scratch, PrintStream out) throws Exception {
        List<Result> lines = new ArrayList<>();
        out.println("  micro: cmicro (10,000,000 calls each, median of 3) ...");
        Path cOut = scratch.resolve("cmicro.jsonl");
        if (Machine.run(List.of(nativeDir.resolve("cmicro").toString(), cOut.toString()), 300)) {
            Files.readAllLines(cOut).stream().map(Result::parse).forEach(lines::add);
        } else {
            out.println("  micro: cmicro failed");
        }
        out.println("  micro: JMH CallCost, LockCost and RingCost ...");
        Options opts = new OptionsBuilder()
                .include("io\\.jipc\\.bench\\.jmh\\..*")
                .forks(1)
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                .timeUnit(TimeUnit.NANOSECONDS)
                .param("size", RING_SIZES)
                .jvmArgsAppend(Jvm.options().toArray(String[]::new))
                .build();
        for (RunResult r : new Runner(opts).run()) {
            String label = r.getParams().getBenchmark();
            String method = label.substring(label.lastIndexOf('.') + 1);
            // One line per parameter value, named as cmicro names its ring lines.
            String size = r.getParams().getParam("size");
            if (size != null) {
                method += "-" + size;
            }
            lines.add(new Result().put("impl", "java").put("bench", method)
                    .put("ns_per_call", r.getPrimaryResult().getScore())
                    .put("error_ns", r.getPrimaryResult().getScoreError()));
        }
        return lines;
    }

    /** {@return the report's tables of the one-JVM results} */
    static String tables(List<Result> micro) {
        Map<String, Double> score = new LinkedHashMap<>();
        Map<String, Double> error = new LinkedHashMap<>();
        for (Result m : micro) {
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
        MarkdownTable calls = new MarkdownTable("call", "jipc Posix (errno capture)", "jextract binding", "plain downcall",
                "downcall critical(false)", "C (cmicro)", "Posix ÷ C");
        for (String call : List.of("kill", "getpid", "fcntl", "labs")) {
            double posix = score.getOrDefault("java:" + call + "Posix", Double.NaN);
            double c = score.getOrDefault("c:" + call, Double.NaN);
            calls.row(call, cell.apply("java:" + call + "Posix"), cell.apply("java:" + call + "Binding"),
                    cell.apply("java:" + call + "Downcall"), cell.apply("java:" + call + "Critical"),
                    cell.apply("c:" + call), BenchReport.ratio(posix, c));
        }
        MarkdownTable locks = new MarkdownTable("uncontended lock + unlock", "ns");
        for (String l : List.of("spinLock", "mutex", "casRelease")) {
            locks.row(switch (l) {
                case "spinLock" -> "io.jipc.sync.SpinLock";
                case "mutex" -> "io.jipc.sync.Mutex";
                default -> "VarHandle CAS + release store (floor)";
            }, ns(score.getOrDefault("java:" + l, Double.NaN)));
        }
        MarkdownTable rings = new MarkdownTable("one message in and out, one thread", "size", "jipc Java", "jipc C (cmicro)",
                "Agrona", "jipc Java ÷ C", "jipc Java ÷ Agrona");
        for (String size : Micro.RING_SIZES) {
            for (String[] b : new String[][] {{"claim, write 8 B, commit; poll", "jipcClaimCommitPoll",
                    "agronaClaimCommitRead"}, {"offer (copy in); poll", "jipcOfferPoll", "agronaWriteRead"},
                    {"offer; poll copying out", "jipcOfferPollCopy", "agronaWriteReadCopy"}}) {
                double j = score.getOrDefault("java:" + b[1] + "-" + size, Double.NaN);
                double c = score.getOrDefault("c:" + b[1] + "-" + size, Double.NaN);
                double a = score.getOrDefault("java:" + b[2] + "-" + size, Double.NaN);
                rings.row(b[0], size, cell.apply("java:" + b[1] + "-" + size), cell.apply("c:" + b[1] + "-" + size),
                        cell.apply("java:" + b[2] + "-" + size), BenchReport.ratio(j, c), BenchReport.ratio(j, a));
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
}
