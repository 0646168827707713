package io.jipc.cli.mq;

import io.jipc.cli.Report;
import io.jipc.cli.objects.MqueueMount;
import io.jipc.cli.objects.Owners;
import io.jipc.mq.MessageQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code jipc mq info NAME}: what mq_getattr and the mqueue file system say about a queue. */
@Command(name = "info",
        mixinStandardHelpOptions = true,
        description = "Shows a queue's limits, the messages waiting, and (where /dev/mqueue is mounted) its "
                + "mode, owner and the bytes queued.")
final class MqInfo implements Callable<Integer> {
    private static final Pattern QSIZE = Pattern.compile("QSIZE:(\\d+)");

    @Parameters(index = "0", paramLabel = "NAME", description = "the queue's name")
    private String name;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String queue = QueueName.of(spec, name);
        MessageQueue.Attributes a;
        try (MessageQueue q = MessageQueue.open(queue)) {
            a = q.attributes();
        }
        PrintWriter out = spec.commandLine().getOut();
        Report report = new Report()
                .text("name", queue)
                .count("messages", a.currentMessages(), "waiting, of at most " + a.maxMessages())
                .count("max size", a.maxMessageSize(), "bytes per message");
        Optional<Path> mount = MqueueMount.find();
        if (mount.isPresent()) {
            Path file = mount.get().resolve(queue.substring(1));
            try {
                Matcher m = QSIZE.matcher(Files.readString(file));
                if (m.find()) {
                    report.count("bytes queued", Long.parseLong(m.group(1)), "in the waiting messages");
                }
                report.text("mode", Owners.mode(file)).text("owner", Owners.owner(file));
            } catch (IOException e) {
                // Removed since it was opened: the kernel's answer above stands on its own.
            }
            report.printTable(out);
        } else {
            report.printTable(out);
            out.println(MqueueMount.notMounted());
        }
        return 0;
    }
}
