package io.jipc.pipe;

import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Rough measurement, not a test: the blocking round trip of an 8-byte message through two
 * pipes between this JVM and a child JVM that echoes it ({@link PipeChildren} "echo").
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp java/target/test-classes:java/target/classes \
 *      io.jipc.pipe.PipePingPong [iterations] [warm-up]
 * </pre>
 */
public final class PipePingPong {
    private PipePingPong() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        long[] nanos = new long[iterations];
        try (Pipe ping = Pipe.open(); Pipe pong = Pipe.open(); Arena arena = Arena.ofConfined();
             ChildProcess child = Spawn.java(PipeChildren.class, "echo", "3", "4",
                             Integer.toString(warmUp + iterations))
                     .mapDescriptor(3, ping.readEnd().fd()).mapDescriptor(4, pong.writeEnd().fd()).start()) {
            ping.readEnd().close();
            pong.writeEnd().close();
            MemorySegment msg = arena.allocate(8);
            MemorySegment back = arena.allocate(8);
            for (int i = 0; i < warmUp + iterations; i++) {
                msg.set(ValueLayout.JAVA_LONG, 0, i);
                long t0 = System.nanoTime();
                ping.writeEnd().write(msg);
                PipeChildren.readFully(pong.readEnd(), back);
                long t1 = System.nanoTime();
                if (back.get(ValueLayout.JAVA_LONG, 0) != i) {
                    throw new AssertionError("echo of " + i + " came back as " + back.get(ValueLayout.JAVA_LONG, 0));
                }
                if (i >= warmUp) {
                    nanos[i - warmUp] = t1 - t0;
                }
            }
            if (!child.waitFor().success()) {
                throw new AssertionError("echo child failed");
            }
        }
        Arrays.sort(nanos);
        double mean = Arrays.stream(nanos).average().orElse(0);
        System.out.printf("pipe ping-pong, 8 bytes, %d round trips after %d warm-up:%n", iterations, warmUp);
        System.out.printf("  min %.1f us, median %.1f us, mean %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us%n",
                nanos[0] / 1e3, nanos[iterations / 2] / 1e3, mean / 1e3, nanos[iterations * 9 / 10] / 1e3,
                nanos[iterations * 99 / 100] / 1e3, nanos[iterations - 1] / 1e3);
    }
}
