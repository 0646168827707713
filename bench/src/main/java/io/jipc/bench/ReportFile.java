package io.jipc.bench;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import static io.jipc.bench.Main.format;

/** The text of {@code report.md}: machine, method, transports, the tables, charts and what is not measured. */
final class ReportFile {
    private ReportFile() {
    }

    static String markdown(BenchReport r, List<String> charts) {
        Main.Settings settings = r.settings();
        StringBuilder b = new StringBuilder();
        Plan p = settings.plan();
        b.append("# jipc benchmark report\n\n");
        b.append("Generated ").append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME))
                .append(format(" by `bench/run%s`; the runs took %.0f s.%n%n",
                        settings.args().isEmpty() ? "" : " " + String.join(" ", settings.args()), r.seconds()));
        b.append("## Machine\n\n");
        Machine.describe(settings.nativeDir(), r.loadBefore()).forEach((k, v) -> b.append("- ").append(k).append(": ").append(v)
                .append('\n'));
        b.append('\n');
        b.append("## Method\n\n");
        b.append("""
                - **Two real processes per side-run.** Java: a driver JVM spawns its peer JVM with
                  `io.jipc.process.Spawn` (JVM options: `%s`). C: `cbench` forks. Every side-run
                  starts fresh processes; within one, the steps (metric x size) run in order: rtt then
                  tput, small sizes first.
                - **Alternation.** %d round(s); in odd rounds Java runs first for each transport, in even
                  rounds C does (A B, B A, ...), so neither side always meets a warmer or busier machine.
                  Tables show the median over rounds; the headline column shows the range over rounds.
                - **One step.** Warm-up (at most %d messages or %.2f s, whichever ends first; in a JVM the
                  first rtt and the first tput step warm up for at least %d ms), one SYNC round trip, the
                  measured phase (at most %d messages or %.2f s), one END round trip; a tput step may
                  send %d times those counts, so that a fast one-way stream runs for the times rather
                  than a few milliseconds. Warm-up and measurement run the same code on both sides (the
                  Java loops are compiled before the measured phase starts); warm-up messages are echoed
                  or summed like measured ones.
                - **rtt.** The driver sends a message, the peer echoes it, the driver times each round trip
                  (`System.nanoTime` / `clock_gettime(CLOCK_MONOTONIC)`, the same clock). Java records into an
                  HdrHistogram (3 significant digits); C sorts all samples (exact nearest rank).
                - **tput.** The driver streams messages one way; the peer reads every byte, checks sequence
                  numbers and sums all 64-bit words; the END answer carries the sum, which the driver checks
                  against what it sent (a mismatch fails the run). Time: from SYNC to the END answer.
                - **idle.** One SYNC round trip, then the driver sleeps (%d ms) while the peer waits in a
                  receive, then one END round trip; both report their CPU time over that window. It tells
                  a transport that sleeps while waiting from one that spins.
                - **Copies.** Every transport copies each message in and out once (as `write`/`read` do),
                  shared-memory rings included; zero-copy claim/commit is a ring feature measured apart.
                - **CPU.** Each process reports `getrusage(RUSAGE_SELF)` user and system time over its
                  measured phase (all JVM threads count: JIT and GC are part of Java's cost). Shown as percent
                  of one core, driver / peer: busy-spinning shows as ~100%% user on both sides.
                - **Pinning: %s.** `same` puts both benchmark threads on one CPU, `different` on two,
                  `none` leaves it to the scheduler. Java pins its benchmark thread with
                  `sched_setaffinity` (not the whole JVM: its JIT and GC threads stay free), C pins each
                  single-threaded process. With `same`, busy-spinning transports hand over only when the
                  scheduler preempts the spinner: expect milliseconds, that is the point of the mode.
                - **Ratios** are cost ratios (> 1 means slower than the reference): latency / reference
                  latency, reference msgs/s / msgs/s. `Java/C` compares the same transport; `÷Agrona` and
                  `÷Aeron` compare with those Java peers at the same size; `Java÷raw` compares a channel
                  row (`chan-…`, through `MessageChannel`) with the transport it is built on; `Java÷C-ref`
                  compares a jipc ring with the C slot ring of bench's own design named in brackets
                  (`shm-spin`, `futex`).
                - **Noise, and how the report shows it.** The machine's other load is not controlled.
                  Before and after each side-run the harness times a bare cache-line ping-pong between
                  two CPUs (two threads, plain JDK memory and VarHandles, no jipc): a virtual machine
                  switches between a fast and a slow state, and a ratio holds only within one. It also
                  counts the CPU other processes took during each side-run (`/proc/stat` minus its own
                  `getrusage`). Rows and targets carry flags for both, for starved spinners, for rounds
                  that disagree widely and for a load average above the CPUs; every latency cell has its
                  sample count, and p99.9 is hidden below %,d samples.
                - **Charts.** Every series has its own colour and marker (Java solid, C dashed); points
                  are medians over rounds and the bars through them span the rounds (smallest to
                  largest). Throughput is drawn as points on a log scale, never as bars from an arbitrary
                  base.
                - **HdrHistogram logs.** Every Java rtt step's histogram is in `hlog/` beside this report
                  (`java-<transport>-rtt-<size>-r<round>.hlog`, values in ns; `HistogramLogProcessor`
                  reads them). C sorts its samples and keeps no histogram.
                """.formatted(String.join(" ", Jvm.options()), settings.rounds(), p.warmupCount(),
                p.warmupMillis() / 1000.0, settings.jitWarmupMillis(), p.count(), p.millis() / 1000.0,
                Plan.TPUT_COUNT_FACTOR, p.idleMillis(), settings.pin(), BenchReport.TAIL_SAMPLES));
        b.append("\nTransports:\n\n");
        for (String t : settings.transports()) {
            b.append("- `").append(t).append("`: ").append(Transports.description(t));
            List<String> missing = new ArrayList<>();
            if (!Main.available("java", t)) {
                missing.add("C only: no Java transport");
            }
            if (!Main.available("c", t)) {
                missing.add("Java only: no C twin");
            }
            if (!missing.isEmpty()) {
                b.append(" (").append(String.join("; ", missing)).append(')');
            }
            b.append('\n');
        }
        b.append('\n');
        b.append(r.tables().replace("### ", "## "));
        if (!charts.isEmpty()) {
            b.append("## Charts\n\n");
            for (String c : charts) {
                b.append("![").append(c).append("](").append(c).append(")\n\n");
            }
        }
        b.append("## Raw data\n\n`results.jsonl`: one line per side-run step, the fields cbench and the Java "
                + "driver both print.\n\n");
        b.append("## Not measured\n\n"
                + "- The ring benchmark that used to live in the library's tests (RingBench: Java ping with a C pong, "
                + "Java producer into a C consumer and back) mixes Java and C in one exchange; the harness runs each side "
                + "in one language, so these pairs are not measured.\n"
                + "- MPSC with two producers: the harness's protocol has one sender per direction, and on a "
                + "two-core machine a third busy-spinning thread measures the scheduler. `jipc-mpsc-spin` runs "
                + "the MPSC ring with one producer per ring (the cost of its compare-and-set claim).\n"
                + "- Zero-copy claim/commit across processes: every transport here copies in and out; "
                + "`RingCost` (JMH, `--micro`) measures claim/commit/poll in one thread.\n");
        return b.toString();
    }
}
