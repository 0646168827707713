package io.jipc.cli.mq;

import io.jipc.IpcException;
import io.jipc.cli.Failure;
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

    /**
     * Opens an existing queue; a missing one is a one-line failure that says how to make it.
     *
     * @param name the queue's name, with its leading slash (from {@link #of})
     * @return the open queue
     * @throws IpcException if it cannot be opened for another reason
     */
    static MessageQueue open(String name) throws IpcException {
        try {
            return MessageQueue.open(name);
        } catch (IpcException e) {
            if (e.reason() == IpcException.Reason.DOES_NOT_EXIST) {
                throw new Failure("no queue " + name + "; create one with: jipc mq create " + name.substring(1));
            }
            throw e;
        }
    }
}
