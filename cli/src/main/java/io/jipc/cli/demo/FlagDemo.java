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
import static io.jipc.cli.demo.CounterDescriptor.INSIDE_OFFSET;
import static io.jipc.cli.demo.CounterDescriptor.LOCK_OFFSET;

/** {@code jipc demo flag}: a home-made lock, a flag checked and then set, fails to exclude. */
@Command(name = "flag",
        mixinStandardHelpOptions = true,
        description = "Processes guard the counter with a flag they check, then set: "
                + "they still get in together.")
public final class FlagDemo implements Callable<Integer>, Lesson {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
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
        Report.paragraph(out, "Flag: " + options.processes() + " processes each add 1 to one shared counter "
                + Report.grouped(options.iterations()) + " times. A flag is their lock: wait while it is 1, "
                + "set it to 1, add, set it back to 0.");
        CounterRun run = CounterRun.run("flag", options, Worker.class);
        run.report("a flag, checked and then set")
                .count("overlaps", run.overlaps(), "times two were inside at once")
                .millis("time", run.time())
                .printTable(out);
        Report.paragraph(out, """
                Why? The flag is checked, then set: two separate steps. Between them is \
                a window: A sees 0, B sees 0 before A's 1 reaches it, both set 1, both \
                are inside. Every overlap can lose an update, as in jipc demo race. (On \
                x86 A's 1 may even wait in its core's store buffer while B still reads 0.)""");
        Report.paragraph(out, """
                The flag narrows the window; it does not close it. A lock must check and \
                set in one atomic step: jipc demo mutex.""");
        summary = "lost " + Report.grouped(run.lost()) + " of " + Report.grouped(run.expected()) + " updates; "
                + Report.grouped(run.overlaps()) + " overlaps";
        return 0;
    }

    /** The main class of the worker processes. */
    public static final class Worker {
        private Worker() {
        }

        public static void main(String[] args) throws Exception {
            DemoRun.work(args, (data, index, rest) -> {
                long iterations = Long.parseLong(rest[0]);
                return () -> LONG.setVolatile(data, CounterDescriptor.overlapsOffset(index),
                        incrementUnderFlag(data, iterations));
            });
        }
    }

    /**
     * The broken lock: {@code while (flag != 0) spin; flag = 1; counter++; flag = 0}.
     * Every access to the flag and the counter is opaque, so the JIT keeps each one, in
     * order, instead of merging the check and the set or hoisting the counter out of the
     * loop (see {@link RaceDemo#incrementUnsafely}). The INSIDE count is atomic: it is
     * the referee, not part of the lock.
     *
     * @return how many times this process entered while another was inside
     */
    static long incrementUnderFlag(MemorySegment data, long iterations) {
        long overlaps = 0;
        for (long i = 0; i < iterations; i++) {
            while ((int) INT.getOpaque(data, LOCK_OFFSET) != 0) {       // check...
                Thread.onSpinWait();
            }
            INT.setOpaque(data, LOCK_OFFSET, 1);                        // ...then set: the window is here
            if ((int) INT.getAndAdd(data, INSIDE_OFFSET, 1) > 0) {
                overlaps++;
            }
            long value = (long) LONG.getOpaque(data, COUNTER_OFFSET);
            LONG.setOpaque(data, COUNTER_OFFSET, value + 1);
            INT.getAndAdd(data, INSIDE_OFFSET, -1);
            INT.setOpaque(data, LOCK_OFFSET, 0);
        }
        return overlaps;
    }
}
