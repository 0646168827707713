package io.jipc.cli.mq;

import io.jipc.cli.Failure;
import io.jipc.mq.MessageQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jipc mq rm NAME...}: removes queue names. */
@Command(name = "rm",
        mixinStandardHelpOptions = true,
        description = "Removes queues (mq_unlink). Processes that have one open keep using it until they close it; "
                + "its messages go with the last of them.")
final class MqRemove implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "NAME", description = "the queues' names")
    private List<String> names;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> queues = names.stream().map(n -> QueueName.of(spec, n)).toList();
        List<String> missing = new ArrayList<>();
        for (String q : queues) {
            if (!MessageQueue.unlink(q)) {
                missing.add(q);
            }
        }
        if (!missing.isEmpty()) {
            throw new Failure("no such queue: " + String.join(", ", missing));
        }
        return 0;
    }
}
