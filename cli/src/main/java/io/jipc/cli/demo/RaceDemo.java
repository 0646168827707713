package io.jipc.cli.demo;

import io.jipc.cli.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;

import static io.jipc.cli.demo.CounterDescriptor.COUNTER_OFFSET;

/** {@code jipc demo race}: processes increment a shared counter with no synchronization. */
@Command(name = "race",
        mixinStandardHelpOptions = true,
        description = "Processes add 1 to one shared counter with no synchronization: "
                + "updates get lost.")
public final class RaceDemo implements Callable<Integer>, Lesson {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    @Mixin
    private CounterOptions options;

    @Spec
    private CommandSpec spec;

    private String summary = "";

    @Override
    public String summary() {
        return summary;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Report.paragraph(out, "Race: " + options.processes() + " processes each add 1 to one counter in shared "
                + "memory, " + Report.grouped(options.iterations()) + " times, with nothing to keep them apart.");
        CounterRun run = CounterRun.run("race", options, Worker.class);
        run.report("none").millis("time", run.time()).printTable(out);
        Report.paragraph(out, """
                Why? counter = counter + 1 is three steps: read, add, write. A reads 41; \
                before A writes, B reads 41 too; both write 42. Two increments, one \
                counted: a lost update. Nothing keeps B out between A's read and A's \
                write, and on two cores both run at the very same moment.""");
        Report.paragraph(out, """
                The fix: make read-add-write indivisible, with one atomic instruction \
                or a lock that lets one process in at a time (jipc demo mutex).""");
        summary = "lost " + Report.grouped(run.lost()) + " of " + Report.grouped(run.expected()) + " updates ("
                + Report.percent(run.lost(), run.expected()) + ")";
        return 0;
    }

    /** The main class of the worker processes. */
    public static final class Worker {
        private Worker() {
        }

        public static void main(String[] args) throws Exception {
            DemoRun.work(args, (data, index, rest) -> {
                long iterations = Long.parseLong(rest[0]);
                return () -> incrementUnsafely(data, iterations);
            });
        }
    }

    /**
     * {@code counter = counter + 1}, {@code iterations} times, as a read and then a write.
     *
     * <p>Both are opaque accesses, and that is what keeps the demo honest. With plain
     * accesses the JIT may keep the counter in a register and store it once at the end,
     * or fold the loop into a single {@code counter += iterations}: the lost updates would
     * then measure the compiler, not the race. Opaque mode forbids that: every read and
     * every write is performed, on the shared memory, in program order. Yet a read and a
     * write are still two accesses, not one atomic operation, so another process can
     * write in between, and its write is then overwritten: exactly {@code counter++} in C
     * on a {@code volatile} variable.
     */
    static void incrementUnsafely(MemorySegment data, long iterations) {
        for (long i = 0; i < iterations; i++) {
            long value = (long) LONG.getOpaque(data, COUNTER_OFFSET);
            LONG.setOpaque(data, COUNTER_OFFSET, value + 1);
        }
    }
}
