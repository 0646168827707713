package io.jipc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU pinning of the calling thread with {@code sched_setaffinity(0, ...)}, a downcall of
 * the harness's own. The Java side pins its one benchmark thread, not the whole JVM:
 * pinning the JVM (taskset) would pin its JIT compiler and GC threads to the very CPU a
 * busy-spinning thread never yields, and the first seconds of every run would measure the
 * compiler's time slices (we saw 8 ms round trips). cbench pins its processes, which have
 * one thread each, so both sides pin exactly the thread that does the work.
 */
public final class Affinity {
    /** cpu_set_t: 1024 bits. */
    private static final int SET_BYTES = 128;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SET = LINKER.downcallHandle(
            LINKER.defaultLookup().find("sched_setaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle GET = LINKER.downcallHandle(
            LINKER.defaultLookup().find("sched_getaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));

    private Affinity() {
    }

    /** Pins the calling thread to {@code cpu}; does nothing for a negative cpu. */
    public static void pinCurrentThread(int cpu) {
        if (cpu < 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(SET_BYTES, 8);
            set.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            int r = (int) SET.invokeExact(0, (long) SET_BYTES, set);
            if (r != 0) {
                throw new IllegalStateException("sched_setaffinity(cpu " + cpu + ") failed");
            }
        } catch (Throwable t) {
            throw t instanceof RuntimeException re ? re : new IllegalStateException(t);
        }
    }

    /** {@return the CPUs this thread may run on, in ascending order} */
    public static List<Integer> allowedCpus() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(SET_BYTES, 8);
            int r = (int) GET.invokeExact(0, (long) SET_BYTES, set);
            if (r != 0) {
                throw new IllegalStateException("sched_getaffinity failed");
            }
            List<Integer> cpus = new ArrayList<>();
            for (int i = 0; i < SET_BYTES * 8; i++) {
                if ((set.get(ValueLayout.JAVA_BYTE, i / 8) & (1 << (i % 8))) != 0) {
                    cpus.add(i);
                }
            }
            return cpus;
        } catch (Throwable t) {
            throw t instanceof RuntimeException re ? re : new IllegalStateException(t);
        }
    }

    /**
     * {@return the driver's and the peer's CPU for a pinning mode: "same" -> both on the
     * first allowed CPU, "different" -> the first two, "none" -> -1, -1 (as cbench chooses)}
     */
    public static int[] choose(String pin) {
        List<Integer> cpus = allowedCpus();
        return switch (pin) {
            case "none" -> new int[] {-1, -1};
            case "same" -> new int[] {cpus.getFirst(), cpus.getFirst()};
            case "different" -> {
                if (cpus.size() < 2) {
                    throw new IllegalArgumentException("--pin different needs two CPUs; this process may use " + cpus);
                }
                yield new int[] {cpus.get(0), cpus.get(1)};
            }
            default -> throw new IllegalArgumentException("--pin is same, different or none, not " + pin);
        };
    }
}
