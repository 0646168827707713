package io.jipc.cli.demo;

import io.jipc.cli.CliRun;
import io.jipc.cli.Main;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import io.jipc.shm.SharedMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.jipc.cli.CliRun.assertFitsTheTerminal;
import static io.jipc.cli.CliRun.execute;
import static io.jipc.cli.CliRun.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Runs the demos in-process, as {@code jipc demo ...} would, with real worker processes. */
class DemoTest {
    private static final int SIGINT = 2;
    private static final long PID = ProcessHandle.current().pid();

    @AfterEach
    void nothingLeftBehind() {
        assertEquals(Set.of(), Leftovers.children(), "child processes left");
        assertEquals(Set.of(), Leftovers.demoObjects(PID), "names left in /dev/shm or /dev/mqueue");
    }

    @Test
    @Timeout(120)
    void raceReportsWhatTheCounterReached() {
        CliRun run = execute(Main.commandLine(), "demo", "race", "--iterations", "50_000");
        assertEquals(0, run.code(), run.err());
        long expected = number(run.out(), "expected");
        long actual = number(run.out(), "actual");
        assertEquals(100_000, expected);
        // Lost updates are likely but not certain (the scheduler may run the two one after
        // the other), so only what must hold is asserted.
        assertTrue(actual >= 2 && actual <= expected, "actual " + actual);
        assertEquals(expected - actual, number(run.out(), "lost updates"));
        assertTrue(run.out().contains(" ms\n"), run.out());
        assertFitsTheTerminal(run.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "--spin"})
    @Timeout(180)
    void mutexLosesNothing(String spin) {
        List<String> args = new ArrayList<>(List.of("demo", "mutex", "--processes", "2", "--iterations", "200000"));
        if (!spin.isEmpty()) {
            args.add(spin);
        }
        CliRun run = execute(Main.commandLine(), args.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        assertEquals(400_000, number(run.out(), "expected"));
        assertEquals(400_000, number(run.out(), "actual"));
        assertEquals(0, number(run.out(), "lost updates"));
        assertTrue(run.out().contains(spin.isEmpty() ? "Mutex: " : "SpinLock: "), run.out());
        assertFitsTheTerminal(run.out());
    }

    @Test
    @Timeout(120)
    void flagReportsOverlapsAndLosses() {
        CliRun run = execute(Main.commandLine(), "demo", "flag", "-p", "3", "-n", "20000");
        assertEquals(0, run.code(), run.err());
        long expected = number(run.out(), "expected");
        long actual = number(run.out(), "actual");
        long overlaps = number(run.out(), "overlaps");
        assertEquals(60_000, expected);
        assertTrue(actual <= expected, "actual " + actual);
        // A lost update needs two processes inside at once, and the referee counts every such entry.
        assertTrue(actual == expected || overlaps > 0, "lost " + (expected - actual) + " with no overlap");
        assertFitsTheTerminal(run.out());
    }

    @Test
    void badOptionsAreUsageErrors() {
        CliRun run = execute(Main.commandLine(), "demo", "race", "--processes", "0");
        assertEquals(2, run.code());
        assertTrue(run.err().startsWith("jipc: --processes must be between 1 and 64, not 0"), run.err());
        assertEquals("", run.out());

        run = execute(Main.commandLine(), "demo", "mutex", "--iterations", "lots");
        assertEquals(2, run.code());
        assertTrue(run.err().contains("'lots' is not a whole number"), run.err());

        run = execute(Main.commandLine(), "demo");
        assertEquals(2, run.code());
        assertTrue(run.err().startsWith("jipc: Missing a demo: one of race, flag, mutex"), run.err());
    }

    /** A name that is in the way is someone else's: reported on one line, not removed. */
    @Test
    void aSegmentInTheWayIsReportedAndLeftAlone() throws Exception {
        String name = "/jipc-demo-race-" + PID;
        try (SharedMemory stale = SharedMemory.create(name, 64)) {
            assertTrue(stale.isOpen());
            CliRun run = execute(Main.commandLine(), "demo", "race", "-n", "1000");
            assertEquals(1, run.code());
            assertEquals("jipc: shm_open(\"" + name + "\"): File exists (EEXIST)\n", run.err());
            assertTrue(Files.exists(Path.of("/dev/shm" + name)), "the demo removed a name it did not create");
        } finally {
            SharedMemory.unlink(name);
        }
    }

    /** Ctrl-C in the middle of a run: the shutdown hook kills the workers and removes the segment. */
    @Test
    @Timeout(180)
    void interruptingTheParentCleansUp(@TempDir Path tmp) throws Exception {
        try (ChildProcess jipc = startJipc(tmp, "demo", "race", "--iterations", "10_000_000_000")) {
            Set<Integer> workers = awaitRunning(jipc, tmp);
            assertTrue(jipc.signal(SIGINT));
            ExitStatus status = jipc.waitFor(Duration.ofSeconds(60))
                    .orElseThrow(() -> new AssertionError("jipc ignored SIGINT"));
            assertEquals(new ExitStatus(Main.EXIT_INTERRUPTED, 0), status, log(tmp));
            for (int w : workers) {
                assertFalse(Leftovers.running(w), "worker " + w + " still runs");
            }
            assertEquals(Set.of(), Leftovers.demoSegments(jipc.pid()));
        }
    }

    /**
     * kill -9 of the parent: the workers notice, remove the segment and the run's other
     * names (bounded-buffer's semaphores) and exit by themselves.
     */
    @ParameterizedTest
    @ValueSource(strings = {"flag --iterations 10_000_000_000", "bounded-buffer --items 100_000_000"})
    @Timeout(180)
    void workersOfAKilledParentCleanUpAndExit(String demo, @TempDir Path tmp) throws Exception {
        List<String> args = new ArrayList<>(List.of("demo"));
        args.addAll(List.of(demo.split(" ")));
        try (ChildProcess jipc = startJipc(tmp, args.toArray(String[]::new))) {
            Set<Integer> workers = awaitRunning(jipc, tmp);
            assertTrue(jipc.kill());
            jipc.waitFor();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (workers.stream().anyMatch(Leftovers::running) || !Leftovers.demoObjects(jipc.pid()).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    fail("orphaned workers still run or left names behind: " + workers + " "
                            + Leftovers.demoObjects(jipc.pid()));
                }
                Thread.sleep(20);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Starts {@code jipc args...} in its own JVM; its output goes to files in {@code dir}. */
    private static ChildProcess startJipc(Path dir, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("-c", "exec \"$@\" >\"$DIR/out\" 2>\"$DIR/err\"", "sh",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        argv.addAll(List.of(args));
        return Spawn.command("/bin/sh", argv.toArray(String[]::new)).environment("DIR", dir.toString()).start();
    }

    /** Waits until {@code jipc}'s two workers have passed the start gate; {@return their pids} */
    private static Set<Integer> awaitRunning(ChildProcess jipc, Path dir) throws Exception {
        VarHandle gate = ValueLayout.JAVA_INT.varHandle();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            Set<String> segments = Leftovers.demoSegments(jipc.pid());
            Set<Integer> workers = Leftovers.children(jipc.pid());
            if (segments.size() == 1 && workers.size() == 2) {
                try (SharedMemory shm = SharedMemory.open("/" + segments.iterator().next())) {
                    if ((int) gate.getVolatile(shm.segment(), GateDescriptor.GO_OFFSET) == 1) {
                        return workers;
                    }
                } catch (io.jipc.IpcException e) {
                    // Not sized yet, or gone: look again.
                }
            }
            if (!jipc.isAlive() || System.nanoTime() > deadline) {
                fail("jipc never got its workers going: " + jipc + "\n" + log(dir));
            }
            Thread.sleep(20);
        }
    }

    private static String log(Path dir) {
        try {
            return "stdout:\n" + Files.readString(dir.resolve("out")) + "stderr:\n" + Files.readString(dir.resolve("err"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
