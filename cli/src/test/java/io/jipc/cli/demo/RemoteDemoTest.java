package io.jipc.cli.demo;

import io.jipc.cli.CliRun;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.pipe.Pipe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.jipc.cli.CliRun.assertFitsTheTerminal;
import static io.jipc.cli.CliRun.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs {@code jipc demo remote} in-process: two namespaces, two JVMs, TCP through the channel API. */
class RemoteDemoTest {
    private static final long PID = ProcessHandle.current().pid();

    @AfterEach
    void nothingLeftBehind() throws Exception {
        assertEquals(Set.of(), Leftovers.children(), "child processes left");
        if (NamespacePair.missing() == null) {
            String list = ipNetnsList();
            assertFalse(list.contains("jipc-demo-a-" + PID) || list.contains("jipc-demo-b-" + PID),
                    "namespaces left:\n" + list);
        }
    }

    @Test
    @Timeout(300)
    void messagesCrossFromOneNamespaceToTheOtherAndBothNamespacesGoAfterwards() throws Exception {
        Assumptions.assumeTrue(NamespacePair.missing() == null, NamespacePair::missing);
        CliRun run = execute("demo", "remote", "--messages", "3", "--round-trips", "300", "--warm-up", "300");
        // Root in a container may still lack the right to make namespaces: then there is nothing to show.
        Assumptions.assumeFalse(run.code() == 1 && run.err().startsWith("jipc: ip netns add"), run.err());
        assertEquals(0, run.code(), run.err() + run.out());
        String out = run.out();
        String a = "jipc-demo-a-" + PID;
        String b = "jipc-demo-b-" + PID;
        assertTrue(out.contains("$ ip netns add " + a) && out.contains("$ ip netns add " + b), out);
        Matcher listen = Pattern.compile("(?m)^  \\[a\\] listening on tcp://(10\\.231\\.\\d+)\\.1:7000$").matcher(out);
        assertTrue(listen.find(), out);
        String subnet = listen.group(1);
        assertTrue(out.contains("  [b] connected to tcp://" + subnet + ".1:7000"), out);
        assertTrue(out.contains(subnet + ".0/30 dev jdvb"), "b's only route is its cable:\n" + out);
        for (int i = 1; i <= 3; i++) {
            assertTrue(out.contains("  [b] sent \"hello " + i + " from b\", reply \"ack " + i
                    + " from a: 14 bytes arrived\""), "message " + i + ":\n" + out);
        }
        assertTrue(out.contains("  [a] acknowledged 3 messages, echoed 600 round trips"), out);
        Matcher median = Pattern.compile("\\[b\\] 300 round trips of 64 bytes: median ([0-9.]+) us").matcher(out);
        assertTrue(median.find() && Double.parseDouble(median.group(1)) > 0, out);
        assertTrue(out.contains("$ ip netns del " + a) && out.contains("$ ip netns del " + b), out);
        assertTrue(out.contains("neither " + a + " nor " + b + " is left"), out);
        String list = ipNetnsList();
        assertFalse(list.contains(a) || list.contains(b), "ip netns list still shows them:\n" + list);
        assertFitsTheTerminal(out);
    }

    @Test
    void whatIsMissingIsSaidInOneLine() {
        assertNull(NamespacePair.missing(true, true));
        for (boolean root : new boolean[] {false, true}) {
            for (boolean ip : new boolean[] {false, true}) {
                if (root && ip) {
                    continue;
                }
                String why = NamespacePair.missing(root, ip);
                assertFalse(why.contains("\n"), why);
                assertEquals(!root, why.contains("needs root"), why);
                assertEquals(!ip, why.contains("ip command (iproute2)"), why);
            }
        }
        CliRun bad = execute("demo", "remote", "--messages", "0");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("jipc: --messages must be between 1 and 100, not 0"), bad.err());
    }

    private static String ipNetnsList() throws Exception {
        try (Pipe pipe = Pipe.open();
             ChildProcess ip = Spawn.command("ip", "netns", "list").mapDescriptor(1, pipe.writeEnd().fd()).start()) {
            pipe.writeEnd().close();
            StringBuilder s = new StringBuilder();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            int n;
            while ((n = pipe.readEnd().read(buffer.clear(), Duration.ofSeconds(30))) > 0) {
                s.append(StandardCharsets.UTF_8.decode(buffer.flip()));
            }
            assertTrue(ip.waitFor().success());
            return s.toString();
        }
    }
}
