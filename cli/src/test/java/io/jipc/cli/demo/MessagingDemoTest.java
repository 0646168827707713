package io.jipc.cli.demo;

import io.jipc.cli.CliRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.jipc.cli.CliRun.assertFitsTheTerminal;
import static io.jipc.cli.CliRun.decimal;
import static io.jipc.cli.CliRun.execute;
import static io.jipc.cli.CliRun.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the message-passing demos and the tour in-process, with real worker processes. */
class MessagingDemoTest {
    private static final long PID = ProcessHandle.current().pid();

    @AfterEach
    void nothingLeftBehind() {
        assertEquals(Set.of(), Leftovers.children(), "child processes left");
        assertEquals(Set.of(), Leftovers.demoObjects(PID), "names left in /dev/shm or /dev/mqueue");
    }

    @Test
    @Timeout(120)
    void pipeEndsInEndOfStreamAndShowsTheForgottenWriteEnd() {
        CliRun run = execute("demo", "pipe", "--round-trips", "300", "--warm-up", "300");
        assertEquals(0, run.code(), run.err());
        assertEquals("", run.err());
        String out = run.out();
        String child = group(out, "Started the child, pid (\\d+)");
        // The child's lines arrive whole and in order, then end of stream, while the child still runs.
        int at = 0;
        for (int i = 1; i <= 3; i++) {
            String line = "line " + i + " of 3 from pid " + child + "\n";
            at = indexAfter(out, at, "read " + line.length() + " bytes  \"" + line.replace("\n", "\\n") + "\"");
        }
        at = indexAfter(out, at, "read -1        end of stream");
        assertTrue(out.replaceAll("\\s+", " ").contains("the child still runs (pid " + child + ")"), out);
        // The forgotten write end: the data, then a timed read that finds nothing and no end.
        at = indexAfter(out, at, "read 16 bytes  \"hello from echo\\n\"");
        Matcher empty = Pattern.compile("\\+ *(\\d+) ms  read 0 +a read with a 500 ms time-out: nothing, and no")
                .matcher(out);
        assertTrue(empty.find(at), out);
        assertTrue(Long.parseLong(empty.group(1)) >= 500, empty.group());
        assertTrue(out.substring(empty.end()).replaceAll("\\s+", " ")
                .contains("the next read returns -1, end of stream, at once"), out);
        assertTrue(decimal(out, "median") > 0, out);
        assertEquals(300, number(out, "round trips"));
        assertFitsTheTerminal(out);
    }

    @Test
    @Timeout(120)
    void mqReceivesByPriorityAndTimesItsWaits() {
        CliRun run = execute("demo", "mq", "--round-trips", "300", "--warm-up", "300");
        assertEquals(0, run.code(), run.err());
        assertEquals("", run.err());
        String out = run.out();
        assertTrue(out.contains("EAGAIN -> empty, answered in "), out);

        record Row(int priority, String text) {
        }
        List<Row> sent = new ArrayList<>();
        List<Row> received = new ArrayList<>();
        Matcher table = Pattern.compile("(?m)^ {7}p(\\d+)  \"([^\"]*)\" +p(\\d+)  \"([^\"]*)\"$").matcher(out);
        while (table.find()) {
            sent.add(new Row(Integer.parseInt(table.group(1)), table.group(2)));
            received.add(new Row(Integer.parseInt(table.group(3)), table.group(4)));
        }
        assertEquals(6, sent.size(), out);
        // Highest priority first, and in the order sent within a priority: a stable sort.
        List<Row> expected = new ArrayList<>(sent);
        expected.sort(Comparator.comparingInt(Row::priority).reversed());
        assertEquals(expected, received);
        assertTrue(sent.stream().map(Row::priority).distinct().count() > 2, "priorities are not mixed: " + sent);

        // Waits are at least as long as the producer's delay and the send's time-out.
        assertTrue(Double.parseDouble(group(out, "waited ([0-9.]+) ms, then got \"sent 250 ms after")) >= 249, out);
        assertTrue(out.contains("trySend x 8 -> true; once more -> false: full (8 of 8 messages)"), out);
        double gaveUp = Double.parseDouble(group(out,
                "send\\(\\.\\.\\., 200 ms\\) -> false: gave up \\(ETIMEDOUT\\) after ([0-9.]+) ms"));
        assertTrue(gaveUp >= 199, "gave up after " + gaveUp + " ms");
        assertTrue(decimal(out, "median") > 0, out);
        assertFitsTheTerminal(out);
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 8, 20_000", "2, 2, 3, 5_000"})
    @Timeout(120)
    void boundedBufferDeliversEveryItemOnceInOrder(int producers, int consumers, int slots, String items) {
        CliRun run = execute("demo", "bounded-buffer", "-p", Integer.toString(producers),
                "-c", Integer.toString(consumers), "-s", Integer.toString(slots), "-n", items);
        assertEquals(0, run.code(), run.err());
        String out = run.out();
        long total = producers * Long.parseLong(items.replace("_", ""));
        assertEquals(total, number(out, "items sent"));
        assertEquals(total, number(out, "items received"));
        assertEquals(0, number(out, "out of order"));
        assertEquals(0, number(out, "damaged"));
        assertTrue(out.contains("  checksum          matches: every item arrived exactly once"), out);
        assertTrue(out.contains(slots + " slots of 16 bytes"), out);
        assertFitsTheTerminal(out);
    }

    @Test
    void badOptionsAreUsageErrors() {
        CliRun run = execute("demo", "pipe", "--lines", "0");
        assertEquals(2, run.code());
        assertTrue(run.err().startsWith("jipc: --lines must be between 1 and 20, not 0"), run.err());

        run = execute("demo", "mq", "--round-trips", "0");
        assertEquals(2, run.code());
        assertTrue(run.err().startsWith("jipc: --round-trips must be between 1 and 10,000,000, not 0"), run.err());

        run = execute("demo", "bounded-buffer", "--slots", "0");
        assertEquals(2, run.code());
        assertTrue(run.err().startsWith("jipc: --slots must be between 1 and 65536, not 0"), run.err());
        assertEquals("", run.out());
    }

    /** The README's first command: every part in order, each claim in the summary, nothing asked. */
    @Test
    @Timeout(300)
    void tourRunsEveryDemoInOrder() {
        CliRun run = execute("tour");
        assertEquals(0, run.code(), run.err());
        String out = run.out();
        int at = 0;
        String[] parts = {"1/7  Lost updates", "2/7  A flag is not a lock", "3/7  A lock that works",
            "4/7  Pipes", "5/7  Message queues", "6/7  A bounded buffer", "7/7  Channels",
            "What the tour showed"};
        String[] first = {"Race: ", "Flag: ", "Mutex: ", "Pipe: ", "Message queue: ", "Bounded buffer: ",
            "Channels: ", "  race"};
        for (int i = 0; i < parts.length; i++) {
            at = indexAfter(out, at, "--- " + parts[i] + " ---");
            at = indexAfter(out, at, first[i]);
        }
        String summary = out.substring(at);
        assertTrue(summary.contains("  mutex           lost 0 of 400,000 updates with a Mutex"), summary);
        assertTrue(summary.contains("  pipe            EOF when the last write end closed; round trip "), summary);
        assertTrue(summary.contains("  mq              priority order 9 5 5 1 0 0; round trip "), summary);
        assertTrue(summary.contains("  bounded-buffer  50,000 items through 8 slots, each once and in order"),
                summary);
        assertTrue(summary.contains("  channels        one API over shm, mq, pipe, unix, tcp"), summary);
        assertFitsTheTerminal(out);
    }

    private static String group(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        assertTrue(m.find(), "no match for " + regex + " in:\n" + output);
        return m.group(1);
    }

    /** {@return the index just past the first of {@code texts} found at or after {@code from}} */
    private static int indexAfter(String output, int from, String... texts) {
        for (String t : texts) {
            int i = output.indexOf(t, from);
            if (i >= 0) {
                return i + t.length();
            }
        }
        throw new AssertionError("no " + String.join(" or ", texts) + " after offset " + from + " in:\n" + output);
    }
}
