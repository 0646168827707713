package io.jipc.bench.jmh;

import io.jipc.sync.Mutex;
import io.jipc.sync.SpinLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * Uncontended lock + unlock of jipc's locks against the floor they are built on: one
 * compare-and-set with acquire semantics and one release store on a plain native segment
 * (the locks add the owner check, the holder field and, for Mutex, the owner's start time
 * and the waiters test). All three sit on their own cache lines of one shared-arena
 * segment, the kind of memory io.jipc.shm hands out.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class LockCost {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long RAW_OFFSET = 128;

    private Arena arena;
    private MemorySegment segment;
    private SpinLock spinLock;
    private Mutex mutex;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        segment = arena.allocate(4096, 64);
        spinLock = SpinLock.at(segment, 0);
        mutex = Mutex.at(segment, 64);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void spinLock() {
        spinLock.lock();
        spinLock.unlock();
    }

    @Benchmark
    public void mutex() {
        mutex.lock();
        mutex.unlock();
    }

    @Benchmark
    public boolean casRelease() {
        boolean won = INT.compareAndSet(segment, RAW_OFFSET, 0, 1);
        INT.setRelease(segment, RAW_OFFSET, 0);
        return won;
    }
}
