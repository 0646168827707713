package io.jipc.bench;

import picocli.CommandLine.Option;

import java.util.List;

/**
 * The plan's options as the Driver, the Peer and cbench read them ({@link Plan#toArgs()}
 * writes them): a picocli mixin, so the two JVMs parse them one way.
 */
final class PlanOptions {
    @Option(names = "--metrics", split = ",", defaultValue = "rtt,tput,idle")
    List<String> metrics;

    @Option(names = "--sizes", split = ",", defaultValue = "8,64,1024,4096")
    List<Integer> sizes;

    @Option(names = "--warmup-count", defaultValue = "50000")
    long warmupCount;

    @Option(names = "--warmup-ms", defaultValue = "500")
    long warmupMillis;

    @Option(names = "--count", defaultValue = "200000")
    long count;

    @Option(names = "--ms", defaultValue = "1000")
    long millis;

    Plan plan() {
        return new Plan(metrics, sizes, warmupCount, warmupMillis, count, millis);
    }
}
