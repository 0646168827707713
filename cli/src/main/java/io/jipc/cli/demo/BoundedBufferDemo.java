package io.jipc.cli.demo;

import io.jipc.cli.Failure;
import io.jipc.cli.Report;
import io.jipc.cli.objects.IpcKind;
import io.jipc.sync.Acquired;
import io.jipc.sync.Mutex;
import io.jipc.sync.Semaphore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.jipc.cli.demo.BoundedBufferDescriptor.CHECK_OFFSET;
import static io.jipc.cli.demo.BoundedBufferDescriptor.COUNT_OFFSET;
import static io.jipc.cli.demo.BoundedBufferDescriptor.DAMAGED_OFFSET;
import static io.jipc.cli.demo.BoundedBufferDescriptor.IN_OFFSET;
import static io.jipc.cli.demo.BoundedBufferDescriptor.ITEM_OFFSET;
import static io.jipc.cli.demo.BoundedBufferDescriptor.MUTEX_OFFSET;
import static io.jipc.cli.demo.BoundedBufferDescriptor.ORDER_ERRORS_OFFSET;
import static io.jipc.cli.demo.BoundedBufferDescriptor.OUT_OFFSET;
import static io.jipc.cli.demo.BoundedBufferDescriptor.SEQUENCE_BITS;
import static io.jipc.cli.demo.BoundedBufferDescriptor.SEQUENCE_MASK;
import static io.jipc.cli.demo.BoundedBufferDescriptor.SLOT_LENGTH;
import static io.jipc.cli.demo.BoundedBufferDescriptor.SUM_OFFSET;
import static io.jipc.cli.demo.BoundedBufferDescriptor.WAITS_OFFSET;

/**
 * {@code jipc demo bounded-buffer}: producers and consumers over a ring of slots in
 * shared memory, two semaphores counting free and filled slots, a Mutex for the indices.
 */
@Command(name = "bounded-buffer",
        mixinStandardHelpOptions = true,
        description = "Producer and consumer processes pass items through a ring of slots in shared memory, "
                + "with two semaphores (free slots, filled slots) and a Mutex: every item arrives once, in order.")
public final class BoundedBufferDemo implements Callable<Integer>, Lesson {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final int MAX_SLOTS = 1 << 16;
    private static final int MAX_WORKERS = 8;
    private static final long MAX_ITEMS = 100_000_000;

    @Option(names = {"-s", "--slots"}, paramLabel = "N", defaultValue = "8",
            description = "slots in the ring, 1 to " + MAX_SLOTS + " (default: ${DEFAULT-VALUE})")
    private int slots;

    @Option(names = {"-n", "--items"}, paramLabel = "M", defaultValue = "100_000",
            converter = CounterOptions.CountConverter.class,
            description = "items each producer sends (default: ${DEFAULT-VALUE})")
    private long items;

    @Option(names = {"-p", "--producers"}, paramLabel = "P", defaultValue = "1",
            description = "producer processes, 1 to " + MAX_WORKERS + " (default: ${DEFAULT-VALUE})")
    private int producers;

    @Option(names = {"-c", "--consumers"}, paramLabel = "C", defaultValue = "1",
            description = "consumer processes, 1 to " + MAX_WORKERS + " (default: ${DEFAULT-VALUE})")
    private int consumers;

    @Spec
    private CommandSpec spec;

    private String summary = "";

    /** What one worker counted, from its line of statistics. */
    private record Stats(long count, long sum, long orderErrors, long damaged, long waits) {
        static Stats read(MemorySegment data, int slots, int worker) {
            long at = BoundedBufferDescriptor.statsOffset(slots, worker);
            return new Stats((long) LONG.getVolatile(data, at + COUNT_OFFSET),
                    (long) LONG.getVolatile(data, at + SUM_OFFSET),
                    (long) LONG.getVolatile(data, at + ORDER_ERRORS_OFFSET),
                    (long) LONG.getVolatile(data, at + DAMAGED_OFFSET),
                    (long) LONG.getVolatile(data, at + WAITS_OFFSET));
        }
    }

    @Override
    public String summary() {
        return summary;
    }

    @Override
    public Integer call() throws Exception {
        check("--slots", slots, MAX_SLOTS);
        check("--producers", producers, MAX_WORKERS);
        check("--consumers", consumers, MAX_WORKERS);
        if (items < 1 || items > MAX_ITEMS / producers) {
            throw new ParameterException(spec.commandLine(), "--items times --producers must be between 1 and "
                    + Report.grouped(MAX_ITEMS) + ", not " + Report.grouped(items) + " x " + producers);
        }
        PrintWriter out = spec.commandLine().getOut();
        long total = items * producers;
        Report.paragraph(out, "Bounded buffer: " + count(producers, "producer") + " and "
                + count(consumers, "consumer") + " pass " + Report.grouped(total) + " items through a ring of "
                + slots + " slots in shared memory. Semaphore \"empty\" counts the free slots (it starts at " + slots
                + "), semaphore \"full\" the filled ones (it starts at 0); a Mutex guards the indices.");
        int workers = producers + consumers;
        Report report;
        boolean exact;
        // The parent never uses the semaphores, but holds them for the run: an object nobody
        // holds is fair game for jipc rm --stale, and the workers have not opened them yet.
        try (DemoRun run = DemoRun.create("bounded-buffer", BoundedBufferDescriptor.length(slots, workers));
             Semaphore emptySlots = run.own(IpcKind.SEMAPHORE, run.name("empty"),
                     () -> Semaphore.create(run.name("empty"), slots));
             Semaphore fullSlots = run.own(IpcKind.SEMAPHORE, run.name("full"),
                     () -> Semaphore.create(run.name("full"), 0))) {
            String empty = emptySlots.name();
            String full = fullSlots.name();
            run.spawn(workers, Worker.class, Integer.toString(slots), Integer.toString(producers),
                    Integer.toString(consumers), Long.toString(items), empty, full);
            Duration time = run.start();
            List<Stats> stats = IntStream.range(0, workers)
                    .mapToObj(w -> Stats.read(run.data(), slots, w)).toList();
            List<Stats> put = stats.subList(0, producers);
            List<Stats> taken = stats.subList(producers, workers);
            long sent = put.stream().mapToLong(Stats::count).sum();
            long received = taken.stream().mapToLong(Stats::count).sum();
            long sum = taken.stream().mapToLong(Stats::sum).reduce(0, Long::sum);
            long orderErrors = taken.stream().mapToLong(Stats::orderErrors).sum();
            long damaged = taken.stream().mapToLong(Stats::damaged).sum();
            boolean sumMatches = sum == expectedSum(producers, items);
            exact = sent == total && received == total && sumMatches && orderErrors == 0 && damaged == 0;
            List<Integer> pids = run.pids();
            report = new Report()
                    .text("shared memory", "/dev/shm" + run.name())
                    .text("", slots + " slots of " + SLOT_LENGTH + " bytes, the Mutex, the indices")
                    .text("semaphores", "empty " + empty)
                    .text("", "full  " + full)
                    .text("producers", producers + " (" + describePids(pids.subList(0, producers)) + ")")
                    .text("consumers", consumers + " (" + describePids(pids.subList(producers, workers)) + ")")
                    .count("items sent", sent, "")
                    .count("items received", received, "")
                    .count("out of order", orderErrors, "")
                    .count("damaged", damaged, "")
                    .text("checksum", sumMatches ? "matches: every item arrived exactly once"
                            : "DIFFERS: items were lost or duplicated")
                    .count("producers waited", put.stream().mapToLong(Stats::waits).sum(),
                            "times the ring was full")
                    .count("consumers waited", taken.stream().mapToLong(Stats::waits).sum(),
                            "times the ring was empty")
                    .millis("time", time);
        }
        report.printTable(out);
        if (!exact) {
            throw new Failure("items were lost, duplicated, damaged or reordered");
        }
        Report.paragraph(out, """
                How: a producer takes a free slot (empty.acquire()), locks the Mutex, \
                writes its item into slot[in%N], adds 1 to in, unlocks, and announces a \
                filled slot (full.release()). A consumer mirrors it: full.acquire(), \
                lock, read slot[out%N], add 1 to out, unlock, empty.release().""");
        Report.paragraph(out, """
                Why two semaphores and a lock? "empty" puts a producer to sleep while \
                every slot is filled, "full" puts a consumer to sleep while none is; the \
                counts are never wrong, since each acquire and release is atomic. The \
                Mutex keeps two producers (or two consumers) from using the same index at \
                once: with one of each, every index has a single writer, but not with \
                more. Each item carries its producer's sequence number and a checksum, \
                so the consumers can prove that nothing was lost, repeated, reordered or \
                torn.
                Compare: jipc demo bounded-buffer -p 2 -c 2""");
        summary = Report.grouped(total) + " items through " + slots + " slots, each once and in order";
        return 0;
    }

    private void check(String option, int value, int max) {
        if (value < 1 || value > max) {
            throw new ParameterException(spec.commandLine(), option + " must be between 1 and " + max
                    + ", not " + value);
        }
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? " process" : " processes");
    }

    private static String describePids(List<Integer> pids) {
        return (pids.size() == 1 ? "pid " : "pids ") + pids.stream().map(String::valueOf)
                .collect(Collectors.joining(", "));
    }

    /** {@return the sum of check(ITEM) over every item the producers send} */
    static long expectedSum(int producers, long items) {
        long sum = 0;
        for (int p = 0; p < producers; p++) {
            for (long seq = 1; seq <= items; seq++) {
                sum += BoundedBufferDescriptor.check(BoundedBufferDescriptor.item(p, seq));
            }
        }
        return sum;
    }

    /** The main class of the workers: the first P produce, the others consume. */
    public static final class Worker {
        private Worker() {
        }

        public static void main(String[] args) throws Exception {
            DemoRun.work(args, (data, index, rest) -> {
                int slots = Integer.parseInt(rest[0]);
                int producers = Integer.parseInt(rest[1]);
                int consumers = Integer.parseInt(rest[2]);
                long items = Long.parseLong(rest[3]);
                Semaphore empty = Semaphore.open(rest[4]);
                Semaphore full = Semaphore.open(rest[5]);
                Mutex mutex = Mutex.at(data, MUTEX_OFFSET);
                MemorySegment stats = data.asSlice(BoundedBufferDescriptor.statsOffset(slots, index), 64);
                if (index < producers) {
                    return () -> {
                        try (empty; full) {
                            produce(data, slots, mutex, empty, full, index, items, stats);
                        }
                    };
                }
                return () -> {
                    try (empty; full) {
                        consume(data, slots, mutex, empty, full, producers, items * producers, consumers == 1,
                                stats);
                    }
                };
            });
        }
    }

    /** One producer: items 1, 2, ... of number {@code producer}, each into the next free slot. */
    static void produce(MemorySegment data, int slots, Mutex mutex, Semaphore empty, Semaphore full, int producer,
                        long items, MemorySegment stats) throws IOException {
        long waits = 0;
        for (long seq = 1; seq <= items; seq++) {
            long item = BoundedBufferDescriptor.item(producer, seq);
            if (!empty.tryAcquire()) {
                waits++;
                empty.acquire();
            }
            lock(mutex);
            try {
                long in = data.get(ValueLayout.JAVA_LONG, IN_OFFSET);
                long slot = BoundedBufferDescriptor.slotOffset(in % slots);
                data.set(ValueLayout.JAVA_LONG, slot + ITEM_OFFSET, item);
                data.set(ValueLayout.JAVA_LONG, slot + CHECK_OFFSET, BoundedBufferDescriptor.check(item));
                data.set(ValueLayout.JAVA_LONG, IN_OFFSET, in + 1);
            } finally {
                mutex.unlock();
            }
            full.release();
        }
        stats.set(ValueLayout.JAVA_LONG, COUNT_OFFSET, items);
        stats.set(ValueLayout.JAVA_LONG, WAITS_OFFSET, waits);
    }

    /**
     * One consumer: takes items until all {@code total} are taken, checking each. The one
     * that takes the last item releases "full" once more, as a "closed" token that every
     * other consumer passes on as it leaves.
     *
     * @param strict one consumer sees every item of a producer: each sequence must be the
     *               last plus 1; with several, each must only be above the last
     */
    static void consume(MemorySegment data, int slots, Mutex mutex, Semaphore empty, Semaphore full, int producers,
                        long total, boolean strict, MemorySegment stats) throws IOException {
        long[] last = new long[producers];
        long count = 0;
        long sum = 0;
        long orderErrors = 0;
        long damaged = 0;
        long waits = 0;
        while (true) {
            if (!full.tryAcquire()) {
                waits++;
                full.acquire();
            }
            long item;
            long check;
            long taken;
            lock(mutex);
            try {
                long out = data.get(ValueLayout.JAVA_LONG, OUT_OFFSET);
                if (out == total) {
                    full.release();
                    break;
                }
                long slot = BoundedBufferDescriptor.slotOffset(out % slots);
                item = data.get(ValueLayout.JAVA_LONG, slot + ITEM_OFFSET);
                check = data.get(ValueLayout.JAVA_LONG, slot + CHECK_OFFSET);
                taken = out + 1;
                data.set(ValueLayout.JAVA_LONG, OUT_OFFSET, taken);
            } finally {
                mutex.unlock();
            }
            empty.release();
            int producer = (int) (item >>> SEQUENCE_BITS);
            long seq = item & SEQUENCE_MASK;
            if (check != BoundedBufferDescriptor.check(item) || producer >= producers) {
                damaged++;
            } else {
                if (strict ? seq != last[producer] + 1 : seq <= last[producer]) {
                    orderErrors++;
                }
                last[producer] = seq;
            }
            count++;
            sum += BoundedBufferDescriptor.check(item);
            if (taken == total) {
                full.release();
                break;
            }
        }
        stats.set(ValueLayout.JAVA_LONG, COUNT_OFFSET, count);
        stats.set(ValueLayout.JAVA_LONG, SUM_OFFSET, sum);
        stats.set(ValueLayout.JAVA_LONG, ORDER_ERRORS_OFFSET, orderErrors);
        stats.set(ValueLayout.JAVA_LONG, DAMAGED_OFFSET, damaged);
        stats.set(ValueLayout.JAVA_LONG, WAITS_OFFSET, waits);
    }

    /** The Mutex, or a failure if a worker died holding it: the ring may be half-written. */
    private static void lock(Mutex mutex) {
        if (mutex.lock() == Acquired.OWNER_DIED) {
            throw new IllegalStateException("a worker died holding the Mutex: the ring may be half-written");
        }
    }
}
