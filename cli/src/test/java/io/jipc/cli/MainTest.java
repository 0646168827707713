package io.jipc.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.jipc.cli.CliRun.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The conventions of the command itself: its help, its usage errors, what a first command line builds. */
class MainTest {

    @Test
    void helpListsEveryCommandIncludingBenchAndTheExitCodes() {
        CliRun run = execute("--help");
        assertEquals(0, run.code(), run.err());
        for (String command : List.of("tour", "demo", "ls", "rm", "mq", "bench")) {
            assertTrue(run.out().lines().anyMatch(l -> l.startsWith("  " + command + " ")), command + ":\n" + run.out());
        }
        assertTrue(run.out().contains("3 nothing arrived"), run.out());
    }

    @Test
    void aUsageErrorIsOneLineAndWhichHelpToReadNotTheWholeHelp() {
        CliRun run = execute("no-such-command");
        assertEquals(2, run.code());
        assertEquals(List.of("jipc: Unmatched argument at index 0: 'no-such-command'",
                "Try 'jipc --help' for more information."), run.err().lines().toList());
        assertEquals("", run.out());

        run = execute("ls", "--no-such-option");
        assertEquals(2, run.code());
        assertEquals("Try 'jipc ls --help' for more information.", run.err().lines().toList().get(1), run.err());
        assertEquals(2, run.err().lines().count(), run.err());

        run = execute();
        assertEquals(List.of("jipc: Missing a command", "Try 'jipc --help' for more information."),
                run.err().lines().toList());
    }

    @Test
    void aCommandLineBuildsOnlyTheCommandItRuns() {
        assertEquals(List.of("ls"), List.copyOf(Main.commandLine(new String[] {"ls", "-a"}).getSubcommands().keySet()));
        assertEquals(List.of("tour", "demo", "ls", "rm", "mq", "bench"),
                List.copyOf(Main.commandLine(new String[] {"--help"}).getSubcommands().keySet()));
    }

    @Test
    void benchWithoutTheLauncherSaysWhereItRuns() {
        CliRun run = execute("bench", "--quick");
        assertEquals(1, run.code());
        assertTrue(run.err().startsWith("jipc: bench runs from a clone of the repository: ./jipc bench"), run.err());
    }

    /** The README announces the tour's length; it must say what the tour does. */
    @Test
    void theReadmeCountsTheToursDemonstrations() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("user.dir"), "..", "README.md"));
        String[] words = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"};
        int stops = io.jipc.cli.demo.Tour.stops();
        assertTrue(readme.contains("`./jipc tour` runs " + words[stops] + " demonstrations"),
                "README.md should say the tour runs " + words[stops] + " demonstrations");
    }
}
