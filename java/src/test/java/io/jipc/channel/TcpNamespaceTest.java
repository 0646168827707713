package io.jipc.channel;

import io.jipc.pipe.Pipe;
import io.jipc.posix.Procs;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP between two machines, played by two network namespaces this test makes and removes:
 * "a" holds 10.231.0.1/30 and "b" 10.231.0.2/30 on the two ends of a veth pair, and no route
 * leads anywhere else. A server JVM runs in "a", clients in "b" ({@code ip netns exec}).
 * Needs root and the {@code ip} command; skipped with the reason otherwise.
 */
class TcpNamespaceTest {
    private static final String SERVER_IP = "10.231.0.1";
    private static final String CLIENT_IP = "10.231.0.2";
    private static final int PORT = 7000;

    private final String nsA = "jipc-a-" + ProcessHandle.current().pid();
    private final String nsB = "jipc-b-" + ProcessHandle.current().pid();
    private final String vethA = "jva" + ProcessHandle.current().pid() % 1_000_000;
    private final String vethB = "jvb" + ProcessHandle.current().pid() % 1_000_000;

    @Test
    @Timeout(300)
    void aChannelReachesAnotherNamespaceOnlyThroughAnExplicitAddress() throws Exception {
        Assumptions.assumeTrue(Procs.geteuid() == 0, "needs root to make network namespaces");
        String ip = Stream.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip").filter(p -> Files.isExecutable(
                Path.of(p))).findFirst().orElse(null);
        Assumptions.assumeTrue(ip != null, "the ip command (iproute2) is not installed");
        try {
            String failed = setUp(ip);
            Assumptions.assumeTrue(failed == null, () -> "could not make the namespaces: " + failed);
            int count = 300;
            // Not loopback: the listener needs a secret, and only a peer that knows it gets in.
            String secret = "00112233445566778899aabbccddeeff";
            String wrong = "ffeeddccbbaa99887766554433221100";
            String there = "tcp://" + SERVER_IP + ":" + PORT;
            try (Pipe ready = Pipe.open();
                 ChildProcess server = inNamespace(ip, nsA, ready, "serve-echo",
                         there, "tcp://:" + (PORT + 1), Integer.toString(count), secret)) {
                ChannelContract.awaitReady(ready);
                for (String[] denied : new String[][] {{"expect-denied", there}, {"expect-denied", there, wrong}}) {
                    try (ChildProcess stranger = inNamespace(ip, nsB, null, denied)) {
                        assertEquals(0, waitFor(stranger).code(), "a peer without the secret is refused: "
                                + String.join(" ", denied));
                    }
                }
                try (ChildProcess client = inNamespace(ip, nsB, null, "client-echo", there,
                        Integer.toString(count), secret)) {
                    assertEquals(0, waitFor(client).code(), "every reply crossed the namespaces intact");
                }
                // The second listener was bound without a host: loopback only, so "b" cannot reach it.
                try (ChildProcess refused = inNamespace(ip, nsB, null, "expect-refused",
                        "tcp://" + SERVER_IP + ":" + (PORT + 1))) {
                    assertEquals(0, waitFor(refused).code(), "a listener without a host is not reachable from "
                            + "another namespace");
                }
                assertTrue(waitFor(server).success(), "the server answered every message");
            }
        } finally {
            run(ip, "netns", "del", nsA);
            run(ip, "netns", "del", nsB);
        }
    }

    /** {@return null if both namespaces are up and joined, else the command that failed} */
    private String setUp(String ip) throws Exception {
        List<String[]> steps = List.of(
                new String[] {"netns", "add", nsA},
                new String[] {"netns", "add", nsB},
                new String[] {"link", "add", vethA, "type", "veth", "peer", "name", vethB},
                new String[] {"link", "set", vethA, "netns", nsA},
                new String[] {"link", "set", vethB, "netns", nsB},
                new String[] {"-n", nsA, "addr", "add", SERVER_IP + "/30", "dev", vethA},
                new String[] {"-n", nsB, "addr", "add", CLIENT_IP + "/30", "dev", vethB},
                new String[] {"-n", nsA, "link", "set", "lo", "up"},
                new String[] {"-n", nsB, "link", "set", "lo", "up"},
                new String[] {"-n", nsA, "link", "set", vethA, "up"},
                new String[] {"-n", nsB, "link", "set", vethB, "up"});
        for (String[] step : steps) {
            if (run(ip, step) != 0) {
                // The veth, if made, went with its namespace; one left in ours is removed here.
                run(ip, "link", "del", vethA);
                return "ip " + String.join(" ", step);
            }
        }
        return null;
    }

    private static int run(String ip, String... args) throws Exception {
        try (ChildProcess p = Spawn.command(ip, args).start()) {
            return waitFor(p).code();
        }
    }

    private static ExitStatus waitFor(ChildProcess p) throws InterruptedException {
        Optional<ExitStatus> s = p.waitFor(Duration.ofSeconds(120));
        assertTrue(s.isPresent(), p + " did not finish");
        return s.get();
    }

    /** A ChannelPeer JVM inside {@code ns}, with {@code ready}'s write end as its descriptor 5. */
    private static ChildProcess inNamespace(String ip, String ns, Pipe ready, String... peerArgs) throws IOException {
        // Spawn.java's command (module path or class path, grant, library override) under ip netns exec.
        Spawn s = Spawn.java(List.of("-XX:+UseSerialGC"), ChannelPeer.class, peerArgs).wrappedIn(ip, "netns", "exec", ns);
        if (ready != null) {
            s.mapDescriptor(ChannelPeer.READY_FD, ready.writeEnd().fd());
        }
        return s.start();
    }
}
