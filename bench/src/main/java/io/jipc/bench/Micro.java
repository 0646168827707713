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
import java.util.List;
import java.util.concurrent.TimeUnit;

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

    static List<JsonLine> run(Path nativeDir, Path scratch, PrintStream out) throws Exception {
        List<JsonLine> lines = new ArrayList<>();
        out.println("  micro: cmicro (10,000,000 calls each, median of 3) ...");
        Path cOut = scratch.resolve("cmicro.jsonl");
        if (Machine.run(List.of(nativeDir.resolve("cmicro").toString(), cOut.toString()), 300)) {
            Files.readAllLines(cOut).stream().map(JsonLine::parse).forEach(lines::add);
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
            lines.add(new JsonLine().put("impl", "java").put("bench", method)
                    .put("ns_per_call", r.getPrimaryResult().getScore())
                    .put("error_ns", r.getPrimaryResult().getScoreError()));
        }
        return lines;
    }
}
