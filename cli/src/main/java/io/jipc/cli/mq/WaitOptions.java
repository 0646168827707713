package io.jipc.cli.mq;

import io.jipc.cli.DurationConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.Optional;

/** How long a send may wait for room, or a receive for a message: forever, not at all, or a time-out. */
final class WaitOptions {
    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = {"-t", "--timeout"}, paramLabel = "TIME", converter = DurationConverter.class,
            description = "wait at most TIME (500ms, 2s, 1.5s, 1m; a bare number is seconds)")
    private Duration timeout;

    @Option(names = {"-n", "--nonblock"}, description = "do not wait at all")
    private boolean nonBlocking;

    /**
     * {@return the time-out: empty to wait as long as it takes, zero not to wait}
     *
     * @throws ParameterException if both options are given, or the time-out is negative
     */
    Optional<Duration> timeout() {
        if (nonBlocking && timeout != null) {
            throw new ParameterException(spec.commandLine(), "--timeout and --nonblock exclude each other");
        }
        if (nonBlocking) {
            return Optional.of(Duration.ZERO);
        }
        return Optional.ofNullable(timeout);
    }
}
