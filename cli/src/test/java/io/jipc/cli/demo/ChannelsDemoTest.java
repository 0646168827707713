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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code jipc demo channels} in-process: one message through the channel API over every
 * transport, then the bench command that measures the API next to each raw transport.
 */
class ChannelsDemoTest {
    private static final long PID = ProcessHandle.current().pid();

    @AfterEach
    void nothingLeftBehind() {
        assertEquals(Set.of(), Leftovers.children(), "child processes left");
        assertEquals(Set.of(), Leftovers.demoObjects(PID), "names left in /dev/shm or /dev/mqueue");
    }

    @Test
    @Timeout(120)
    void everyTransportDeliversAndTheBenchCommandPairsEachChannelWithItsRawTransport() {
        CliRun run = execute("demo", "channels", "--size", "100");
        assertEquals(0, run.code(), run.err());
        assertEquals("", run.err());
        String out = run.out();
        int at = 0;
        for (String t : ChannelsDemo.TRANSPORTS) {
            // transport, the address it used, what arrived.
            Matcher row = Pattern.compile("(?m)^  " + t + " +100 bytes, whole +(\\S+.*)$").matcher(out);
            assertTrue(row.find(at), "no row for " + t + " after offset " + at + " in:\n" + out);
            String address = row.group(1);
            assertTrue(t.equals("pipe") ? address.contains("pipe:read=") : address.startsWith(t + ":"), address);
            at = row.end();
        }
        assertTrue(out.contains("  ./jipc bench --transports channels --impl java --metrics rtt \\\n"
                + "      --sizes 100 --startup-runs 0\n"), out);
        assertFitsTheTerminal(out);
    }

    @Test
    @Timeout(60)
    void aChosenTransportRunsAloneAndBadChoicesAreUsageErrors() {
        CliRun run = execute("demo", "channels", "shm");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("  shm "), run.out());
        assertTrue(run.out().contains("--transports jipc-ring-sleep,chan-shm --impl java --metrics rtt \\\n"),
                run.out());
        for (String other : new String[] {"  mq ", "  pipe ", "  unix ", "  tcp "}) {
            assertFalse(run.out().contains(other), other + " was not asked for:\n" + run.out());
        }

        CliRun bad = execute("demo", "channels", "udp");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("jipc: unknown transport 'udp': choose from shm, mq, pipe, unix, tcp"), bad.err());
        bad = execute("demo", "channels", "--size", "4");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("jipc: --size must be between 8 and 4096, not 4"), bad.err());
        assertEquals("", bad.out());
        bad = execute("demo", "channels", "--round-trips", "5");
        assertEquals(2, bad.code(), "the measuring moved to the harness; its options went with it");
    }
}
