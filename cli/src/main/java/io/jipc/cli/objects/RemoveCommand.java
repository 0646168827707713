package io.jipc.cli.objects;

import io.jipc.IpcException;
import io.jipc.cli.Failure;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code jipc rm}: removes named IPC objects, by name or because nothing uses them any more. */
@Command(name = "rm",
        mixinStandardHelpOptions = true,
        description = {"Removes shared-memory objects, semaphores and queues by name; or, with --stale, every "
                + "object that no live process has mapped or open (and whose header, if it names a creator, "
                + "names a dead one).",
            "Removing a name does not take memory from processes that hold the object: it lives on until the "
                    + "last of them lets go. A queue nobody holds is stale even if messages wait in it."},
        sortOptions = false)
public final class RemoveCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "NAME",
            description = "objects to remove: /name, name, sem.name (a semaphore) or a file under /dev/shm or "
                    + "/dev/mqueue; with --stale, patterns (* and ?) that limit what is considered")
    private List<String> names;

    @Option(names = "--stale", description = "remove every stale object (that matches a PATTERN, if given)")
    private boolean stale;

    @Option(names = {"-n", "--dry-run"}, description = "only say what would be removed")
    private boolean dryRun;

    @Option(names = "--kind", paramLabel = "KIND", description = "only objects of this kind: shm, sem or mq")
    private String kind;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Optional<IpcKind> only = kind();
        PrintWriter out = spec.commandLine().getOut();
        if (stale) {
            return removeStale(out, only);
        }
        if (names == null || names.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "Name the objects to remove, or use --stale");
        }
        return removeNamed(out, only);
    }

    private Optional<IpcKind> kind() {
        if (kind == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(IpcKind.ofLabel(kind));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--kind: " + e.getMessage());
        }
    }

    /**
     * Stale objects, found twice: once to choose, once more right before removing, so that
     * an object someone took up (or made anew under the name) in between is kept.
     */
    private int removeStale(PrintWriter out, Optional<IpcKind> only) throws Exception {
        Catalogue first = Catalogue.take(ObjectInspector.standard(), Catalogue.matching(names));
        List<Catalogue.Entry> candidates = first.entries().stream()
                .filter(e -> only.isEmpty() || e.object().kind() == only.get())
                .filter(Catalogue.Entry::isStale).toList();
        long unknown = first.entries().stream().filter(e -> !e.holdersKnown()).count();
        Catalogue second = candidates.isEmpty() || dryRun ? first
                : Catalogue.take(ObjectInspector.standard(), Catalogue.matching(names));
        int failed = 0;
        int removed = 0;
        for (Catalogue.Entry candidate : candidates) {
            Optional<Catalogue.Entry> now = second.entries().stream()
                    .filter(e -> e.object().kind() == candidate.object().kind()
                            && e.object().name().equals(candidate.object().name())
                            && e.object().key().equals(candidate.object().key()))
                    .findFirst();
            if (now.isEmpty() || !now.get().isStale()) {
                out.println("kept " + candidate.object().describe() + ": "
                        + now.map(Catalogue.Entry::reason).orElse("gone or made anew meanwhile"));
                continue;
            }
            if (remove(out, now.get(), now.get().reason())) {
                removed++;
            } else {
                failed++;
            }
        }
        if (candidates.isEmpty()) {
            out.println("nothing stale" + (names == null || names.isEmpty() ? "" : " matches "
                    + String.join(" ", names)));
        } else if (!dryRun && candidates.size() > 1) {
            out.println(removed + " removed");
        }
        if (unknown > 0) {
            out.println(unknown + " left alone whatever their state: their holders are unknown");
        }
        ListCommand.footnotes(out, first);
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    private int removeNamed(PrintWriter out, Optional<IpcKind> only) throws Exception {
        Catalogue catalogue = Catalogue.take(List.of());
        int failed = 0;
        for (String raw : names) {
            Wanted w = Wanted.parse(raw, only);
            List<Catalogue.Entry> matches = catalogue.entries().stream()
                    .filter(e -> e.object().name().equals(w.name()))
                    .filter(e -> w.kind().isEmpty() || e.object().kind() == w.kind().get()).toList();
            if (matches.size() > 1) {
                throw new Failure(raw + " names " + matches.stream().map(e -> e.object().describe())
                        .collect(Collectors.joining(" and ")) + ": choose one with --kind");
            }
            if (matches.isEmpty()) {
                // Queues cannot be listed without an mqueue mount, but they can be removed by name.
                boolean queueMaybe = catalogue.mqueueDir().isEmpty()
                        && (w.kind().isEmpty() || w.kind().get() == IpcKind.QUEUE);
                if (queueMaybe && (dryRun || IpcKind.QUEUE.unlink(w.name()))) {
                    out.println((dryRun ? "would remove mq " : "removed mq ") + w.name());
                    continue;
                }
                out.flush();
                spec.commandLine().getErr().println("jipc: no such object: " + raw);
                failed++;
                continue;
            }
            Catalogue.Entry e = matches.getFirst();
            String held = e.holders().isEmpty() ? "" : "still held by " + e.holders().stream()
                    .map(Holder::toString).collect(Collectors.joining(", ")) + "; it lives on until they let go";
            if (!remove(out, e, held)) {
                failed++;
            }
        }
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    /** Removes one object's name, or says it would; {@return false if the removal failed} */
    private boolean remove(PrintWriter out, Catalogue.Entry e, String why) {
        String what = e.object().describe() + (why.isEmpty() ? "" : ": " + why);
        if (dryRun) {
            out.println("would remove " + what);
            return true;
        }
        try {
            if (e.object().kind().unlink(e.object().name())) {
                out.println("removed " + what);
            } else {
                out.println("already gone: " + e.object().describe());
            }
            return true;
        } catch (IpcException | IllegalArgumentException x) {
            out.flush();
            spec.commandLine().getErr().println("jipc: " + x.getMessage());
            return false;
        }
    }

    /** A name as typed, read as the object it means. */
    private record Wanted(String name, Optional<IpcKind> kind) {
        static Wanted parse(String raw, Optional<IpcKind> only) {
            if (raw.startsWith("/dev/shm/")) {
                String file = raw.substring("/dev/shm/".length());
                return file.startsWith("sem.") && only.orElse(IpcKind.SEMAPHORE) == IpcKind.SEMAPHORE
                        ? new Wanted("/" + file.substring(4), Optional.of(IpcKind.SEMAPHORE))
                        : new Wanted("/" + file, Optional.of(only.orElse(IpcKind.SHM)));
            }
            if (raw.startsWith("/dev/mqueue/")) {
                return new Wanted("/" + raw.substring("/dev/mqueue/".length()), Optional.of(IpcKind.QUEUE));
            }
            if (raw.startsWith("sem.") && only.isEmpty()) {
                return new Wanted("/" + raw.substring(4), Optional.of(IpcKind.SEMAPHORE));
            }
            return new Wanted(raw.startsWith("/") ? raw : "/" + raw, only);
        }
    }
}
