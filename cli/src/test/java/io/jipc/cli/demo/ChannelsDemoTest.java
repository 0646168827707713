package io.jipc.cli.demo;

import io.jipc.cli.CliRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.jipc.cli.CliRun.assertFitsTheTerminal;
import static io.jipc.cli.CliRun.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs {@code jipc demo channels} in-process, with real echo workers, over every transport. */
class ChannelsDemoTest {
    private static final long PID = ProcessHandle.current().pid();

    @AfterEach
    void nothingLeftBehind() {
        assertEquals(Set.of(), Leftovers.children(), "child processes left");
        assertEquals(Set.of(), Leftovers.demoObjects(PID), "names left in /dev/shm or /dev/mqueue");
    }

    @Test
    @Timeout(300)
    void everyTransportGetsARowWithTheApiAndTheRawRoundTrip() {
        CliRun run = execute("demo", "channels", "--round-trips", "200", "--warm-up", "200", "--size", "100");
        assertEquals(0, run.code(), run.err());
        assertEquals("", run.err());
        String out = run.out();
        assertTrue(out.contains("100-byte messages; median of 200 round trips, after 200 to warm up"), out);
        int at = 0;
        for (String t : ChannelsDemo.TRANSPORTS) {
            // transport, API median, raw median, what the raw mechanism is, the ratio.
            Matcher row = Pattern.compile("(?m)^  " + t + " +([0-9.]+) us +([0-9.]+) us   (.+?) +([0-9.]+)$")
                    .matcher(out);
            assertTrue(row.find(at), "no row for " + t + " after offset " + at + " in:\n" + out);
            double api = Double.parseDouble(row.group(1));
            double raw = Double.parseDouble(row.group(2));
            assertTrue(api > 0 && raw > 0, row.group());
            // Printed from the exact medians, compared here with the rounded ones.
            assertEquals(api / raw, Double.parseDouble(row.group(4)), 0.02 + 0.05 * api / raw, row.group());
            at = row.end();
        }
        assertFitsTheTerminal(out);
    }

    @Test
    @Timeout(120)
    void aChosenTransportRunsAloneAndBadChoicesAreUsageErrors() {
        CliRun run = execute("demo", "channels", "shm", "--round-trips", "50", "--warm-up", "0");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("  shm "), run.out());
        for (String other : new String[] {"  mq ", "  pipe ", "  unix ", "  tcp "}) {
            assertTrue(!run.out().contains(other), other + " was not asked for:\n" + run.out());
        }

        CliRun bad = execute("demo", "channels", "udp");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("jipc: unknown transport 'udp': choose from shm, mq, pipe, unix, tcp"), bad.err());
        bad = execute("demo", "channels", "--size", "4");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("jipc: --size must be between 8 and 4096, not 4"), bad.err());
        assertEquals("", bad.out());
    }
}
