package io.jipc.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Targets section's arithmetic on made-up results: which reference, which direction, which limit. */
class TargetsTest {
    private final List<Result> results = new ArrayList<>();

    private void rtt(String impl, String transport, double p50, double p99) {
        results.add(line(impl, transport, "rtt", 8).put("p50_ns", p50).put("p99_ns", p99));
    }

    private void tput(String impl, String transport, double perSecond) {
        results.add(line(impl, transport, "tput", 64).put("msgs_per_s", perSecond));
    }

    private static Result line(String impl, String transport, String metric, int size) {
        return new Result().put("impl", impl).put("transport", transport).put("metric", metric).put("size", size)
                .put("wall_ms", 1000.0).put("cpu_user_ms", 0.0).put("cpu_sys_ms", 0.0)
                .put("peer_cpu_user_ms", 0.0).put("peer_cpu_sys_ms", 0.0);
    }

    private Map<String, Targets.Target> evaluate() {
        Plan plan = new Plan(Plan.METRICS, List.of(8, 64), 1, 1, 1, 1);
        Main.Settings s = new Main.Settings(Transports.all(), List.of("java", "c"), plan, 1, "different", false, true,
                Path.of("unused"), Path.of("unused"), 0, 0, List.of());
        BenchReport r = new BenchReport(s, results, List.of(), List.of(), List.of(), 1, "0, 0, 0");
        return Targets.evaluate(r).stream().collect(Collectors.toMap(Targets.Target::what, Function.identity()));
    }

    @Test
    void ringCostsPairJavaWithCAndAgronaBySize() {
        List<Result> micro = List.of(
                new Result().put("impl", "java").put("bench", "jipcOfferPoll-64").put("ns_per_call", 30.0),
                new Result().put("impl", "c").put("bench", "jipcOfferPoll-64").put("ns_per_call", 25.0),
                new Result().put("impl", "java").put("bench", "agronaWriteRead-64").put("ns_per_call", 15.0));
        Plan plan = new Plan(List.of("rtt"), List.of(8), 1, 1, 1, 1);
        Main.Settings s = new Main.Settings(List.of("pipe"), List.of("java", "c"), plan, 1, "different", true, true,
                Path.of("unused"), Path.of("unused"), 0, 0, List.of());
        String tables = new BenchReport(s, List.of(), micro, List.of(), List.of(), 1, "").tables();
        String row = tables.lines().filter(l -> l.startsWith("| offer (copy in); poll") && l.contains(" 64 "))
                .findFirst().orElseThrow(() -> new AssertionError(tables));
        assertTrue(row.matches(".*\\| +1\\.20 \\| +2\\.00 \\|$"), row);
    }

    private static Targets.Target find(Map<String, Targets.Target> all, String start) {
        List<Targets.Target> hits = all.values().stream().filter(t -> t.what().startsWith(start)).toList();
        assertEquals(1, hits.size(), () -> start + " matches " + hits);
        return hits.getFirst();
    }

    @Test
    void ratiosPassOrMissAgainstTheirOwnReference() {
        rtt("java", "jipc-ring-spin", 400, 1000);
        rtt("c", "jipc-ring-spin", 380, 1000);
        rtt("java", "agrona", 390, 2000);
        rtt("java", "aeron-ipc", 500, 900);
        tput("java", "jipc-ring-spin", 7e6);
        tput("c", "jipc-ring-spin", 10e6);
        tput("java", "agrona", 6e6);
        rtt("java", "pipe", 50_000, 0);
        rtt("c", "pipe", 40_000, 0);
        rtt("java", "chan-pipe", 52_000, 0);
        rtt("java", "jipc-ring-sleep", 800, 0);
        rtt("java", "chan-shm", 1000, 0);
        rtt("java", "jipc-ring-futex", 75_000, 0);
        rtt("c", "jipc-ring-futex", 70_000, 0);
        results.add(line("java", "jipc-ring-sleep", "idle", 8).put("peer_thread_cpu_ms", 5.0));
        Map<String, Targets.Target> t = evaluate();

        Targets.Target p99 = find(t, "SPSC ring (jipc-ring-spin) rtt 8 B p99: Java ≤ 1.2 × C twin");
        assertEquals(1.0, p99.value(), 1e-9);
        assertEquals("PASS", p99.result());
        assertEquals("MISS", find(t, "SPSC ring (jipc-ring-spin) rtt 8 B p50: Java ≤ Agrona").result());
        assertEquals("PASS", find(t, "SPSC ring (jipc-ring-spin) rtt 8 B p50: Java ≤ Aeron IPC").result());
        assertEquals("PASS", find(t, "SPSC ring (jipc-ring-spin) rtt 8 B p99: Java ≤ 1.2 × Agrona").result());
        Targets.Target vsC = find(t, "SPSC ring (jipc-ring-spin) tput 64 B: Java ≥ 0.9");
        assertEquals(0.7, vsC.value(), 1e-9);
        assertEquals("MISS", vsC.result());
        assertEquals("PASS", find(t, "SPSC ring (jipc-ring-spin) tput 64 B: Java ≥ Agrona").result());
        assertEquals("not measured", find(t, "SPSC ring (jipc-ring-spin) tput 64 B: Java ≥ Aeron").result());
        assertEquals("not measured", find(t, "SPSC ring (jipc-ring-spin) tput 8 B: Java ≥ Agrona").result());
        assertEquals("MISS", find(t, "pipe rtt").result());
        assertEquals("not measured", find(t, "mq rtt").result());
        // Channel rows against the raw transport they are built on.
        Targets.Target chanPipe = find(t, "channel chan-pipe rtt 8 B p50: ≤ 1.10 × raw pipe");
        assertEquals(52.0 / 50, chanPipe.value(), 1e-9);
        assertEquals("PASS", chanPipe.result());
        Targets.Target chanShm = find(t, "channel chan-shm rtt 8 B p50: ≤ 1.15 × raw jipc-ring-sleep");
        assertEquals(1.25, chanShm.value(), 1e-9);
        assertEquals("MISS", chanShm.result());
        // Both sides asleep: the ring whose waits sleep at once, against its C twin.
        Targets.Target asleep = find(t, "sleeping ring (jipc-ring-futex) rtt 8 B p50: Java ≤ 1.1 × C futex twin");
        assertEquals(75.0 / 70, asleep.value(), 1e-9);
        assertEquals("PASS", asleep.result());
        Targets.Target idle = find(t, "spin-then-sleep ring (jipc-ring-sleep) idle");
        assertEquals(0.5, idle.value(), 1e-9);
        assertEquals("PASS", idle.result());
        assertEquals("not measured", find(t, "start-up: ./jipc ls").result());
        String table = Targets.table(new BenchReport(new Main.Settings(Transports.all(), List.of("java"),
                new Plan(List.of("rtt"), List.of(8), 1, 1, 1, 1), 1, "same", false, true, Path.of("u"), Path.of("u"), 0,
                0, List.of()), results, List.of(), List.of(), List.of(), 1, ""));
        assertTrue(table.contains(" PASS |") && table.contains(" MISS |") && table.contains(" not measured |"), table);
        assertEquals(1.0, p99.bestValue(), 1e-9);
    }

    @Test
    void startupTargetsAreMillisecondsOverTheirFloor() {
        List<Result> startup = List.of(startupRow(Startup.JAVA_VERSION, 40), startupRow(Startup.EMPTY_MAIN, 60),
                startupRow(Startup.FIRST_CREATE, 140), startupRow(Startup.FIRST_CREATE_INSIDE, 70),
                startupRow(Startup.JIPC_LS, 390));
        Plan plan = new Plan(List.of("rtt"), List.of(8), 1, 1, 1, 1);
        Main.Settings s = new Main.Settings(List.of("pipe"), List.of("java"), plan, 1, "different", false, true,
                Path.of("unused"), Path.of("unused"), 0, 3, List.of());
        Map<String, Targets.Target> t = Targets.evaluate(new BenchReport(s, List.of(), List.of(), startup, List.of(), 1,
                "")).stream().collect(Collectors.toMap(Targets.Target::what, Function.identity()));
        Targets.Target first = find(t, "start-up: first SharedMemory.create");
        assertEquals(80, first.value(), 1e-9);
        assertEquals("MISS", first.result());
        assertEquals("PASS", find(t, "start-up: ./jipc ls").result());
    }

    private static Result startupRow(String what, double median) {
        return new Result().put("metric", "startup").put("what", what).put("runs", 3L).put("min_ms", median - 1)
                .put("median_ms", median).put("max_ms", median + 1);
    }

    @Test
    void disturbedRoundsAndComparisonsAcrossStatesAreFlagged() {
        rtt("java", "jipc-ring-spin", 400, 1000);
        rtt("c", "jipc-ring-spin", 380, 1000);
        // Both sides had their CPU: not starved.
        results.forEach(r -> r.put("cpu_user_ms", 1000.0).put("peer_cpu_user_ms", 1000.0));
        results.get(0).put("round", 1L).put("probe_before_ns", 120.0).put("probe_after_ns", 130.0)
                .put("others_cpu_cores", 0.6);
        results.get(1).put("round", 1L).put("probe_before_ns", 400.0).put("probe_after_ns", 410.0)
                .put("others_cpu_cores", 0.0);
        Targets.Target p50 = find(evaluate(), "SPSC ring (jipc-ring-spin) rtt 8 B p99: Java ≤ 1.2 × C twin");
        assertTrue(p50.flags().contains("across states"), p50.flags());
        assertTrue(p50.flags().contains("disturbed"), p50.flags());
        Plan plan = new Plan(List.of("rtt"), List.of(8), 1, 1, 1, 1);
        Main.Settings s = new Main.Settings(List.of("jipc-ring-spin"), List.of("java", "c"), plan, 1, "different",
                false, true, Path.of("unused"), Path.of("unused"), 0, 0, List.of());
        BenchReport r = new BenchReport(s, results, List.of(), List.of(), List.of(), 1, "0.5, 0, 0");
        assertEquals("Java r1 busy 0.60 CPU; J/C across states", r.flags("jipc-ring-spin", "rtt", 8));
        // A probe that changed during the side-run flags that round alone.
        results.get(1).put("probe_after_ns", 130.0);
        r = new BenchReport(s, results, List.of(), List.of(), List.of(), 1, "0.5, 0, 0");
        assertTrue(r.flags("jipc-ring-spin", "rtt", 8).contains("C r1 state 400→130 ns"), r.flags("jipc-ring-spin", "rtt", 8));
    }
}
