package io.jipc.bench.jmh;

/**
 * TODO(lead, after io.jipc.ring lands): claim/commit/poll of a jipc ring in one JVM, the
 * zero-copy path the cross-process transports do not show. Sketch:
 * <ul>
 *   <li>{@code @State(Scope.Group)} holding one ring over a SharedMemory segment (create in
 *       {@code @Setup(Level.Trial)}, close and unlink in {@code @TearDown});</li>
 *   <li>{@code @Group("pingpong")} with a producer method (claim 64 bytes, write 8, commit)
 *       and a consumer method (poll one record), {@code @GroupThreads(1)} each;</li>
 *   <li>a single-threaded {@code claimCommitPoll} baseline, and the same with Agrona's
 *       OneToOneRingBuffer {@code tryClaim/commit/read} beside it;</li>
 *   <li>message sizes as {@code @Param({"8", "64", "1024", "4096"})}.</li>
 * </ul>
 * JMH needs no registration: annotate the class and it joins benchmarks.jar.
 */
final class RingCost {
    private RingCost() {
    }
}
