package io.jipc.cli.mq;

import io.jipc.cli.DurationConverter;
import io.jipc.cli.Failure;
import io.jipc.mq.Message;
import io.jipc.mq.MessageQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code jipc mq recv NAME}: takes the next message and prints it. */
@Command(name = "recv",
        mixinStandardHelpOptions = true,
        description = {"Takes the next message (the oldest of the highest priority) and prints it as UTF-8 "
                + "text, with a newline after it unless it ends with one.",
            "Waits while the queue is empty, unless --nonblock or --timeout; exit code 3 if nothing arrived."})
final class MqReceive implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "the queue's name")
    private String name;

    @Option(names = {"-p", "--priority"},
            description = "print the message's priority and a tab before it")
    private boolean showPriority;

    @Mixin
    private WaitOptions wait;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String queue = QueueName.of(spec, name);
        Optional<Duration> timeout = wait.timeout();
        Message m;
        try (MessageQueue q = QueueName.open(queue)) {
            Optional<Message> got = timeout.isEmpty() ? Optional.of(q.receive())
                    : timeout.get().isZero() ? q.tryReceive() : q.receive(timeout.get());
            m = got.orElseThrow(() -> Failure.nothing(timeout.get().isZero() ? queue + " is empty"
                    : "no message on " + queue + " within " + DurationConverter.describe(timeout.get())));
        }
        PrintWriter out = spec.commandLine().getOut();
        String text = new String(m.bytes(), StandardCharsets.UTF_8);
        if (showPriority) {
            out.print(m.priority() + "\t");
        }
        out.print(text);
        if (!text.endsWith("\n")) {
            out.println();
        }
        out.flush();
        return 0;
    }
}
