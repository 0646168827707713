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
    private final List<JsonLine> results = new ArrayList<>();

    private void rtt(String impl, String transport, double p50, double p99) {
        results.add(line(impl, transport, "rtt", 8).put("p50_ns", p50).put("p99_ns", p99));
    }

    private void tput(String impl, String transport, double perSecond) {
        results.add(line(impl, transport, "tput", 64).put("msgs_per_s", perSecond));
    }

    private static JsonLine line(String impl, String transport, String metric, int size) {
        return new JsonLine().put("impl", impl).put("transport", transport).put("metric", metric).put("size", size)
                .put("wall_ms", 1000.0).put("cpu_user_ms", 0.0).put("cpu_sys_ms", 0.0)
                .put("peer_cpu_user_ms", 0.0).put("peer_cpu_sys_ms", 0.0);
    }

    private Map<String, Targets.Target> evaluate() {
        Plan plan = new Plan(Plan.METRICS, List.of(8, 64), 1, 1, 1, 1);
        Main.Settings s = new Main.Settings(Transports.all(), List.of("java", "c"), plan, 1, "different", false, true,
                Path.of("unused"), Path.of("unused"), 0, List.of());
        Report r = new Report(s, results, List.of(), List.of(), 1, "0, 0, 0");
        return Targets.evaluate(r).stream().collect(Collectors.toMap(Targets.Target::what, Function.identity()));
    }

    @Test
    void ringCostsPairJavaWithCAndAgronaBySize() {
        List<JsonLine> micro = List.of(
                new JsonLine().put("impl", "java").put("bench", "jipcOfferPoll-64").put("ns_per_call", 30.0),
                new JsonLine().put("impl", "c").put("bench", "jipcOfferPoll-64").put("ns_per_call", 25.0),
                new JsonLine().put("impl", "java").put("bench", "agronaWriteRead-64").put("ns_per_call", 15.0));
        Plan plan = new Plan(List.of("rtt"), List.of(8), 1, 1, 1, 1);
        Main.Settings s = new Main.Settings(List.of("pipe"), List.of("java", "c"), plan, 1, "different", true, true,
                Path.of("unused"), Path.of("unused"), 0, List.of());
        String tables = new Report(s, List.of(), micro, List.of(), 1, "").tables();
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
        tput("java", "jipc-ring-spin", 7e6);
        tput("c", "jipc-ring-spin", 10e6);
        tput("java", "agrona", 6e6);
        rtt("java", "pipe", 50_000, 0);
        rtt("c", "pipe", 40_000, 0);
        results.add(line("java", "jipc-ring-sleep", "idle", 8).put("peer_thread_cpu_ms", 5.0));
        Map<String, Targets.Target> t = evaluate();

        Targets.Target p50 = find(t, "SPSC ring (jipc-ring-spin) rtt 8 B p50: Java ≤ 1.10 × C");
        assertEquals(400.0 / 380, p50.value(), 1e-9);
        assertEquals("PASS", p50.result());
        assertEquals("MISS", find(t, "SPSC ring (jipc-ring-spin) rtt 8 B p50: Java ≤ Agrona").result());
        assertEquals("PASS", find(t, "SPSC ring (jipc-ring-spin) rtt 8 B p99: Java ≤ Agrona").result());
        Targets.Target vsC = find(t, "SPSC ring (jipc-ring-spin) tput 64 B: Java ≥ 0.8");
        assertEquals(0.7, vsC.value(), 1e-9);
        assertEquals("MISS", vsC.result());
        assertEquals("PASS", find(t, "SPSC ring (jipc-ring-spin) tput 64 B: Java ≥ Agrona").result());
        assertEquals("MISS", find(t, "pipe rtt").result());
        assertEquals("not measured", find(t, "mq rtt").result());
        Targets.Target idle = find(t, "spin-then-sleep ring (jipc-ring-sleep) idle");
        assertEquals(0.5, idle.value(), 1e-9);
        assertEquals("PASS", idle.result());
        String table = Targets.table(new Report(new Main.Settings(Transports.all(), List.of("java"),
                new Plan(List.of("rtt"), List.of(8), 1, 1, 1, 1), 1, "same", false, true, Path.of("u"), Path.of("u"), 0,
                List.of()), results, List.of(), List.of(), 1, ""));
        assertTrue(table.contains(" PASS |") && table.contains(" MISS |") && table.contains(" not measured |"), table);
        assertEquals(400.0 / 380, p50.bestValue(), 1e-9);
    }
}
