package io.jipc.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jipc bench}: listed here so that {@code jipc --help} shows it, but run by the
 * launcher ({@code ./jipc bench} execs {@code bench/run}), because the benchmarks carry
 * JMH, HdrHistogram and Agrona, which the command line does not. Reached only when this
 * jar is started without the launcher.
 */
@Command(name = "bench",
        description = "Java next to C: every transport measured, as two real processes, with a report "
                + "(bench/run; --quick takes about two minutes, jmh runs the microbenchmarks).")
final class BenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    /** The harness's own options, for bench/run: accepted here so the message below is what one sees. */
    @Unmatched
    private List<String> benchArguments;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("jipc: bench runs from a clone of the repository: "
                + "./jipc bench [--quick | --help | jmh …] (it builds and runs bench/run)");
        return Main.EXIT_FAILED;
    }
}
