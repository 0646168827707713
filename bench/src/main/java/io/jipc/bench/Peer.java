package io.jipc.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.jipc.bench.Protocol.MEASURE;
import static io.jipc.bench.Protocol.SYNC;
import static io.jipc.bench.Protocol.WARMUP;
import static io.jipc.bench.Protocol.getWord0;
import static io.jipc.bench.Protocol.phaseOf;
import static io.jipc.bench.Protocol.sequenceOf;
import static io.jipc.bench.Protocol.setWord0;

/**
 * The other side of a Java side-run, in its own JVM, spawned by {@link Driver}: follows
 * the phases of each step, echoing (rtt) or checking and summing every word (tput), and
 * writes its CPU time, count and checksum per step to {@code --peer-out}.
 *
 * <p>{@code Peer --transport T --address A [--cpu N] --peer-out FILE <plan>}
 */
public final class Peer {
    private Peer() {
    }

    /** The peer's command line, written by {@link Driver}. */
    @Command(name = "peer")
    static final class Options {
        @Option(names = "--transport", required = true)
        String transport;
        @Option(names = "--address", required = true)
        String address;
        @Option(names = "--peer-out", required = true)
        Path out;
        @Option(names = "--cpu", defaultValue = "-1")
        int cpu;
        @Mixin
        PlanOptions plan;
    }

    public static void main(String[] argv) throws Exception {
        Options args = new Options();
        new CommandLine(args).parseArgs(argv);
        Plan plan = args.plan.plan();
        // Runs until the JVM ends: the peer has nothing to do after its last step.
        Watchdog.start("peer", plan.budgetSeconds() + 60, null);
        // Before pinning: what this JVM was born with, which the driver checks.
        int allowedCpus = Affinity.allowedCpus().size();
        Affinity.pinCurrentThread(args.cpu);
        Transport transport = Transports.java(args.transport);
        List<String> report = new ArrayList<>();
        try (Transport.Link link = transport.connect(args.address)) {
            MemorySegment msg = Arena.ofAuto().allocate(Protocol.MAX_SIZE, 64);
            for (Plan.Step step : plan.steps()) {
                report.add(serve(link, msg, step).put("allowed_cpus", allowedCpus).toString());
            }
        }
        Files.write(args.out, report);
    }

    private static Result serve(Transport.Link link, MemorySegment msg, Plan.Step step) throws Exception {
        int size = step.size();
        boolean tput = step.tput();
        Rusage.Cpu c0 = null;
        Rusage.Cpu t0 = null;
        long sum = 0;
        long count = 0;
        long errors = 0;
        while (true) {
            link.receive(msg, size);
            long w = getWord0(msg);
            int phase = phaseOf(w);
            // Warm-up and measured messages get the same work, so the warm-up compiles the
            // code the measurement runs; SYNC resets the counts.
            if (phase == WARMUP || phase == MEASURE) {
                if (tput) {
                    if (sequenceOf(w) != count) {
                        errors++;
                    }
                    sum += Protocol.sumWords(msg, size);
                } else {
                    link.send(msg, size);
                }
                count++;
            } else if (phase == SYNC) {
                c0 = Rusage.self();
                t0 = Rusage.thread();
                sum = 0;
                count = 0;
                errors = 0;
                link.send(msg, size);
            } else {
                Rusage.Cpu thread = Rusage.thread().minus(t0);
                Rusage.Cpu cpu = Rusage.self().minus(c0);
                if (tput) {
                    setWord0(msg, sum);
                }
                link.send(msg, size);
                return new Result().put("metric", step.metric()).put("size", size)
                        .put("user_us", cpu.userMicros()).put("sys_us", cpu.sysMicros())
                        .put("thread_us", thread.userMicros() + thread.sysMicros())
                        .put("count", count).put("checksum", Long.toHexString(sum)).put("sequence_errors", errors);
            }
        }
    }
}
