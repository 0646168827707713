package io.jipc.cli.mq;

import io.jipc.mq.MessageQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.util.concurrent.Callable;

/** {@code jipc mq create NAME}: makes a new queue; fails if the name exists. */
@Command(name = "create",
        mixinStandardHelpOptions = true,
        description = "Creates a queue; fails if one of that name exists.")
final class MqCreate implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "the queue's name")
    private String name;

    @Option(names = {"-m", "--max-messages"}, paramLabel = "N", defaultValue = "10",
            description = "messages it holds at most (default: ${DEFAULT-VALUE}; unprivileged users are limited "
                    + "by /proc/sys/fs/mqueue/msg_max)")
    private int maxMessages;

    @Option(names = {"-s", "--max-size"}, paramLabel = "BYTES", defaultValue = "8192",
            description = "bytes per message at most (default: ${DEFAULT-VALUE}; limit: "
                    + "/proc/sys/fs/mqueue/msgsize_max)")
    private int maxSize;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "0600", converter = OctalMode.class,
            description = "permissions, in octal (default: ${DEFAULT-VALUE}); read lets others receive, "
                    + "write lets them send")
    private int mode;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String queue = QueueName.of(spec, name);
        MessageQueue.Builder builder = MessageQueue.builder(queue).mode(mode);
        try {
            builder.maxMessages(maxMessages).maxMessageSize(maxSize);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try (MessageQueue q = builder.create()) {
            spec.commandLine().getOut().printf("created %s: %d messages of up to %d bytes, mode %04o%n",
                    q.name(), q.maxMessages(), q.maxMessageSize(), mode);
        }
        return 0;
    }

    /** Reads permission bits written in octal: 600, 0644. */
    static final class OctalMode implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                int mode = Integer.parseInt(value, 8);
                if (mode >= 0 && mode <= 0777) {
                    return mode;
                }
            } catch (NumberFormatException e) {
                // Reported below.
            }
            throw new TypeConversionException("'" + value + "' is not an octal mode from 0 to 0777, such as 0600");
        }
    }
}
