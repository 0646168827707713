package io.jipc.aeron;

import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multicast between processes: one publisher JVM, two subscriber JVMs, each with its own
 * embedded driver, on one multicast address. This machine's loopback has no MULTICAST flag,
 * so they run in a network namespace of their own, made and removed by the test, whose
 * loopback gets it ({@code ip link set lo multicast on}) and a route for 224.0.0.0/4. Two
 * processes cannot both bind one unicast port: each subscriber receiving the whole stream is
 * the group delivering to both. Needs root and the {@code ip} command; skipped with the
 * reason otherwise.
 */
@Tag("slow")
class AeronMulticastTest {
    private static final String ADDRESS = "aeron:udp?endpoint=224.0.1.1:40456|interface=127.0.0.1";
    private static final int COUNT = 300;

    private final String ns = "jipc-mc-" + ProcessHandle.current().pid();

    @Test
    @Timeout(300)
    void onePublisherReachesTwoSubscriberProcessesThroughTheGroup() throws Exception {
        Assumptions.assumeTrue(root(), "needs root to make a network namespace");
        String ip = Stream.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")
                .filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
        Assumptions.assumeTrue(ip != null, "the ip command (iproute2) is not installed");
        List<ChildProcess> children = new ArrayList<>();
        try {
            String failed = setUp(ip);
            Assumptions.assumeTrue(failed == null, () -> "could not make the namespace: " + failed);
            try (Pipe readyA = Pipe.open(); Pipe readyB = Pipe.open(); Pipe readyP = Pipe.open()) {
                ChildProcess a = inNamespace(ip, readyA, children, "subscribe", ADDRESS, Integer.toString(COUNT));
                ChildProcess b = inNamespace(ip, readyB, children, "subscribe", ADDRESS, Integer.toString(COUNT));
                AeronFailureTest.awaitReady(readyA);
                AeronFailureTest.awaitReady(readyB);
                // Until killed: one a millisecond, the subscribers take COUNT in a row from wherever they joined.
                inNamespace(ip, readyP, children, "publish", ADDRESS, "-1");
                AeronFailureTest.awaitReady(readyP);
                assertEquals(0, waitFor(a).code(), "the first subscriber got " + COUNT + " messages in a row");
                assertEquals(0, waitFor(b).code(), "the second subscriber got " + COUNT + " messages in a row");
            }
        } finally {
            for (ChildProcess c : children) {
                c.close(); // SIGKILL if still running (the publisher), then reaped
            }
            run(ip, "netns", "del", ns);
            EmbeddedDriver.reclaimDead();
            for (ChildProcess c : children) {
                assertFalse(Files.exists(EmbeddedDriver.directoryOf(c.pid())), "a child's driver directory is left");
            }
        }
    }

    /** {@return whether this process runs as root (effective uid 0)} */
    private static boolean root() throws Exception {
        // "Uid:	real	effective	saved	fs"
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                .map(l -> l.split("\\s+")[2]).findFirst().orElse("").equals("0");
    }

    /** {@return null if the namespace's loopback is up with multicast, else the command that failed} */
    private String setUp(String ip) throws Exception {
        if (Files.exists(Path.of("/run/netns", ns))) {
            run(ip, "netns", "del", ns); // a dead run's of the same pid
        }
        List<String[]> steps = List.of(
                new String[] {"netns", "add", ns},
                new String[] {"-n", ns, "link", "set", "lo", "up"},
                new String[] {"-n", ns, "link", "set", "lo", "multicast", "on"},
                new String[] {"-n", ns, "route", "add", "224.0.0.0/4", "dev", "lo"});
        for (String[] step : steps) {
            if (run(ip, step) != 0) {
                return "ip " + String.join(" ", step);
            }
        }
        return null;
    }

    private static int run(String ip, String... args) throws Exception {
        if (ip == null) {
            return -1;
        }
        try (ChildProcess p = Spawn.command(ip, args).start()) {
            return waitFor(p).code();
        }
    }

    private static ExitStatus waitFor(ChildProcess p) throws InterruptedException {
        Optional<ExitStatus> s = p.waitFor(Duration.ofSeconds(120));
        assertTrue(s.isPresent(), p + " did not finish");
        return s.get();
    }

    /** An {@link AeronPeer} JVM inside the namespace, with {@code ready}'s write end as its descriptor 5. */
    private ChildProcess inNamespace(String ip, Pipe ready, List<ChildProcess> children, String... args)
            throws Exception {
        Spawn s = Spawn.java(List.of(AeronFailureTest.ADD_OPENS, "-XX:+UseSerialGC"), AeronPeer.class, args)
                .wrappedIn(ip, "netns", "exec", ns);
        s.mapDescriptor(AeronPeer.READY_FD, ready.writeEnd().fd());
        ChildProcess c = s.start();
        children.add(c);
        return c;
    }
}
