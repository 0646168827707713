package io.jipc.cli.objects;

import io.jipc.cli.CliRun;
import io.jipc.cli.TestNames;
import io.jipc.mq.MessageQueue;
import io.jipc.shm.SharedMemory;
import io.jipc.sync.Semaphore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.lang.foreign.ValueLayout;

import static io.jipc.cli.CliRun.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc ls} and {@code jipc rm}, on objects of the test's own only: every listing
 * and every {@code rm --stale} is limited to this run's name prefix, since other runs
 * share the machine.
 */
class ObjectsCommandTest {
    private static final long PID = ProcessHandle.current().pid();
    private static final String MINE = TestNames.prefix() + "*";
    private static final boolean QUEUES_LISTED = MqueueMount.find().isPresent();

    @AfterEach
    void nothingLeftBehind() throws Exception {
        assertEquals(Set.of(), TestNames.removeLeftovers(), "objects left behind");
    }

    @Test
    void lsShowsKindSizeModeOwnerStateAndHolders() throws Exception {
        String shm = TestNames.unique("ls-shm");
        String sem = TestNames.unique("ls-sem");
        String queue = TestNames.unique("ls-mq");
        try (SharedMemory s = SharedMemory.builder(shm).size(4096).mode(0640).create();
             Semaphore semaphore = Semaphore.create(sem, 3);
             MessageQueue q = MessageQueue.create(queue, 4, 32)) {
            q.send("waiting".getBytes(StandardCharsets.US_ASCII), 1);
            CliRun run = execute("ls", MINE);
            assertEquals(0, run.code(), run.err());
            String me = Files.getOwner(Path.of("/proc/self")).getName();
            assertTrue(row(run.out(), shm).matches("shm +" + shm + " +4,096 +0640 +" + me + " +" + PID + " java"),
                    run.out());
            assertTrue(row(run.out(), sem).matches("sem +" + sem + " +32 +0600 +" + me + " +value 3 +" + PID
                    + " java"), run.out());
            if (QUEUES_LISTED) {
                assertTrue(row(run.out(), queue).matches("mq +" + queue + " +7 +0600 +" + me + " +1 message +" + PID
                        + " java"), run.out());
            } else {
                assertTrue(run.out().contains("no mqueue file system is mounted"), run.out());
            }
            assertTrue(run.out().startsWith("KIND  NAME"), run.out());
            assertTrue(s.isOpen() && semaphore.isOpen() && q.isOpen());
        } finally {
            SharedMemory.unlink(shm);
            Semaphore.unlink(sem);
            MessageQueue.unlink(queue);
        }
        CliRun run = execute("ls", MINE);
        assertEquals(new CliRun(0, "nothing matches " + MINE + "\n", ""), withoutNotes(run));
    }

    @Test
    void rmStaleDryRunListsButKeeps_thenRemovesOnlyTheStale() throws Exception {
        String staleShm = TestNames.unique("stale-shm");
        String staleSem = TestNames.unique("stale-sem");
        String staleQueue = TestNames.unique("stale-mq");
        String held = TestNames.unique("held-shm");
        SharedMemory.create(staleShm, 64).close();
        Semaphore.create(staleSem, 0).close();
        MessageQueue.create(staleQueue, 2, 16).close();
        try (SharedMemory keep = SharedMemory.create(held, 64)) {
            CliRun dry = execute("rm", "--stale", "--dry-run", MINE);
            assertEquals(0, dry.code(), dry.err());
            assertTrue(dry.out().contains("would remove shm " + staleShm + ": no process has it mapped or open\n"),
                    dry.out());
            assertTrue(dry.out().contains("would remove sem " + staleSem + ": no process has it mapped or open\n"),
                    dry.out());
            assertEquals(QUEUES_LISTED, dry.out().contains("would remove mq " + staleQueue + ": "), dry.out());
            assertFalse(dry.out().contains(held), dry.out());
            assertTrue(Files.exists(Path.of("/dev/shm" + staleShm)), "the dry run removed " + staleShm);
            assertTrue(Files.exists(Path.of("/dev/shm/sem." + staleSem.substring(1))), "the dry run removed a semaphore");

            CliRun real = execute("rm", "--stale", MINE);
            assertEquals(0, real.code(), real.err());
            assertTrue(real.out().contains("removed shm " + staleShm + ": no process has it mapped or open\n"),
                    real.out());
            assertTrue(real.out().contains("removed sem " + staleSem + ": "), real.out());
            assertFalse(real.out().contains(held), real.out());
            assertFalse(Files.exists(Path.of("/dev/shm" + staleShm)));
            assertFalse(Files.exists(Path.of("/dev/shm/sem." + staleSem.substring(1))));
            assertTrue(Files.exists(Path.of("/dev/shm" + held)), "rm --stale removed a held object");
            assertTrue(keep.isOpen());
            if (QUEUES_LISTED) {
                assertFalse(MessageQueue.unlink(staleQueue), "rm --stale left the stale queue");
            }
            assertEquals(new CliRun(0, "nothing stale matches " + MINE + "\n", ""), withoutNotes(
                    execute("rm", "--stale", MINE)));
        } finally {
            SharedMemory.unlink(held);
            MessageQueue.unlink(staleQueue);
        }
    }

    @Test
    void rmByNameTellsHoldersAndRefusesAmbiguity() throws Exception {
        String name = TestNames.unique("named");
        try (SharedMemory s = SharedMemory.create(name, 64)) {
            CliRun run = execute("rm", name.substring(1));
            assertEquals(new CliRun(0, "removed shm " + name + ": still held by " + PID
                    + " java; it lives on until they let go\n", ""), run);
            assertTrue(s.isOpen());
        }
        assertEquals(new CliRun(1, "", "jipc: no such object: " + name + "\n"), execute("rm", name));

        if (QUEUES_LISTED) {
            SharedMemory.create(name, 64).close();
            MessageQueue.create(name, 2, 16).close();
            CliRun run = execute("rm", name);
            assertEquals(new CliRun(1, "", "jipc: " + name + " names shm " + name + " and mq " + name
                    + ": choose one with --kind\n"), run);
            assertEquals(new CliRun(0, "removed mq " + name + "\n", ""), execute("rm", "--kind", "mq", name));
            assertEquals(new CliRun(0, "removed shm " + name + "\n", ""), execute("rm", "/dev/shm" + name));
        }
        CliRun run = execute("rm");
        assertEquals(2, run.code());
        assertTrue(run.err().startsWith("jipc: Name the objects to remove, or use --stale"), run.err());
    }

    /**
     * The inspector hook: a header that names a creator keeps an unheld object alive while
     * the creator runs, and makes it stale once the creator is dead.
     */
    @Test
    void aHeaderNamingItsCreatorDecidesStaleness() throws Exception {
        String live = TestNames.unique("hdr-live");
        String dead = TestNames.unique("hdr-dead");
        String plain = TestNames.unique("hdr-none");
        try {
            writeHeader(live, PID);
            writeHeader(dead, Integer.MAX_VALUE - 1);
            SharedMemory.create(plain, 64).close();
            Catalogue c = Catalogue.take(List.of(new TestInspector()), Catalogue.matching(List.of(MINE)));
            assertEquals(3, c.entries().size(), c.entries().toString());
            Catalogue.Entry l = entry(c, live);
            Catalogue.Entry d = entry(c, dead);
            Catalogue.Entry p = entry(c, plain);
            assertEquals("test layout", l.header().orElseThrow().layout());
            assertFalse(l.isStale(), l.reason());
            assertEquals("no holder, but its creator (pid " + PID + ") runs", l.reason());
            assertTrue(d.isStale(), d.reason());
            assertTrue(d.reason().endsWith("is dead"), d.reason());
            assertTrue(p.header().isEmpty());
            assertTrue(p.isStale());
        } finally {
            SharedMemory.unlink(live);
            SharedMemory.unlink(dead);
            SharedMemory.unlink(plain);
        }
    }

    /**
     * A ring made by io.jipc.ring is recognised through RingDescriptor: kind, capacity,
     * fill and creator are shown; unheld, it stays while its creator runs and is stale
     * once the header names a dead creator.
     */
    @Test
    void aRingIsRecognisedAndItsCreatorDecidesStaleness() throws Exception {
        String name = TestNames.unique("ring");
        int capacity = 4096;
        try {
            try (SharedMemory s = SharedMemory.create(name, io.jipc.ring.RingDescriptor.regionLength(capacity))) {
                io.jipc.ring.SpscRing ring = io.jipc.ring.SpscRing.create(s.segment(), capacity);
                assertTrue(ring.offer(new byte[8]));
                CliRun run = execute("ls", MINE);
                assertEquals(0, run.code(), run.err());
                String row = row(run.out(), name);
                assertTrue(row.contains("jipc ring v" + io.jipc.ring.RingDescriptor.LAYOUT_VERSION
                        + ", SPSC, capacity 4096, fill 16 bytes (0 %), "
                        + "asleep: 0 consumer / 0 producer, creator " + PID + " (alive)"), row);
            }
            Catalogue alive = Catalogue.take(ObjectInspector.standard(), Catalogue.matching(List.of(MINE)));
            assertFalse(entry(alive, name).isStale(), entry(alive, name).reason());
            try (SharedMemory s = SharedMemory.open(name)) {
                s.segment().set(ValueLayout.JAVA_INT, io.jipc.ring.RingDescriptor.CREATOR_PID_OFFSET,
                        Integer.MAX_VALUE - 1);
            }
            Catalogue dead = Catalogue.take(ObjectInspector.standard(), Catalogue.matching(List.of(MINE)));
            assertTrue(entry(dead, name).isStale(), entry(dead, name).reason());
        } finally {
            SharedMemory.unlink(name);
        }
    }

    /** Claims only objects that start with its magic, and reads the creator pid after it. */
    private static final class TestInspector implements ObjectInspector {
        static final byte[] MAGIC = "JIPCTEST".getBytes(StandardCharsets.US_ASCII);

        @Override
        public Optional<Header> inspect(ByteBuffer head, long objectSize) {
            if (head.remaining() < 16) {
                return Optional.empty();
            }
            byte[] start = new byte[MAGIC.length];
            head.get(0, start);
            if (!java.util.Arrays.equals(start, MAGIC)) {
                return Optional.empty();
            }
            return Optional.of(new Header("test layout", OptionalLong.of(head.order(ByteOrder.nativeOrder())
                    .getLong(8)), OptionalLong.empty(), List.of()));
        }
    }

    private static void writeHeader(String name, long creator) throws Exception {
        try (SharedMemory s = SharedMemory.create(name, 64)) {
            for (int i = 0; i < TestInspector.MAGIC.length; i++) {
                s.segment().set(ValueLayout.JAVA_BYTE, i, TestInspector.MAGIC[i]);
            }
            s.segment().set(ValueLayout.JAVA_LONG, 8, creator);
        }
    }

    private static Catalogue.Entry entry(Catalogue c, String name) {
        return c.entries().stream().filter(e -> e.object().name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not listed"));
    }

    /** {@return the listing's row for {@code name}, its columns separated by single spaces where padded} */
    private static String row(String listing, String name) {
        return listing.lines().filter(l -> l.contains(" " + name + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not listed:\n" + listing));
    }

    /** The footnotes depend on the machine (other users' processes, the mqueue mount). */
    private static CliRun withoutNotes(CliRun run) {
        String out = String.join("", run.out().lines().filter(l -> !l.startsWith("note: ")
                && !l.startsWith("message queues: ")).map(l -> l + "\n").toList());
        return new CliRun(run.code(), out, run.err());
    }
}
