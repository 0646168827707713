package io.jipc.cli.demo;

import io.jipc.IpcException;
import io.jipc.cli.Report;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static io.jipc.cli.demo.CounterDescriptor.COUNTER_OFFSET;

/**
 * The outcome of one counter demo, and the run that produces it: N workers increment
 * the counter of a {@link CounterDescriptor} segment M times each.
 *
 * @param segment  the shared-memory name used
 * @param pids     the workers' pids
 * @param expected N × M
 * @param actual   the counter at the end
 * @param overlaps the workers' overlap counts, summed (demo flag; 0 for the others)
 * @param time     from the start gate opening to the last worker done
 */
record CounterRun(String segment, List<Integer> pids, long expected, long actual, long overlaps, Duration time) {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /**
     * Runs {@code worker}'s main in {@code options.processes()} JVMs; each gets the
     * iterations, then {@code args}, after {@link DemoRun}'s own arguments.
     */
    static CounterRun run(String demo, CounterOptions options, Class<?> worker, String... args)
            throws IpcException, InterruptedException {
        int processes = options.processes();
        long iterations = options.iterations();
        String[] workerArgs = new String[args.length + 1];
        workerArgs[0] = Long.toString(iterations);
        System.arraycopy(args, 0, workerArgs, 1, args.length);
        try (DemoRun run = DemoRun.create(demo, CounterDescriptor.length(processes))) {
            run.spawn(processes, worker, workerArgs);
            Duration time = run.start();
            MemorySegment data = run.data();
            long overlaps = 0;
            for (int i = 0; i < processes; i++) {
                overlaps += (long) LONG.getVolatile(data, CounterDescriptor.overlapsOffset(i));
            }
            return new CounterRun(run.name(), run.pids(), processes * iterations,
                    (long) LONG.getVolatile(data, COUNTER_OFFSET), overlaps, time);
        }
    }

    /** {@return the updates that did not make it into the counter} */
    long lost() {
        return expected - actual;
    }

    /** A few pids fit on a line; for many, the range. */
    private String describePids() {
        if (pids.size() <= 4) {
            return "pid " + pids.stream().map(String::valueOf).collect(Collectors.joining(", "));
        }
        return "pids " + pids.getFirst() + " ... " + pids.getLast();
    }

    /**
     * {@return the rows every counter demo shows; a demo may add its own}
     *
     * @param lock what guards the counter, in a few words
     */
    Report report(String lock) {
        return new Report()
                .text("shared memory", "/dev/shm" + segment)
                .text("processes", pids.size() + " (" + describePids() + ")")
                .text("lock", lock)
                .count("expected", expected, "")
                .count("actual", actual, "")
                .count("lost updates", lost(), Report.percent(lost(), expected));
    }
}
