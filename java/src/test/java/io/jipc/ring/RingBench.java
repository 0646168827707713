package io.jipc.ring;

import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.shm.SharedMemory;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;

/**
 * Measures, never asserts: ring round trips and one-way throughput between two processes,
 * Java and C on either side. Not a unit test (the machine's noise would make any bound
 * meaningless). After {@code mvn verify}, from the repository root:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Djipc.ring.peer=java/target/native-test/ring_peer \
 *   -cp java/target/classes:java/target/test-classes \
 *   io.jipc.ring.RingBench [round-trips] [messages]
 * </pre>
 * Round trips: 8-byte messages through two SPSC rings, a ping here and a pong in the other
 * process, waiting either by busy polling ({@code spin}) or with the rings' own
 * spin-then-sleep ({@code sleep}: {@code put} and blocking {@code read}). Statistics cover
 * the second half of the run (the first half warms up the JIT and the caches).
 * Throughput: 64-byte messages one way through one SPSC ring, counted by the consumer from
 * its first message to its last; then through one MPSC ring from one and from two C
 * producer processes (each sending its share) into Java, which shows the cost of the MPSC
 * reservation.
 */
public final class RingBench {
    private static final int CAPACITY = 1 << 16;
    private static final long REGION = RingDescriptor.regionLength(CAPACITY);

    private RingBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        long messages = args.length > 1 ? Long.parseLong(args[1]) : 5_000_000;
        String shmName = "/jipc-ring-bench-" + ProcessHandle.current().pid();
        try (SharedMemory shm = SharedMemory.create(shmName, 2 * REGION)) {
            System.out.println("round trip, 8-byte messages, " + rounds / 2 + " measured");
            for (String pong : new String[] {"java", "c"}) {
                for (String mode : new String[] {"spin", "sleep"}) {
                    System.out.printf("  java ping <-> %-4s pong, %-5s  %s%n", pong, mode, roundTrips(shm, pong, mode, rounds));
                }
            }
            for (String mode : new String[] {"spin", "sleep"}) {
                System.out.printf("  c    ping <-> c    pong, %-5s  %s%n", mode, cRoundTrips(shm, mode, rounds));
            }
            System.out.println("one way, 64-byte messages, " + messages);
            for (String source : new String[] {"java", "c"}) {
                System.out.printf("  %-4s -> java  %,12.0f msgs/s%n", source, intoJava(shm, source, messages));
            }
            System.out.printf("  java -> c     %s%n", intoC(shm, messages, false));
            System.out.printf("  c    -> c     %s%n", intoC(shm, messages, true));
            System.out.println("one way, 64-byte messages through an MPSC ring, " + messages);
            for (int producers = 1; producers <= 2; producers++) {
                System.out.printf("  %d c  -> java  %,12.0f msgs/s%n", producers, mpscIntoJava(shm, producers, messages));
            }
        } finally {
            SharedMemory.unlink(shmName);
        }
    }

    private static String peer() {
        return RingNativeTest.peer();
    }

    private static String roundTrips(SharedMemory shm, String pong, String mode, int rounds) throws Exception {
        Ring ping = SpscRing.create(shm.segment().asSlice(0, REGION), CAPACITY);
        Ring back = SpscRing.create(shm.segment().asSlice(REGION, REGION), CAPACITY);
        Spawn spawn = pong.equals("java")
                ? Spawn.java(RingChildren.class, "pong", shm.name(), "0", Long.toString(REGION), Integer.toString(rounds), mode, "0")
                : Spawn.command(peer(), "pong", shm.name(), "0", Long.toString(REGION), Integer.toString(rounds), mode);
        long[] rtt = new long[rounds];
        MemorySegment message = MemorySegment.ofArray(new long[1]);
        RecordHandler ignore = (type, m) -> { };
        boolean spin = mode.equals("spin");
        try (ChildProcess child = spawn.start()) {
            for (int i = 0; i < rounds; i++) {
                long t0 = System.nanoTime();
                if (spin) {
                    while (!ping.offer(message)) {
                        Thread.onSpinWait();
                    }
                    while (back.poll(ignore, 1) == 0) {
                        Thread.onSpinWait();
                    }
                } else {
                    ping.put(message);
                    back.read(ignore, 1);
                }
                rtt[i] = System.nanoTime() - t0;
            }
            child.waitFor(Duration.ofSeconds(60));
        }
        return stats(Arrays.copyOfRange(rtt, rounds / 2, rounds));
    }

    private static String cRoundTrips(SharedMemory shm, String mode, int rounds) throws Exception {
        SpscRing.create(shm.segment().asSlice(0, REGION), CAPACITY);
        SpscRing.create(shm.segment().asSlice(REGION, REGION), CAPACITY);
        try (ChildProcess pong = Spawn.command(peer(), "pong", shm.name(), "0", Long.toString(REGION),
                Integer.toString(rounds), mode).start();
             Piped ping = Piped.start(Spawn.command(peer(), "ping", shm.name(), "0", Long.toString(REGION),
                     Integer.toString(rounds), "8", mode))) {
            Piped.Result r = ping.finish(Duration.ofSeconds(120));
            return "mean " + r.value("mean") + " ns, p50 " + r.value("p50") + " ns, p99 " + r.value("p99") + " ns";
        }
    }

    private static String stats(long[] samples) {
        long[] s = samples.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0);
        return String.format("mean %.0f ns, p50 %d ns, p99 %d ns", mean, s[s.length / 2], s[s.length * 99 / 100]);
    }

    private static double intoJava(SharedMemory shm, String source, long messages) throws Exception {
        Ring ring = SpscRing.create(shm.segment().asSlice(0, REGION), CAPACITY);
        Spawn spawn = source.equals("java")
                ? Spawn.java(RingChildren.class, "source", shm.name(), "0", Long.toString(messages), "64")
                : Spawn.command(peer(), "source", shm.name(), "0", Long.toString(messages), "64");
        long[] received = {0};
        RecordHandler count = (type, m) -> received[0]++;
        try (ChildProcess child = spawn.start()) {
            ring.read(count, Integer.MAX_VALUE);
            long t0 = System.nanoTime();
            long first = received[0];
            while (received[0] < messages) {
                ring.read(count, Integer.MAX_VALUE);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            child.waitFor(Duration.ofSeconds(60));
            return (messages - first) / seconds;
        }
    }

    private static double mpscIntoJava(SharedMemory shm, int producers, long messages) throws Exception {
        Ring ring = MpscRing.create(shm.segment().asSlice(0, REGION), CAPACITY);
        long each = messages / producers;
        ChildProcess[] sources = new ChildProcess[producers];
        long[] received = {0};
        RecordHandler count = (type, m) -> received[0]++;
        try {
            for (int i = 0; i < producers; i++) {
                sources[i] = Spawn.command(peer(), "source", shm.name(), "0", Long.toString(each), "64", "mpsc").start();
            }
            ring.read(count, Integer.MAX_VALUE);
            long t0 = System.nanoTime();
            long first = received[0];
            while (received[0] < each * producers) {
                ring.read(count, Integer.MAX_VALUE);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return (each * producers - first) / seconds;
        } finally {
            for (ChildProcess source : sources) {
                if (source != null) {
                    source.waitFor(Duration.ofSeconds(60));
                    source.close();
                }
            }
        }
    }

    private static String intoC(SharedMemory shm, long messages, boolean cSource) throws Exception {
        Ring ring = SpscRing.create(shm.segment().asSlice(0, REGION), CAPACITY);
        try (Piped sink = Piped.start(Spawn.command(peer(), "sink", shm.name(), "0", Long.toString(messages)))) {
            if (cSource) {
                try (ChildProcess source = Spawn.command(peer(), "source", shm.name(), "0", Long.toString(messages),
                        "64").start()) {
                    source.waitFor(Duration.ofSeconds(120));
                }
            } else {
                MemorySegment message = MemorySegment.ofArray(new byte[64]);
                for (long i = 0; i < messages; i++) {
                    ring.put(message);
                }
            }
            return String.format("%,12.0f msgs/s", Double.parseDouble(sink.finish(Duration.ofSeconds(120)).value("msgs_per_s")));
        }
    }
}
