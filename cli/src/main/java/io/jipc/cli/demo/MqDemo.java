package io.jipc.cli.demo;

import io.jipc.cli.Failure;
import io.jipc.cli.Report;
import io.jipc.cli.objects.IpcKind;
import io.jipc.mq.Message;
import io.jipc.mq.MessageQueue;
import io.jipc.mq.Received;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code jipc demo mq}: a producer process sends to a POSIX message queue, this process
 * receives: priority order, and what non-blocking, blocking and timed calls do.
 */
@Command(name = "mq",
        mixinStandardHelpOptions = true,
        description = "A producer process sends to a POSIX message queue, the consumer receives: highest priority "
                + "first; non-blocking, blocking and timed calls; the round trip through two queues.")
public final class MqDemo implements Callable<Integer>, Lesson {
    private static final int MAX_MESSAGES = 8;
    private static final int MAX_MESSAGE_SIZE = 64;
    /** How long the producer waits before it answers the consumer's blocking receive. */
    private static final Duration PRODUCER_DELAY = Duration.ofMillis(250);
    private static final Duration SEND_TIMEOUT = Duration.ofMillis(200);
    /**
     * The consumer's "blocking" receives are timed ones with this far deadline: the same
     * mq_timedreceive, asleep in the kernel until a message comes, but a producer that
     * dies cannot hang the demo.
     */
    private static final Duration SAFETY_TIMEOUT = Duration.ofSeconds(30);
    private static final String GO = "go";
    private static final int SENT_WIDTH = 28;

    /** What the producer sends first, in this order, before the consumer receives any. */
    private record Planned(int priority, String text) {
        @Override
        public String toString() {
            return "p" + priority + "  \"" + text + "\"";
        }
    }

    private static final List<Planned> PLAN = List.of(
            new Planned(1, "log rotated"),
            new Planned(9, "disk almost full"),
            new Planned(0, "heartbeat 1"),
            new Planned(5, "backup late"),
            new Planned(5, "user signed up"),
            new Planned(0, "heartbeat 2"));

    @Mixin
    private RoundTripOptions roundTrips;

    @Spec
    private CommandSpec spec;

    private String summary = "";

    @Override
    public String summary() {
        return summary;
    }

    @Override
    public Integer call() throws Exception {
        int warmUp = roundTrips.warmUp();
        int count = roundTrips.roundTrips();
        PrintWriter out = spec.commandLine().getOut();
        Report.paragraph(out, """
                Message queue: a producer process sends messages to a POSIX message queue; \
                this process, the consumer, receives them. Each message keeps its \
                boundaries and carries a priority; the kernel holds it until it is taken.""");
        RoundTrips measured;
        List<Message> received = new ArrayList<>();
        try (DemoRun run = DemoRun.create("mq", 0)) {
            String dataName = run.name("data");
            String backName = run.name("back");
            try (MessageQueue data = run.own(IpcKind.QUEUE, dataName,
                         () -> MessageQueue.create(dataName, MAX_MESSAGES, MAX_MESSAGE_SIZE));
                 MessageQueue back = run.own(IpcKind.QUEUE, backName,
                         () -> MessageQueue.create(backName, MAX_MESSAGES, MAX_MESSAGE_SIZE))) {
                run.spawn(1, Producer.class, dataName, backName, Long.toString(PRODUCER_DELAY.toMillis()),
                        Long.toString(warmUp + count));
                new Report()
                        .text("queue", dataName + ", producer to consumer")
                        .text("", MAX_MESSAGES + " messages of up to " + MAX_MESSAGE_SIZE + " bytes")
                        .text("back queue", backName + ", consumer to producer")
                        .text("producer", "pid " + run.pids().getFirst() + " (a JVM)")
                        .printTable(out);

                emptyQueue(out, data);
                run.openGate();
                priorities(out, run, data, received);
                blockingReceive(out, data, back);
                fullQueue(out, data);
                measured = measure(data, back, warmUp, count);
            }
            run.finish();
        }
        Report.paragraph(out, """
                Round trip: the consumer sends an 8-byte number on the back queue, the \
                producer receives it and sends it back on the data queue; both wait \
                asleep in the kernel (mq_timedreceive) until the message is there.""");
        measured.addTo(new Report()).printTable(out);
        summary = "priority order " + received.stream().map(m -> Integer.toString(m.priority()))
                .collect(Collectors.joining(" ")) + "; round trip "
                + String.format(Locale.ROOT, "%.1f us", measured.median() / 1e3);
        return 0;
    }

    /** Step 1, before the producer may send: a non-blocking receive answers at once. */
    private static void emptyQueue(PrintWriter out, MessageQueue data) throws IOException {
        // The first calls link the native functions and load classes: not what the lesson is about.
        for (int i = 0; i < 3; i++) {
            data.tryReceive();
        }
        long start = System.nanoTime();
        Optional<Message> nothing = data.tryReceive();
        long took = System.nanoTime() - start;
        if (nothing.isPresent()) {
            throw new Failure("the new queue " + data.name() + " was not empty");
        }
        Report.item(out, "  1.", "Non-blocking receive (tryReceive) on the empty queue:");
        out.println("       EAGAIN -> empty, answered in " + micros(took) + ", without waiting");
        out.println();
    }

    /** Step 2: the producer sends the plan; once all wait in the queue, they come out by priority. */
    private static void priorities(PrintWriter out, DemoRun run, MessageQueue data, List<Message> received)
            throws Exception {
        Report.item(out, "  2.", "The producer sends " + PLAN.size() + " messages with mixed priorities. Once "
                + "all " + PLAN.size() + " wait in the queue (mq_getattr counts them), the consumer receives:");
        run.await("send " + PLAN.size() + " messages", () -> data.attributes().currentMessages() == PLAN.size());
        for (int i = 0; i < PLAN.size(); i++) {
            received.add(data.tryReceive().orElseThrow(() -> new Failure("a counted message was not there")));
        }
        out.println("       " + pad("sent", SENT_WIDTH) + "received");
        for (int i = 0; i < PLAN.size(); i++) {
            Message m = received.get(i);
            out.println("       " + pad(PLAN.get(i).toString(), SENT_WIDTH) + "p" + m.priority() + "  "
                    + PipeDemo.quote(text(m)));
        }
        Report.item(out, "    ", "Highest priority first; equal priorities in the order they were sent.");
        out.println();
    }

    /** Step 3: a receive on the empty queue sleeps until the producer sends. */
    private static void blockingReceive(PrintWriter out, MessageQueue data, MessageQueue back) throws IOException {
        Report.item(out, "  3.", "Blocking receive on the empty queue. The producer sends "
                + PRODUCER_DELAY.toMillis() + " ms after the consumer asks it to:");
        back.send(GO.getBytes(StandardCharsets.US_ASCII), 0);
        long start = System.nanoTime();
        Message late = data.receive(SAFETY_TIMEOUT)
                .orElseThrow(() -> new Failure("the producer sent nothing within " + SAFETY_TIMEOUT.toSeconds() + " s"));
        long took = System.nanoTime() - start;
        out.println("       waited " + millis(took) + ", then got " + PipeDemo.quote(text(late)));
        out.println();
    }

    /** Step 4: with nobody receiving, a timed send on a full queue gives up. */
    private static void fullQueue(PrintWriter out, MessageQueue data) throws IOException {
        Report.item(out, "  4.", "Timed send on a full queue. Nobody receives from the data queue now (the "
                + "producer waits for the round trips), so the consumer fills it itself with "
                + data.maxMessages() + " messages, then sends with a " + SEND_TIMEOUT.toMillis() + " ms time-out:");
        byte[] filler = "filler".getBytes(StandardCharsets.US_ASCII);
        int filled = 0;
        while (data.trySend(filler, 0)) {
            filled++;
        }
        long start = System.nanoTime();
        boolean sent = data.send(filler, 0, SEND_TIMEOUT);
        long took = System.nanoTime() - start;
        int waiting = data.attributes().currentMessages();
        out.println("       trySend x " + filled + " -> true; once more -> false: full (" + waiting + " of "
                + data.maxMessages() + " messages)");
        out.println("       send(..., " + SEND_TIMEOUT.toMillis() + " ms) -> " + sent + (sent ? ""
                : ": gave up (ETIMEDOUT)") + " after " + millis(took));
        if (sent) {
            throw new Failure("a send to the full queue " + data.name() + " succeeded");
        }
        while (data.tryReceive().isPresent()) {
            // Emptied for the round trips.
        }
        out.println();
    }

    /** The round trip, timed: the consumer's side. */
    private static RoundTrips measure(MessageQueue data, MessageQueue back, int warmUp, int count) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(Long.BYTES);
            MemorySegment echoed = arena.allocate(data.maxMessageSize());
            return RoundTrips.measure(warmUp, count, i -> {
                message.set(ValueLayout.JAVA_LONG, 0, i);
                back.send(message, 0);
                long r = data.receive(echoed, SAFETY_TIMEOUT);
                if (r == Received.NOTHING) {
                    throw new Failure("the producer did not answer within " + SAFETY_TIMEOUT.toSeconds() + " s");
                }
                long got = echoed.get(ValueLayout.JAVA_LONG, 0);
                if (Received.length(r) != Long.BYTES || got != i) {
                    throw new Failure("sent " + i + " through the queues, got " + got + " back");
                }
            });
        }
    }

    private static String text(Message m) {
        return new String(m.bytes(), StandardCharsets.UTF_8);
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(1, width - s.length()));
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    /** The main class of the producer. */
    public static final class Producer {
        private Producer() {
        }

        public static void main(String[] args) throws Exception {
            DemoRun.work(args, (segment, index, rest) -> {
                MessageQueue data = MessageQueue.open(rest[0]);
                MessageQueue back = MessageQueue.open(rest[1]);
                long delayMillis = Long.parseLong(rest[2]);
                long echoes = Long.parseLong(rest[3]);
                return () -> {
                    try (data; back; Arena arena = Arena.ofConfined()) {
                        for (Planned p : PLAN) {
                            data.send(p.text().getBytes(StandardCharsets.UTF_8), p.priority());
                        }
                        back.receive();
                        Thread.sleep(delayMillis);
                        data.send(("sent " + delayMillis + " ms after the consumer asked")
                                .getBytes(StandardCharsets.US_ASCII), 0);
                        MemorySegment message = arena.allocate(back.maxMessageSize());
                        for (long i = 0; i < echoes; i++) {
                            long r = back.receive(message);
                            data.send(message.asSlice(0, Received.length(r)), 0);
                        }
                    }
                };
            });
        }
    }
}
