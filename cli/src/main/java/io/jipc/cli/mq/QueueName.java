package io.jipc.cli.mq;

import io.jipc.mq.MessageQueue;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Queue names as the shell user types them: "jobs" and "/jobs" are the same queue. */
final class QueueName {
    private QueueName() {
    }

    /**
     * {@return {@code raw} with its leading slash, checked}
     *
     * @throws ParameterException naming the rule a bad name breaks, before any system call
     */
    static String of(CommandSpec spec, String raw) {
        String name = raw.startsWith("/") ? raw : "/" + raw;
        try {
            MessageQueue.builder(name);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return name;
    }
}
