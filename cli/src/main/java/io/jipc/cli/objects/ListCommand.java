package io.jipc.cli.objects;

import io.jipc.cli.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code jipc ls}: the named IPC objects of this machine, and who holds them. */
@Command(name = "ls",
        mixinStandardHelpOptions = true,
        description = {"Lists shared-memory objects and semaphores (/dev/shm) and message queues (/dev/mqueue): "
                + "kind, size, mode, owner, what they hold, and the processes that have them mapped or open "
                + "(from /proc/PID/maps and /proc/PID/fd).",
            "SIZE is bytes; for a queue, the bytes of the messages waiting in it."})
public final class ListCommand implements Callable<Integer> {
    private static final String[] HEADINGS = {"KIND", "NAME", "SIZE", "MODE", "OWNER", "STATE", "HOLDERS"};
    /** SIZE is a number: right-aligned. */
    private static final int SIZE_COLUMN = 2;

    @Parameters(arity = "0..*", paramLabel = "PATTERN",
            description = "list only names that match one of these (* any characters, ? one), such as 'jipc-*'")
    private List<String> patterns;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Catalogue catalogue = Catalogue.take(ObjectInspector.standard(), Catalogue.matching(patterns));
        List<String[]> rows = new ArrayList<>();
        for (Catalogue.Entry e : catalogue.entries()) {
            IpcObject o = e.object();
            rows.add(new String[] {o.kind().label(), o.name(), Report.grouped(o.size()),
                String.format(Locale.ROOT, "%04o", o.mode()), o.owner(), state(e), holders(e)});
        }
        if (rows.isEmpty()) {
            out.println(patterns == null || patterns.isEmpty() ? "no shared-memory objects, semaphores or queues"
                    : "nothing matches " + String.join(" ", patterns));
        } else {
            printColumns(out, rows);
        }
        footnotes(out, catalogue);
        out.flush();
        return 0;
    }

    /** The lines under any listing: what could not be seen. Shared with {@code jipc rm}. */
    static void footnotes(PrintWriter out, Catalogue catalogue) {
        if (catalogue.mqueueDir().isEmpty()) {
            out.println(MqueueMount.notMounted());
        }
        if (catalogue.pidsHidden()) {
            out.println("note: /proc hides other users' processes: holders of objects others may open are unknown");
        } else if (catalogue.uninspectable() > 0) {
            int n = catalogue.uninspectable();
            out.println("note: " + n + (n == 1 ? " process" : " processes") + " could not be looked at: holders of "
                    + "objects others may open are unknown");
        }
    }

    private static String state(Catalogue.Entry e) {
        if (e.header().isEmpty()) {
            return e.state();
        }
        ObjectInspector.Header h = e.header().get();
        List<String> parts = new ArrayList<>();
        parts.add(h.layout());
        parts.addAll(h.details());
        if (h.creatorPid().isPresent()) {
            long pid = h.creatorPid().getAsLong();
            parts.add("creator " + pid + (Processes.isAlive(pid, h.creatorStartTime()) ? " (alive)" : " (dead)"));
        }
        return String.join(", ", parts);
    }

    private static String holders(Catalogue.Entry e) {
        if (e.holders().isEmpty()) {
            return e.holdersKnown() ? "none" : "none seen";
        }
        return e.holders().stream().map(Holder::toString).collect(Collectors.joining(", "));
    }

    private static void printColumns(PrintWriter out, List<String[]> rows) {
        int[] widths = new int[HEADINGS.length];
        for (int c = 0; c < HEADINGS.length; c++) {
            widths[c] = HEADINGS[c].length();
            for (String[] r : rows) {
                widths[c] = Math.max(widths[c], r[c].length());
            }
        }
        List<String[]> all = new ArrayList<>();
        all.add(HEADINGS);
        all.addAll(rows);
        for (String[] r : all) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < r.length; c++) {
                String cell = r[c];
                String pad = " ".repeat(widths[c] - cell.length());
                line.append(c == SIZE_COLUMN ? pad + cell : cell + (c < r.length - 1 ? pad : ""));
                if (c < r.length - 1) {
                    line.append("  ");
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
