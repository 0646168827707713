package io.jipc.cli.demo;

import io.jipc.cli.Report;

import java.util.Arrays;

/**
 * The times of many round trips of one small message to a child process and back, as
 * the pipe and queue demos measure them: the median is the figure to quote, since a
 * shared machine adds a long tail of scheduler delays to any mean.
 */
final class RoundTrips {
    /** One round trip: send {@code sequence}, wait for it to come back, check it. */
    @FunctionalInterface
    interface Exchange {
        void roundTrip(long sequence) throws Exception;
    }

    private final long[] sorted;
    private final int warmUp;

    private RoundTrips(long[] sorted, int warmUp) {
        this.sorted = sorted;
        this.warmUp = warmUp;
    }

    /** Runs {@code warmUp} untimed round trips, then {@code count} timed ones. */
    static RoundTrips measure(int warmUp, int count, Exchange exchange) throws Exception {
        for (int i = 0; i < warmUp; i++) {
            exchange.roundTrip(i);
        }
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            exchange.roundTrip(warmUp + i);
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return new RoundTrips(nanos, warmUp);
    }

    /** {@return the median round trip in nanoseconds} */
    long median() {
        return percentile(50);
    }

    /** {@return the round trip that {@code p} percent of them did not exceed, in nanoseconds} */
    long percentile(int p) {
        return sorted[Math.min(sorted.length - 1, (int) ((long) sorted.length * p / 100))];
    }

    /** {@return {@code report} with the rows of this measurement added} */
    Report addTo(Report report) {
        return report.count("round trips", sorted.length, "timed, after " + Report.grouped(warmUp) + " to warm up")
                .micros("median", median(), "")
                .micros("90th percentile", percentile(90), "")
                .micros("fastest", sorted[0], "");
    }
}
