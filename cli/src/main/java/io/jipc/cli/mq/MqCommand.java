package io.jipc.cli.mq;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code jipc mq}: POSIX message queues from the shell, for which Linux has no standard
 * command. Queues made here are ordinary {@code mq_open} queues: any C program (or
 * {@code io.jipc.mq.MessageQueue}) that opens the same name uses the same queue.
 */
@Command(name = "mq",
        mixinStandardHelpOptions = true,
        description = {"POSIX message queues from the shell: create, send, recv, info, rm.",
            "NAME may be given with or without its leading '/'. Exit codes: 0 done, 1 failed, "
                    + "2 usage error, 3 nothing to receive or no room to send in the time given."},
        subcommands = {MqCreate.class, MqSend.class, MqReceive.class, MqInfo.class, MqRemove.class})
public final class MqCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "Missing a command: one of " + String.join(", ", spec.subcommands().keySet()));
    }
}
