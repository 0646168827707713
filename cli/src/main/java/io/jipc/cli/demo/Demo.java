package io.jipc.cli.demo;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jipc demo}: the classroom demonstrations, each its own class, registered here. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = "Demonstrations for courses, with real processes: shared memory, locks, pipes, queues, "
                + "channels.",
        // Every demo, in the order of the lecture. Add new ones here.
        subcommands = {RaceDemo.class, FlagDemo.class, MutexDemo.class, PipeDemo.class, MqDemo.class,
                BoundedBufferDemo.class, ChannelsDemo.class, RemoteDemo.class})
public final class Demo implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "Missing a demo: one of " + String.join(", ", spec.subcommands().keySet()));
    }
}
