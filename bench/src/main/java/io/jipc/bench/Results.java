package io.jipc.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The side-run results of one harness run, indexed by implementation, transport, metric and
 * size: one {@link Result} per round. Medians over rounds are what tables show; the ranges
 * are their error bars.
 */
final class Results {
    private final Map<String, List<Result>> byKey = new LinkedHashMap<>();

    Results(List<Result> results) {
        for (Result r : results) {
            if (r.string("transport") != null && r.string("impl") != null) {
                byKey.computeIfAbsent(key(r.string("impl"), r.string("transport"), r.string("metric"),
                        (int) r.number("size")), k -> new ArrayList<>()).add(r);
            }
        }
    }

    static String key(String impl, String transport, String metric, int size) {
        return impl + "|" + transport + "|" + metric + "|" + size;
    }

    boolean has(String impl, String transport, String metric, int size) {
        return byKey.containsKey(key(impl, transport, metric, size));
    }

    /** {@return the rounds of one side at one size, in the order they ran} */
    List<Result> rounds(String impl, String transport, String metric, int size) {
        return byKey.getOrDefault(key(impl, transport, metric, size), List.of());
    }

    Iterable<String> keys() {
        return byKey.keySet();
    }

    /** {@return {@code f} of every round, NaNs left out, sorted} */
    double[] values(String impl, String transport, String metric, int size, ToDoubleFunction<Result> f) {
        return rounds(impl, transport, metric, size).stream().mapToDouble(f).filter(v -> !Double.isNaN(v)).sorted()
                .toArray();
    }

    double[] values(String impl, String transport, String metric, int size, String field) {
        return values(impl, transport, metric, size, r -> r.number(field));
    }

    /** {@return the median over rounds of {@code field}, NaN if there is no such result} */
    double median(String impl, String transport, String metric, int size, String field) {
        return median(values(impl, transport, metric, size, field));
    }

    /**
     * {@return the best round's {@code field}: the lowest for latencies ({@code lowerIsBetter}),
     * the highest otherwise; NaN if there is no such result} On a shared machine the best
     * round is the one least disturbed by others.
     */
    double best(String impl, String transport, String metric, int size, String field, boolean lowerIsBetter) {
        double[] v = values(impl, transport, metric, size, field);
        return v.length == 0 ? Double.NaN : lowerIsBetter ? v[0] : v[v.length - 1];
    }

    /** {@return the fewest samples (measured messages) of any round, 0 if there is none} */
    long fewestSamples(String impl, String transport, String metric, int size) {
        double[] n = values(impl, transport, metric, size, "count");
        return n.length == 0 ? 0 : (long) n[0];
    }

    /**
     * {@return the spread of {@code field} over rounds: (largest − smallest) / median, NaN with
     * fewer than two rounds}
     */
    double spread(String impl, String transport, String metric, int size, String field) {
        double[] v = values(impl, transport, metric, size, field);
        return v.length < 2 ? Double.NaN : (v[v.length - 1] - v[0]) / median(v);
    }

    static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
