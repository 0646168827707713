package io.jipc.aeron;

import io.jipc.channel.ChannelClosedException;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.Channels;
import io.jipc.channel.MessageChannel;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Publishers and subscribers in separate JVMs, each with its own embedded driver, as on
 * two hosts: a killed publisher is reported, a restarted one resumes, an orderly close and a
 * SIGKILL leave nothing behind in /dev/shm (the latter once the next driver starts).
 */
class AeronFailureTest {
    static final String ADD_OPENS = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED";
    /** Much shorter than Aeron's default of 10 s, which the kill test tells apart. */
    static final Duration LIVENESS = Duration.ofSeconds(2);
    static final ChannelOptions OPTIONS = ChannelOptions.defaults()
            .with(AeronOptions.defaults().livenessTimeout(LIVENESS));

    private final List<ChildProcess> children = new ArrayList<>();
    private int descriptorsBefore;

    /** What a JVM opens for good on its first spawn and first Aeron driver is not a test's leak. */
    @BeforeAll
    static void warmUp() throws Exception {
        try (ChildProcess c = Spawn.command("true").start()) {
            c.waitFor();
        }
        try (MessageChannel in = Channels.bind("aeron:ipc", OPTIONS);
             MessageChannel out = Channels.connect(in.address(), OPTIONS)) {
            out.send(new byte[1], Duration.ofSeconds(30));
            in.receive(MemorySegment.ofArray(new byte[in.maxMessageSize()]), Duration.ofSeconds(30));
        }
    }

    @BeforeEach
    void noDriverRuns() {
        assertEquals(java.util.Optional.empty(), EmbeddedDriver.directory(), "a driver left running by another test");
        descriptorsBefore = Leaks.descriptorCount();
    }

    @AfterEach
    void endChildren() throws Exception {
        for (ChildProcess c : children) {
            c.kill();
            c.waitFor();
            c.close();
        }
        EmbeddedDriver.reclaimDead(); // the directories of the children this test killed
        for (ChildProcess c : children) {
            assertFalse(Files.exists(EmbeddedDriver.directoryOf(c.pid())), "a child's driver directory is left");
        }
        // Aeron's threads close their last descriptors just after close() returns: give them a moment.
        long end = System.nanoTime() + 5_000_000_000L;
        while (Leaks.descriptorCount() != descriptorsBefore && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertEquals(descriptorsBefore, Leaks.descriptorCount(), "descriptors left open");
        assertEquals(java.util.Optional.empty(), EmbeddedDriver.directory(), "the embedded driver still runs");
        assertFalse(Files.exists(EmbeddedDriver.directoryOf(ProcessHandle.current().pid())),
                "this JVM's driver directory is left in /dev/shm");
    }

    private ChildProcess start(Pipe ready, String... args) throws IOException {
        Spawn s = Spawn.java(List.of(ADD_OPENS), AeronPeer.class, args);
        if (ready != null) {
            s.mapDescriptor(AeronPeer.READY_FD, ready.writeEnd().fd());
        }
        ChildProcess c = s.start();
        children.add(c);
        return c;
    }

    static void awaitReady(Pipe ready) throws IOException {
        ready.writeEnd().close();
        assertEquals(1, ready.readEnd().read(ByteBuffer.allocate(1), Duration.ofSeconds(60)), "the child got ready");
    }

    private static long next(MessageChannel in, MemorySegment b) throws IOException {
        assertEquals(8, in.receive(b, Duration.ofSeconds(30)));
        return b.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }

    @Test
    @Timeout(180)
    void aKilledPublisherIsReportedOnceWithinTheLivenessTimeoutAndARestartedOneResumes() throws Exception {
        try (MessageChannel in = Channels.bind("aeron:udp?endpoint=127.0.0.1:0", OPTIONS)) {
            MemorySegment b = MemorySegment.ofArray(new byte[in.maxMessageSize()]);
            ChildProcess first;
            try (Pipe ready = Pipe.open()) {
                first = start(ready, "publish", in.address().toString(), "-1");
                awaitReady(ready);
            }
            for (long i = 0; i < 20; i++) {
                assertEquals(i, next(in, b), "in order, from the first");
            }
            assertTrue(first.kill());
            assertTrue(first.waitFor().signaled());
            // What it had sent still arrives, in order; then one receive reports it gone. The
            // bound is well below Aeron's default liveness (10 s): the option took effect.
            long expected = 20;
            long killed = System.nanoTime();
            ChannelClosedException gone = null;
            while (gone == null) {
                try {
                    int n = in.receive(b, Duration.ofSeconds(8));
                    assertTrue(n != -1, "neither a message nor the end within 8 s of the kill");
                    assertEquals(expected++, b.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                } catch (ChannelClosedException e) {
                    gone = e;
                }
            }
            assertTrue(System.nanoTime() - killed < 9_000_000_000L, "reported within the shortened liveness");
            assertTrue(gone.getMessage().contains("gone without closing"), gone.getMessage());
            assertEquals(-1, in.receive(b, Duration.ofMillis(300)), "reported once; then the bound end waits");
            try (Pipe ready = Pipe.open()) {
                start(ready, "publish", in.address().toString(), "-1");
                awaitReady(ready);
            }
            assertEquals(0, next(in, b), "a publisher restarted on the same address resumes the stream");
            assertEquals(1, next(in, b));
        }
    }

    @Test
    @Timeout(180)
    void anOrderlyCloseOnBothSidesLeavesNothingInDevShm() throws Exception {
        try (MessageChannel in = Channels.bind("aeron:udp?endpoint=127.0.0.1:0", OPTIONS)) {
            Path mine = EmbeddedDriver.directory().orElseThrow();
            assertEquals(EmbeddedDriver.directoryOf(ProcessHandle.current().pid()), mine);
            assertTrue(Files.isDirectory(mine));
            ChildProcess child = start(null, "publish", in.address().toString(), "50");
            MemorySegment b = MemorySegment.ofArray(new byte[in.maxMessageSize()]);
            for (long i = 0; i < 50; i++) {
                assertEquals(i, next(in, b), "every message of a publisher that closes arrives");
            }
            assertEquals(0, child.waitFor().code());
            assertFalse(Files.exists(EmbeddedDriver.directoryOf(child.pid())), "the child's driver directory is gone");
            // Closed in order: no report of a lost publisher, the bound end just waits.
            assertEquals(-1, in.receive(b, LIVENESS.multipliedBy(2)));
        }
        assertFalse(Files.exists(EmbeddedDriver.directoryOf(ProcessHandle.current().pid())));
    }

    @Test
    @Timeout(180)
    void aSigkilledJvmsDriverDirectoryIsReclaimedByTheNextStart() throws Exception {
        ChildProcess child;
        try (Pipe ready = Pipe.open()) {
            child = start(ready, "bind-and-wait", "aeron:udp?endpoint=127.0.0.1:0");
            awaitReady(ready);
        }
        Path its = EmbeddedDriver.directoryOf(child.pid());
        assertTrue(Files.isDirectory(its), "the child's driver runs in " + its);
        assertTrue(child.kill());
        assertTrue(child.waitFor().signaled());
        assertTrue(Files.isDirectory(its), "a SIGKILLed JVM cannot clean up");
        try (MessageChannel in = Channels.bind("aeron:ipc", OPTIONS)) {
            assertTrue(in.isOpen());
            assertFalse(Files.exists(its), "starting a driver reclaimed the dead JVM's directory");
        }
    }

    @Test
    @Timeout(180)
    void aConnectedEndLearnsThatItsSubscriberIsGone() throws Exception {
        ChildProcess child;
        String address;
        try (MessageChannel probe = Channels.bind("aeron:udp?endpoint=127.0.0.1:0", OPTIONS)) {
            address = probe.address().toString(); // a free port, for the child to bind next
        }
        try (Pipe ready = Pipe.open()) {
            child = start(ready, "bind-and-wait", address);
            awaitReady(ready);
        }
        try (MessageChannel out = Channels.connect(address, OPTIONS)) {
            assertTrue(out.send(new byte[8], Duration.ofSeconds(30)), "connected to the child's subscription");
            assertTrue(child.kill());
            child.waitFor();
            ChannelClosedException e = assertThrows(ChannelClosedException.class, () -> {
                for (int i = 0; i < 100_000; i++) {
                    out.send(new byte[8], Duration.ofSeconds(1));
                    Thread.sleep(1);
                }
            });
            assertTrue(e.getMessage().contains("no subscriber"), e.getMessage());
        }
    }
}
