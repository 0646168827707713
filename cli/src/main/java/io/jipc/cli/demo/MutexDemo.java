package io.jipc.cli.demo;

import io.jipc.cli.Report;
import io.jipc.sync.Lock;
import io.jipc.sync.Mutex;
import io.jipc.sync.SpinLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.Callable;

import static io.jipc.cli.demo.CounterDescriptor.COUNTER_OFFSET;
import static io.jipc.cli.demo.CounterDescriptor.LOCK_OFFSET;

/** {@code jipc demo mutex}: the same increments under a real lock; none is lost. */
@Command(name = "mutex",
        mixinStandardHelpOptions = true,
        description = "Processes add 1 to one shared counter under a lock: no update is lost.")
public final class MutexDemo implements Callable<Integer>, Lesson {
    private static final String SPIN = "spin";
    private static final String SLEEP = "sleep";

    @Mixin
    private CounterOptions options;

    @Option(names = "--spin", description = "use SpinLock (waiters spin) instead of Mutex (waiters sleep)")
    private boolean spin;

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
        String lock = spin ? "SpinLock" : "Mutex";
        Report.paragraph(out, lock + ": " + options.processes() + " processes each add 1 to one shared counter "
                + Report.grouped(options.iterations()) + " times, each time holding io.jipc.sync." + lock + ".");
        CounterRun run = CounterRun.run("mutex", options, Worker.class, spin ? SPIN : SLEEP);
        run.report(spin ? "SpinLock: waiters spin until it is free"
                        : "Mutex: waiters spin briefly, then sleep (futex)")
                .millis("time", run.time())
                .printTable(out);
        Report.paragraph(out, """
                Why it works: taking the lock is one atomic compare-and-set, a \
                test-and-set. The CPU checks that the lock word is 0 and writes the \
                taker's pid in one indivisible instruction (lock cmpxchg on x86): of two \
                processes that both see 0, one wins, the other sees a pid and waits. \
                Unlocking stores 0 with release ordering, so the next holder reads the \
                counter the last one wrote.""");
        Report.paragraph(out, """
                Spin or sleep? A SpinLock waiter re-reads the word in a loop: a handover \
                costs a few cache-line transfers, but the waiter burns its core, and if \
                the holder is descheduled it spins for nothing. A Mutex waiter spins \
                briefly, then sleeps in the kernel on the lock word (futex); the unlocker \
                makes the system call that wakes it only when someone sleeps. No CPU is \
                wasted, but each sleep and wake-up costs microseconds.
                Compare:\s""" + (spin ? "jipc demo mutex" : "jipc demo mutex --spin"));
        summary = "lost " + Report.grouped(run.lost()) + " of " + Report.grouped(run.expected()) + " updates with "
                + (spin ? "a SpinLock" : "a Mutex");
        return 0;
    }

    /** The main class of the worker processes. */
    public static final class Worker {
        private Worker() {
        }

        public static void main(String[] args) throws Exception {
            DemoRun.work(args, (data, index, rest) -> {
                long iterations = Long.parseLong(rest[0]);
                Lock lock = rest[1].equals(SPIN) ? SpinLock.at(data, LOCK_OFFSET) : Mutex.at(data, LOCK_OFFSET);
                return () -> incrementUnderLock(data, lock, iterations);
            });
        }
    }

    /**
     * The race's read and write, now under the lock. Plain accesses suffice: the lock's
     * acquire and release order them, and keep the JIT from moving them out of the
     * critical section.
     */
    static void incrementUnderLock(MemorySegment data, Lock lock, long iterations) {
        for (long i = 0; i < iterations; i++) {
            lock.lock();
            try {
                long value = data.get(ValueLayout.JAVA_LONG, COUNTER_OFFSET);
                data.set(ValueLayout.JAVA_LONG, COUNTER_OFFSET, value + 1);
            } finally {
                lock.unlock();
            }
        }
    }
}
