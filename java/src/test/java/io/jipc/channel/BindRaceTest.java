package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.mq.MessageQueue;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.testing.Leaks;
import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Binders of one address racing over what a killed binder left, as real processes: in every
 * round exactly one binds and the others are told the address is taken; nobody removes the
 * winner's live socket or queue. ({@code unix:}: before the bind lock, two could both remove
 * the stale file and bind, the second one unlinking the first one's live socket.)
 */
class BindRaceTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final int RACERS = 4;
    private static final int ROUNDS = 25;

    /** The JDK keeps a descriptor for good once a socket channel first closes: not this test's leak. */
    @BeforeAll
    static void warmUp() throws Exception {
        ChannelContract.warmUp();
    }

    @Test
    @Timeout(180)
    void racingBindersOverAStaleSocketFileLeaveExactlyOneLiveListener() throws Exception {
        Path dir = Files.createTempDirectory("jipc-race");
        Path path = dir.resolve("s");
        try {
            race("unix:" + path, () -> leaveStaleSocket(path), () -> {
                try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    probe.connect(UnixDomainSocketAddress.of(path));  // the winner's socket is the one under the name
                }
            }, () -> {
                assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "the winner removed its file at close");
                assertFalse(Files.exists(Path.of(path + ".lock"), LinkOption.NOFOLLOW_LINKS), "no lock file is left");
            });
        } finally {
            Files.deleteIfExists(path);
            Files.deleteIfExists(Path.of(path + ".lock"));
            Files.delete(dir);
        }
    }

    @Test
    @Timeout(180)
    void racingBindersOverAnAbandonedQueueLeaveExactlyOneLiveBinder() throws Exception {
        String name = Leaks.uniqueName("race");
        try {
            race("mq:" + name, () -> MessageQueue.create(name, 2, 16).close(), () -> {
                try (MessageChannel sender = Channels.connect("mq:" + name)) {
                    assertTrue(sender.canSend(), "a binder holds the queue under the name");
                }
            }, () -> assertEquals(IpcException.Reason.DOES_NOT_EXIST,
                    assertThrows(IpcException.class, () -> MessageQueue.open(name)).reason(),
                    "the winner removed its queue at close"));
        } finally {
            MessageQueue.unlink(name);
        }
    }

    /** Something to run that may throw. */
    private interface Step {
        void run() throws Exception;
    }

    /**
     * {@value #ROUNDS} rounds: {@code leaveStale}, all racers bind at once, exactly one wins and
     * {@code checkWinner} passes; all close, and {@code checkGone} passes.
     */
    private static void race(String address, Step leaveStale, Step checkWinner, Step checkGone) throws Exception {
        List<Pipe> go = new ArrayList<>();
        List<ChildProcess> racers = new ArrayList<>();
        try (Pipe report = Pipe.open()) {
            for (int i = 0; i < RACERS; i++) {
                Pipe g = Pipe.open();
                go.add(g);
                racers.add(Spawn.java(BindRacer.class, address, Integer.toString(ROUNDS))
                        .mapDescriptor(BindRacer.GO_FD, g.readEnd().fd())
                        .mapDescriptor(BindRacer.REPORT_FD, report.writeEnd().fd()).start());
                g.readEnd().close();
            }
            report.writeEnd().close();
            for (int round = 0; round < ROUNDS; round++) {
                leaveStale.run();
                signal(go);
                String results = read(report, RACERS);
                assertEquals(1, results.chars().filter(c -> c == 'B').count(),
                        "round " + round + ": exactly one binder, the others told it is taken: " + results);
                assertEquals(RACERS - 1, results.chars().filter(c -> c == 'T').count(), "round " + round + ": " + results);
                checkWinner.run();
                signal(go);
                assertEquals("C".repeat(RACERS), read(report, RACERS));
                checkGone.run();
            }
            for (ChildProcess racer : racers) {
                assertEquals(0, racer.waitFor().code());
            }
        } finally {
            for (Pipe g : go) {
                g.close();
            }
            for (ChildProcess racer : racers) {
                racer.close();
            }
        }
    }

    /** A socket file nobody listens on: what a binder killed with SIGKILL leaves. */
    private static void leaveStaleSocket(Path path) throws IOException {
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(path));
        }
        assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
    }

    /** One byte to every racer, back to back, so that they start within microseconds of each other. */
    private static void signal(List<Pipe> go) throws IOException {
        for (Pipe g : go) {
            g.writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
        }
    }

    private static String read(Pipe report, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(count);
        while (b.hasRemaining()) {
            int n = report.readEnd().read(b, Duration.ofSeconds(60));
            assertTrue(n > 0, "a racer reported (got " + new String(b.array(), 0, b.position()) + ")");
        }
        return new String(b.array());
    }
}
