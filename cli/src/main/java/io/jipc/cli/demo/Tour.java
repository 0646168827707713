package io.jipc.cli.demo;

import io.jipc.cli.Report;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jipc tour}: every demo in the order of a lecture, with a heading before each
 * and a summary at the end; no questions asked, so it runs unattended (in CI, in a
 * README's first command).
 */
@Command(name = "tour",
        mixinStandardHelpOptions = true,
        description = "Runs every demo in the order of a lecture, from lost updates to a bounded buffer and "
                + "one channel API over every transport, with smaller counts where that keeps it near a minute.")
public final class Tour implements Callable<Integer> {
    private static final int HEADING_RULE = 3;

    /** One demo of the tour: a title, the demo's name, and the options the tour gives it. */
    private record Stop(String title, String demo, List<String> options) {
        Stop(String title, String demo, String... options) {
            this(title, demo, List.of(options));
        }

        String command() {
            return String.join(" ", "jipc demo", demo, String.join(" ", options)).strip();
        }
    }

    /**
     * The lecture: shared memory goes wrong, a lock fixes it, then messages, then both together,
     * then one API over every mechanism.
     */
    private static final List<Stop> STOPS = List.of(
            new Stop("Lost updates", "race"),
            new Stop("A flag is not a lock", "flag", "-n", "200_000"),
            new Stop("A lock that works", "mutex", "-n", "200_000"),
            new Stop("Pipes", "pipe"),
            new Stop("Message queues", "mq"),
            new Stop("A bounded buffer", "bounded-buffer", "-n", "50_000"),
            new Stop("Channels", "channels"));

    @Spec
    private CommandSpec spec;

    /** {@return how many demonstrations the tour runs (the README announces it)} */
    public static int stops() {
        return STOPS.size();
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Report.paragraph(out, "jipc tour: " + STOPS.size() + " demonstrations of how processes on one Linux "
                + "machine share memory and pass messages. Every worker is a process of its own (a JVM, or a "
                + "plain program), so what you see is what the kernel and the CPUs really do. It takes less than a "
                + "minute; each part names the command that repeats it (add --help to see what it can vary).");
        Report summary = new Report();
        for (int i = 0; i < STOPS.size(); i++) {
            Stop stop = STOPS.get(i);
            heading(out, (i + 1) + "/" + STOPS.size() + "  " + stop.title(), stop.command());
            // A command line of its own: picocli cannot parse anew inside the hierarchy it is executing.
            CommandLine self = spec.commandLine();
            CommandLine demos = new CommandLine(new Demo()).setOut(out).setErr(self.getErr())
                    .setExecutionExceptionHandler(self.getExecutionExceptionHandler());
            List<String> args = new ArrayList<>(List.of(stop.demo()));
            args.addAll(stop.options());
            int code = demos.execute(args.toArray(String[]::new));
            if (code != 0) {
                // The demo has said why on stderr; the rest of the lecture builds on it.
                return code;
            }
            summary.text(stop.demo(), ((Lesson) demos.getSubcommands().get(stop.demo()).getCommand()).summary());
        }
        heading(out, "What the tour showed", "");
        summary.printTable(out);
        Report.paragraph(out, """
                Shared memory is the raw material: every byte is shared at once, but the \
                processes must order their accesses themselves, with a lock that is one \
                atomic step and semaphores to sleep on. Pipes and queues copy each byte \
                through the kernel, which keeps the order and wakes the reader for you. \
                A channel puts one API over them all (and over sockets): the address \
                chooses the mechanism, and the code stays the same.""");
        Report.paragraph(out, "Next:");
        new Report()
                .text("jipc ls", "the named IPC objects here, and who holds them")
                .text("jipc mq --help", "POSIX message queues from the shell")
                .text("jipc demo remote", "TCP between two network namespaces (needs root)")
                .text("jipc demo NAME --help", "what a demo can vary")
                .printTable(out);
        return 0;
    }

    /** {@code --- 1/7  Title ------------------------------- jipc demo race ---}, then a blank line. */
    private static void heading(PrintWriter out, String left, String right) {
        String start = "-".repeat(HEADING_RULE) + " " + left + " ";
        String end = right.isEmpty() ? "" : " " + right + " " + "-".repeat(HEADING_RULE);
        out.println(start + "-".repeat(Math.max(HEADING_RULE, Report.WIDTH - start.length() - end.length())) + end);
        out.println();
        out.flush();
    }
}
