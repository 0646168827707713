package io.jipc.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness end to end with a few hundred messages: every Java transport (two real
 * JVMs each) and every C twin (two real processes each), the report and its charts. No
 * timing is asserted; what must hold is that every step produced a verified result in
 * the shared format, and that nothing was left behind.
 */
class HarnessSmokeTest {

    @Test
    void slotRingLayoutIsTheSameInJavaAndC() throws Exception {
        Path out = Files.createTempFile("jipc-bench-layout", ".json");
        try {
            assertTrue(Machine.run(List.of(Main.nativeDir().resolve("cbench").toString(), "--layout", out.toString()), 30));
            Result c = Result.parse(Files.readString(out));
            assertEquals(SlotRingDescriptor.TAIL_OFFSET, (int) c.number("TAIL_OFFSET"));
            assertEquals(SlotRingDescriptor.HEAD_OFFSET, (int) c.number("HEAD_OFFSET"));
            assertEquals(SlotRingDescriptor.CONSUMER_WAITING_OFFSET, (int) c.number("CONSUMER_WAITING_OFFSET"));
            assertEquals(SlotRingDescriptor.PRODUCER_WAITING_OFFSET, (int) c.number("PRODUCER_WAITING_OFFSET"));
            assertEquals(SlotRingDescriptor.SLOTS_OFFSET, (int) c.number("SLOTS_OFFSET"));
            assertEquals(SlotRingDescriptor.SLOT_HEADER_LENGTH, (int) c.number("SLOT_HEADER_LENGTH"));
            assertEquals(SlotRingDescriptor.MAX_PAYLOAD, (int) c.number("MAX_PAYLOAD"));
            assertEquals(SlotRingDescriptor.SLOT_STRIDE, (int) c.number("SLOT_STRIDE"));
            assertEquals(SlotRingDescriptor.SLOT_COUNT, (int) c.number("SLOT_COUNT"));
            assertEquals(SlotRingDescriptor.RING_LENGTH, (int) c.number("RING_LENGTH"));
            assertEquals(SlotRingDescriptor.SPIN_LIMIT, (int) c.number("SPIN_LIMIT"));
            assertEquals(Long.toHexString(Protocol.pattern(1)), c.string("PATTERN_1"));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void everyTransportRunsInJavaAndCAndTheReportIsWritten() throws Exception {
        Set<String> shmBefore = shmNames();
        Set<String> queuesBefore = queueNames();
        Path report = Path.of("target", "smoke-report").toAbsolutePath();
        Driver.deleteTree(report);
        Plan plan = new Plan(List.of("rtt", "tput", "idle"), List.of(8, 1024), 100, 2000, 300, 5000);
        Main.Settings s = new Main.Settings(Transports.all(), List.of("java", "c"), plan, 1, "none", false, false,
                report, Main.nativeDir(), 0, 2, List.of("(smoke test)"));

        int failures = Main.run(s, System.out);

        assertEquals(0, failures, "side-runs failed; see the output above");
        List<Result> results = Files.readAllLines(report.resolve("results.jsonl")).stream()
                .map(Result::parse).toList();
        Set<String> expected = new TreeSet<>();
        for (String t : Transports.all()) {
            for (String impl : List.of("java", "c")) {
                if (Main.available(impl, t)) {
                    for (String metric : List.of("rtt", "tput")) {
                        for (int size : List.of(8, 1024)) {
                            expected.add(Results.key(impl, t, metric, size));
                        }
                    }
                    expected.add(Results.key(impl, t, "idle", 8));
                }
            }
        }
        Set<String> got = results.stream().map(r -> Results.key(r.string("impl"), r.string("transport"),
                r.string("metric"), (int) r.number("size"))).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, got);
        for (Result r : results) {
            if (r.string("metric").equals("idle")) {
                assertEquals(0, (long) r.number("count"), r::toString);
                assertTrue(r.number("wall_ms") >= plan.idleMillis(), () -> "the idle step was cut short: " + r);
                continue;
            }
            assertTrue(r.number("count") > 0, () -> "no measured messages: " + r);
            if (r.string("metric").equals("tput")) {
                assertEquals("ok", r.string("checksum"), r::toString);
                // Java and cbench alike send the rtt count times TPUT_COUNT_FACTOR in a tput step.
                assertEquals(300 * Plan.TPUT_COUNT_FACTOR, (long) r.number("count"),
                        () -> "a tput step is cut by count here: " + r);
            } else {
                assertTrue(r.number("p50_ns") > 0 && r.number("p50_ns") <= r.number("max_ns"), r::toString);
            }
        }
        // Java and C print the same fields for the same metric.
        for (String metric : Plan.METRICS) {
            Set<Set<String>> shapes = new HashSet<>();
            results.stream().filter(r -> r.string("metric").equals(metric))
                    .forEach(r -> shapes.add(r.fields().keySet()));
            assertEquals(1, shapes.size(), () -> metric + " lines differ in their fields: " + shapes);
        }
        String md = Files.readString(report.resolve("report.md"));
        assertTrue(md.matches("(?s).*\\| transport +\\| size +\\| +Java p50 .*"), "the rtt table is missing");
        assertTrue(md.contains("| shm-spin"), "the shm-spin row is missing");
        for (String t : List.of("pipe", "mq", "jipc-ring-spin", "jipc-ring-sleep", "jipc-mpsc-spin")) {
            assertTrue(Main.available("java", t) && Main.available("c", t), t + " lacks a Java transport or a C twin");
            assertTrue(md.contains("| " + t + " "), "the " + t + " row is missing");
        }
        assertTrue(md.contains("## Targets"), "the Targets section is missing");
        assertTrue(md.contains("| spin-then-sleep ring (jipc-ring-sleep) idle"), "the idle target is missing");
        results.stream().filter(r -> r.string("metric").equals("idle"))
                .forEach(r -> assertTrue(r.number("peer_thread_cpu_ms") >= 0, r::toString));
        for (String t : List.of("chan-shm", "chan-mq", "chan-pipe", "chan-unix", "chan-tcp", "aeron-ipc")) {
            assertTrue(md.contains("| " + t + " "), "the " + t + " row is missing");
        }
        // Every side-run carries its probes and the CPU others took (null: a machine too busy to probe);
        // the report says what they mean.
        for (Result r : results) {
            assertTrue(r.fields().keySet().containsAll(List.of("probe_before_ns", "probe_after_ns", "others_cpu_cores")),
                    r::toString);
        }
        assertTrue(md.contains("## Machine state") && md.contains("Cache-line probe"), "the machine state is missing");
        // 300 samples a round: no p99.9 anywhere.
        assertTrue(md.contains("n<10k") && !md.matches("(?s).*\\| +[0-9.]+ \\| +300 \\|.*"), "p99.9 shown below 10k samples");
        // The HdrHistogram log of every Java rtt step, beside the report.
        for (String t : Transports.JAVA.keySet()) {
            for (int size : List.of(8, 1024)) {
                Path hlog = report.resolve("hlog").resolve("java-" + t + "-rtt-" + size + "-r1.hlog");
                assertTrue(Files.readString(hlog).contains("#[StartTime:"), hlog + " is missing or not a histogram log");
            }
        }
        // The start-up rows: the floor, the first call in and around its JVM.
        List<Result> startup = Files.readAllLines(report.resolve("startup.jsonl")).stream().map(Result::parse).toList();
        Set<String> rows = startup.stream().map(r -> r.string("what")).collect(Collectors.toSet());
        assertTrue(rows.containsAll(List.of(Startup.JAVA_VERSION, Startup.EMPTY_MAIN, Startup.FIRST_CREATE,
                Startup.FIRST_CREATE_INSIDE)), rows::toString);
        for (Result r : startup) {
            assertEquals(2, (long) r.number("runs"), r::toString);
            assertTrue(0 < r.number("min_ms") && r.number("min_ms") <= r.number("median_ms")
                    && r.number("median_ms") <= r.number("max_ms"), r::toString);
        }
        for (String png : List.of("rtt-8.png", "rtt-1024.png", "tput.png")) {
            assertTrue(Files.size(report.resolve(png)) > 1000, png + " is missing or empty");
        }
        assertEquals(shmBefore, shmNames(), "the harness left shared-memory objects behind");
        assertEquals(queuesBefore, queueNames(), "the harness left message queues behind");
    }

    private static Set<String> shmNames() throws Exception {
        return names(Path.of("/dev/shm"));
    }

    /** The mqueue namespace where it is mounted (it usually is); nothing to compare otherwise. */
    private static Set<String> queueNames() throws Exception {
        Path mqueue = Path.of("/dev/mqueue");
        return Files.isDirectory(mqueue) ? names(mqueue) : Set.of();
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("jipc-bench-"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
