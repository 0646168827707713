package io.jipc.cli.demo;

import io.jipc.cli.Report;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** The options of the counter demos: how many processes, how many increments each. */
final class CounterOptions {
    static final int MAX_PROCESSES = 64;
    static final long MAX_ITERATIONS = 10_000_000_000L;

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = {"-p", "--processes"}, paramLabel = "N", defaultValue = "2",
            description = "worker processes (default: ${DEFAULT-VALUE})")
    private int processes;

    @Option(names = {"-n", "--iterations"}, paramLabel = "M", defaultValue = "1_000_000",
            converter = CountConverter.class,
            description = "increments per process; _ and , may group digits (default: ${DEFAULT-VALUE})")
    private long iterations;

    /** {@return the number of processes, checked} */
    int processes() {
        if (processes < 1 || processes > MAX_PROCESSES) {
            throw new ParameterException(spec.commandLine(),
                    "--processes must be between 1 and " + MAX_PROCESSES + ", not " + processes);
        }
        return processes;
    }

    /** {@return the increments per process, checked} */
    long iterations() {
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new ParameterException(spec.commandLine(),
                    "--iterations must be between 1 and " + Report.grouped(MAX_ITERATIONS) + ", not " + iterations);
        }
        return iterations;
    }

    /** Reads 1000000, 1_000_000 or 1,000,000. */
    static final class CountConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Long.parseLong(value.replace("_", "").replace(",", ""));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a whole number");
            }
        }
    }
}
