package io.jipc.cli.demo;

import io.jipc.cli.Report;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The options of the demos that time a round trip: how many, after how many to warm up. */
final class RoundTripOptions {
    static final long MAX_ROUND_TRIPS = 10_000_000;

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--round-trips", paramLabel = "N", defaultValue = "5_000",
            converter = CounterOptions.CountConverter.class,
            description = "round trips timed (default: ${DEFAULT-VALUE})")
    private long roundTrips;

    @Option(names = "--warm-up", paramLabel = "N", defaultValue = "5_000",
            converter = CounterOptions.CountConverter.class,
            description = "round trips before the timed ones, while the JIT compiles (default: ${DEFAULT-VALUE})")
    private long warmUp;

    /** {@return the round trips to time, checked} */
    int roundTrips() {
        return (int) check("--round-trips", roundTrips, 1);
    }

    /** {@return the untimed round trips before them, checked} */
    int warmUp() {
        return (int) check("--warm-up", warmUp, 0);
    }

    private long check(String option, long value, long least) {
        if (value < least || value > MAX_ROUND_TRIPS) {
            throw new ParameterException(spec.commandLine(), option + " must be between " + least + " and "
                    + Report.grouped(MAX_ROUND_TRIPS) + ", not " + value);
        }
        return value;
    }
}
