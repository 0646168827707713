package io.jipc.bench.jmh;

import io.jipc.bindings.jipc_bindings_h;
import io.jipc.posix.Fds;
import io.jipc.posix.Procs;
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

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What each layer of a jipc call costs, on calls that return at once:
 * <ul>
 *   <li>{@code …Posix}: io.jipc.posix, the errno-capturing relink every jipc call uses
 *       (thread-local capture buffer, -errno convention);</li>
 *   <li>{@code …Binding}: jextract's generated method, no errno capture;</li>
 *   <li>{@code …Downcall}: a plain {@code Linker.downcallHandle} of the same symbol;</li>
 *   <li>{@code …Critical}: the same with {@code Linker.Option.critical(false)} (no thread-state
 *       transition: only for calls that never block).</li>
 * </ul>
 * {@code kill(own pid, 0)}, {@code getpid()} (a real system call; glibc no longer caches it)
 * and {@code fcntl(fd, F_GETFD)} enter the kernel; {@code labs} does not, so its rows show
 * the bare cost of crossing from Java to C. cmicro (bench/native) times the same calls in C.
 * io.jipc.posix is internal to the library; the benchmarks reach it on the class path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class CallCost {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private static final MethodHandle KILL = LINKER.downcallHandle(jipc_bindings_h.kill$address(),
            jipc_bindings_h.kill$descriptor());
    private static final MethodHandle KILL_CRITICAL = LINKER.downcallHandle(jipc_bindings_h.kill$address(),
            jipc_bindings_h.kill$descriptor(), CRITICAL);
    private static final MethodHandle GETPID = LINKER.downcallHandle(jipc_bindings_h.getpid$address(),
            jipc_bindings_h.getpid$descriptor());
    private static final MethodHandle GETPID_CRITICAL = LINKER.downcallHandle(jipc_bindings_h.getpid$address(),
            jipc_bindings_h.getpid$descriptor(), CRITICAL);
    private static final FunctionDescriptor FCNTL_INT = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle FCNTL = LINKER.downcallHandle(jipc_bindings_h.fcntl.address(), FCNTL_INT,
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL_CRITICAL = LINKER.downcallHandle(jipc_bindings_h.fcntl.address(),
            FCNTL_INT, Linker.Option.firstVariadicArg(2), CRITICAL);
    private static final FunctionDescriptor LABS_D = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG);
    private static final MethodHandle LABS = LINKER.downcallHandle(
            LINKER.defaultLookup().find("labs").orElseThrow(), LABS_D);
    private static final MethodHandle LABS_CRITICAL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("labs").orElseThrow(), LABS_D, CRITICAL);

    private int pid;
    private int fd;
    private int otherFd;
    private long value;

    @Setup
    public void setUp() {
        pid = (int) ProcessHandle.current().pid();
        int[] fds = new int[2];
        if (Fds.pipe2(fds, Fds.O_CLOEXEC) != 0) {
            throw new IllegalStateException("pipe2 failed");
        }
        fd = fds[0];
        otherFd = fds[1];
        value = -pid;
    }

    @TearDown
    public void tearDown() {
        Fds.close(fd);
        Fds.close(otherFd);
    }

    @Benchmark
    public int killPosix() {
        return Procs.kill(pid, 0);
    }

    @Benchmark
    public int killBinding() {
        return jipc_bindings_h.kill(pid, 0);
    }

    @Benchmark
    public int killDowncall() throws Throwable {
        return (int) KILL.invokeExact(pid, 0);
    }

    @Benchmark
    public int killCritical() throws Throwable {
        return (int) KILL_CRITICAL.invokeExact(pid, 0);
    }

    @Benchmark
    public int getpidBinding() {
        return jipc_bindings_h.getpid();
    }

    @Benchmark
    public int getpidDowncall() throws Throwable {
        return (int) GETPID.invokeExact();
    }

    @Benchmark
    public int getpidCritical() throws Throwable {
        return (int) GETPID_CRITICAL.invokeExact();
    }

    @Benchmark
    public int fcntlPosix() {
        return Fds.fcntl(fd, Fds.F_GETFD, 0);
    }

    @Benchmark
    public int fcntlDowncall() throws Throwable {
        return (int) FCNTL.invokeExact(fd, Fds.F_GETFD, 0);
    }

    @Benchmark
    public int fcntlCritical() throws Throwable {
        return (int) FCNTL_CRITICAL.invokeExact(fd, Fds.F_GETFD, 0);
    }

    @Benchmark
    public long labsDowncall() throws Throwable {
        return (long) LABS.invokeExact(value);
    }

    @Benchmark
    public long labsCritical() throws Throwable {
        return (long) LABS_CRITICAL.invokeExact(value);
    }
}
