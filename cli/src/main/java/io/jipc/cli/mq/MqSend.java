package io.jipc.cli.mq;

import io.jipc.cli.DurationConverter;
import io.jipc.cli.Failure;
import io.jipc.mq.MessageQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code jipc mq send NAME [MESSAGE]}: one message, from the argument or standard input. */
@Command(name = "send",
        mixinStandardHelpOptions = true,
        description = {"Sends one message: MESSAGE as UTF-8 bytes (no newline added), or, without it, "
                + "all of standard input, byte for byte.",
            "Waits while the queue is full, unless --nonblock or --timeout; exit code 3 if it stayed full."})
final class MqSend implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "the queue's name")
    private String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "MESSAGE",
            description = "the message; without it, standard input is read to its end")
    private String message;

    @Option(names = {"-p", "--priority"}, paramLabel = "P", defaultValue = "0",
            description = "0 (default) to 32767: higher priorities are received first")
    private int priority;

    @Mixin
    private WaitOptions wait;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String queue = QueueName.of(spec, name);
        Optional<Duration> timeout = wait.timeout();
        if (priority < 0 || priority > MessageQueue.maxPriority()) {
            throw new ParameterException(spec.commandLine(), "--priority must be between 0 and "
                    + MessageQueue.maxPriority() + ", not " + priority);
        }
        try (MessageQueue q = QueueName.open(queue)) {
            byte[] bytes = message != null ? message.getBytes(StandardCharsets.UTF_8) : readInput(q.maxMessageSize());
            if (bytes.length > q.maxMessageSize()) {
                throw new Failure("the message (" + (message != null ? bytes.length + " bytes" : "standard input")
                        + ") is longer than " + queue + "'s largest, " + q.maxMessageSize() + " bytes");
            }
            if (timeout.isEmpty()) {
                q.send(bytes, priority);
            } else if (timeout.get().isZero() ? !q.trySend(bytes, priority) : !q.send(bytes, priority, timeout.get())) {
                throw Failure.nothing(queue + (timeout.get().isZero() ? " is full" : " stayed full for "
                        + DurationConverter.describe(timeout.get())) + " (" + q.maxMessages() + " messages)");
            }
        }
        return 0;
    }

    /** At most one byte more than fits: enough to tell that it does not. */
    private static byte[] readInput(int maxMessageSize) throws java.io.IOException {
        InputStream in = System.in;
        return in.readNBytes(maxMessageSize + 1);
    }
}
