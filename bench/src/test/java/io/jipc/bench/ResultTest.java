package io.jipc.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pieces the report is computed from: the line format, the plan, the arithmetic. */
class ResultTest {

    @Test
    void readsWhatCbenchPrints() {
        Result j = Result.parse("{\"impl\":\"c\",\"transport\":\"pipe\",\"metric\":\"rtt\",\"size\":8,"
                + "\"count\":1373,\"wall_ms\":300.247,\"p50_ns\":43043,\"cpu_user_ms\":0.000}");
        assertEquals("c", j.string("impl"));
        assertEquals("pipe", j.string("transport"));
        assertEquals(8, (int) j.number("size"));
        assertEquals(43043, (long) j.number("p50_ns"));
        assertEquals(300.247, j.number("wall_ms"), 1e-9);
        assertTrue(j.hasNumber("cpu_user_ms"));
        assertTrue(Double.isNaN(j.number("missing")));
    }

    @Test
    void writesWhatItReads() {
        Result j = new Result().put("impl", "java").put("size", 4096).put("gb_per_s", 1.5).put("checksum", "ok");
        String line = j.toString();
        assertEquals("{\"impl\":\"java\",\"size\":4096,\"gb_per_s\":1.5,\"checksum\":\"ok\"}", line);
        assertEquals(j.fields(), Result.parse(line).fields());
        assertThrows(IllegalArgumentException.class, () -> Result.parse("not json"));
        assertThrows(IllegalArgumentException.class, () -> Result.parse("[1, 2]"));
    }

    @Test
    void textWithQuotesCommasAndBracesSurvives() {
        // The hand-written format broke on any of these; a JVM option or an error message may hold them.
        String nasty = "-Dx=\"a,b\" {c}: d\\e\n";
        Result back = Result.parse(new Result().put("jvm", nasty).put("n", 3).toString());
        assertEquals(nasty, back.string("jvm"));
        assertEquals(3, back.number("n"));
    }

    @Test
    void planStepsAndArguments() {
        Plan p = new Plan(List.of("tput", "rtt"), List.of(8, 64), 10, 20, 30, 40);
        assertEquals(List.of(new Plan.Step("rtt", 8), new Plan.Step("rtt", 64), new Plan.Step("tput", 8),
                new Plan.Step("tput", 64)), p.steps());
        assertEquals(p, parse(p.toArgs()));
        assertThrows(IllegalArgumentException.class, () -> new Plan(List.of("rtt"), List.of(12), 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Plan(List.of("rtt"), List.of(8192), 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Plan(List.of("latency"), List.of(8), 1, 1, 1, 1));
        // idle: one step at the first size, after the others; its quiet time is capped.
        Plan idle = new Plan(List.of("idle", "rtt"), List.of(64, 8), 10, 20, 30, 4000);
        assertEquals(List.of(new Plan.Step("rtt", 64), new Plan.Step("rtt", 8), new Plan.Step("idle", 64)), idle.steps());
        assertEquals(Plan.MAX_IDLE_MILLIS, idle.idleMillis());
        assertEquals(40, p.idleMillis());
        assertEquals(idle, parse(idle.toArgs()));
        assertThrows(CommandLine.UnmatchedArgumentException.class, () -> parse(List.of("--nope", "1")));
    }

    /** What the Driver and the Peer do with the plan's arguments. */
    private static Plan parse(List<String> args) {
        PlanOptions o = new PlanOptions();
        new CommandLine(o).parseArgs(args.toArray(String[]::new));
        return o.plan();
    }

    @Test
    void protocolWordsAndChecksum() {
        long w = Protocol.word0(Protocol.END, 12345);
        assertEquals(Protocol.END, Protocol.phaseOf(w));
        assertEquals(12345, Protocol.sequenceOf(w));
        var msg = java.lang.foreign.Arena.ofAuto().allocate(64, 8);
        Protocol.fill(msg, 64);
        Protocol.setWord0(msg, 7);
        assertEquals(7 + Protocol.patternSum(64), Protocol.sumWords(msg, 64));
    }

    @Test
    void ratiosAndMedians() {
        assertEquals(2.0, Results.median(new double[] {1, 2, 3}));
        assertEquals(2.5, Results.median(new double[] {1, 2, 3, 4}));
        assertTrue(Double.isNaN(Results.median(new double[0])));
        assertEquals("2.00", BenchReport.ratio(4, 2));
        assertEquals("—", BenchReport.ratio(Double.NaN, 2));
        assertEquals("0.45", BenchReport.micros(450));
        assertEquals("43.0", BenchReport.micros(43_043));
        assertEquals("1234", BenchReport.micros(1_234_000));
    }
}
