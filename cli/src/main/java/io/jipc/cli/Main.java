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

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code jipc} command. Each command and demo is its own class; the tree is
 * assembled from {@link #COMMANDS} (top-level commands) and the {@code subcommands}
 * lists of {@link Demo} and {@link MqCommand}.
 *
 * <p>Exit codes: 0 success, {@value #EXIT_FAILED} a failure reported as one line
 * {@code jipc: <message>} (an {@link IpcException} or a {@link Failure}),
 * {@value #EXIT_USAGE} a usage error (one line, and which {@code --help} to read),
 * {@value #EXIT_NOTHING} nothing arrived (or no room) in the time given, 130 interrupted.
 * Anything else that escapes is a bug and is shown with its stack trace.
 */
@Command(name = "jipc",
        // Subcommands inherit the version and the standard help options.
        scope = CommandLine.ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Linux inter-process communication for Java: demos and tools.",
        footer = {"", "Exit codes: 0 done, 1 failed, 2 usage error, 3 nothing arrived (or no room) in the time "
                + "given, 130 interrupted."})
public final class Main implements Runnable {
    /** Exit code of a failure reported as one line: a failed system call, a dead worker. */
    public static final int EXIT_FAILED = 1;
    /** Exit code of a usage error: a bad option or argument. */
    public static final int EXIT_USAGE = 2;
    /** Exit code of "nothing arrived" (or "no room") within the time given: no error of the system. */
    public static final int EXIT_NOTHING = 3;
    /** Exit code of a run stopped by Ctrl-C, as a shell reports a process killed by SIGINT. */
    public static final int EXIT_INTERRUPTED = 130;

    /**
     * Top-level commands, in the order help lists them. Each is built only when used (or for
     * the help that lists them): picocli reads a command's annotations, and those of all its
     * subcommands, when it is added, which is most of the start-up time of a short command.
     */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("tour", Tour::new);
        COMMANDS.put("demo", Demo::new);
        COMMANDS.put("ls", ListCommand::new);
        COMMANDS.put("rm", RemoveCommand::new);
        COMMANDS.put("mq", MqCommand::new);
        COMMANDS.put("bench", BenchCommand::new);
    }

    @Spec
    private CommandSpec spec;

    /**
     * Runs {@code jipc} and exits with its code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /** {@return the whole command line with jipc's error reporting installed} */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: when the first one names a command, only that
     * command is built; otherwise (help, version, a mistake) all of them.
     *
     * @param args the command line to be executed
     * @return the command line with jipc's error reporting installed
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cmd = new CommandLine(new Main());
        Supplier<Object> only = args.length > 0 ? COMMANDS.get(args[0]) : null;
        if (only != null) {
            cmd.addSubcommand(args[0], only.get());
        } else {
            COMMANDS.forEach((name, command) -> cmd.addSubcommand(name, command.get()));
        }
        return cmd.setExecutionExceptionHandler(Main::report).setParameterExceptionHandler(Main::usage);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a command");
    }

    /** Expected failures become one line; the rest keep their stack trace. */
    private static int report(Exception e, CommandLine cmd, ParseResult parsed) throws Exception {
        if (e instanceof IpcException) {
            cmd.getErr().println("jipc: " + e.getMessage());
            return EXIT_FAILED;
        }
        if (e instanceof Failure f) {
            cmd.getErr().println("jipc: " + f.getMessage());
            return f.exitCode();
        }
        if (e instanceof ParameterException p) {
            // A command's own check of its arguments, thrown from call(): a usage error too.
            return usage(p, new String[0]);
        }
        if (e instanceof InterruptedException) {
            cmd.getErr().println("jipc: interrupted");
            return EXIT_INTERRUPTED;
        }
        throw e;
    }

    /**
     * A usage error, as command-line tools report one: the reason on one line, then which
     * help to read, not the whole help.
     */
    private static int usage(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("jipc: " + e.getMessage());
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return EXIT_USAGE;
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
