package io.jipc.cli;

import io.jipc.IpcException;
import io.jipc.cli.demo.Demo;
import io.jipc.cli.demo.Tour;
import io.jipc.cli.mq.MqCommand;
import io.jipc.cli.objects.ListCommand;
import io.jipc.cli.objects.RemoveCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The {@code jipc} command. Each command and demo is its own class; the tree is
 * assembled from the {@code subcommands} lists: top-level commands here, demos in
 * {@link Demo}, queue commands in {@link MqCommand}.
 *
 * <p>Exit codes: 0 success, 1 a failure reported as one line {@code jipc: <message>}
 * (an {@link IpcException} or a {@link Failure}), 2 a usage error, 130 interrupted.
 * Anything else that escapes is a bug and is shown with its stack trace.
 */
@Command(name = "jipc",
        // Subcommands inherit the version and the standard help options.
        scope = CommandLine.ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Linux inter-process communication for Java: demos and tools.",
        // Top-level commands, in the order help lists them.
        subcommands = {Tour.class, Demo.class, ListCommand.class, RemoveCommand.class, MqCommand.class})
public final class Main implements Runnable {
    /** Exit code of a run stopped by Ctrl-C, as a shell reports a process killed by SIGINT. */
    public static final int EXIT_INTERRUPTED = 130;

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** {@return the command line with jipc's error reporting installed} */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setExecutionExceptionHandler(Main::report);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a command");
    }

    /** Expected failures become one line; the rest keep their stack trace. */
    private static int report(Exception e, CommandLine cmd, ParseResult parsed) throws Exception {
        if (e instanceof IpcException || e instanceof Failure) {
            cmd.getErr().println("jipc: " + e.getMessage());
            return 1;
        }
        if (e instanceof InterruptedException) {
            cmd.getErr().println("jipc: interrupted");
            return EXIT_INTERRUPTED;
        }
        throw e;
    }

    /** The version recorded in the jar's manifest by the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jipc " + (v == null ? "(development build)" : v),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
        }
    }
}
