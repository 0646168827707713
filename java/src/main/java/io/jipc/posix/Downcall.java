package io.jipc.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that links a C function so that it reports {@code errno}.
 *
 * <p>jextract's own handles do not capture {@code errno}, and by the time Java code could
 * read it through {@code __errno_location} the JVM may have overwritten it. So every call
 * that can fail is linked here with {@code Linker.Option.captureCallState("errno")}. Wrappers return what a raw system
 * call returns: a non-negative result, or {@code -errno} ({@link #result}), so expected
 * outcomes such as {@code EAGAIN} cost neither an exception nor an allocation; {@link Errno}
 * turns the rest into {@code IpcException}.
 *
 * <p>Each wrapper class links its handles in a nested holder class, so a handle is linked
 * (which costs milliseconds) the first time one of its calls is made, not when jipc loads.
 */
final class Downcall {
    private Downcall() {
    }

    static {
        // Before any handle is linked: the bindings were generated for Linux on x86-64 only.
        NativeLibrary.checkPlatform();
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET =
            CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /** One capture buffer per thread: no allocation per call. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /** libc's symbols, and libjipc.so's once NativeLibrary has loaded it. */
    private static final SymbolLookup SYMBOLS = SymbolLookup.loaderLookup().or(LINKER.defaultLookup());
    /** What each fixed-arity symbol was linked with, for the test that compares it with the bindings. */
    private static final Map<String, FunctionDescriptor> LINKED = new ConcurrentHashMap<>();

    /**
     * {@return a handle for {@code symbol} whose first parameter is the errno capture buffer
     * ({@link #capture()})}
     *
     * <p>The descriptor is written at the call site rather than taken from the bindings'
     * {@code $descriptor()}: touching that links jextract's own handle too, which costs as
     * much as this one and is never used. {@code DowncallTest} checks every descriptor
     * linked here against the generated one.
     */
    static MethodHandle link(String symbol, FunctionDescriptor descriptor, Linker.Option... options) {
        LINKED.put(symbol, descriptor);
        return LINKER.downcallHandle(address(symbol), descriptor, withCapture(options));
    }

    /**
     * {@return a capturing handle for a variadic function, with the arguments from index
     * {@code firstVariadic} on passed as C's default promotions require}
     */
    static MethodHandle linkVariadic(String symbol, int firstVariadic, FunctionDescriptor descriptor,
                                     Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = Linker.Option.firstVariadicArg(firstVariadic);
        System.arraycopy(options, 0, all, 1, options.length);
        return LINKER.downcallHandle(address(symbol), descriptor, withCapture(all));
    }

    /** {@return a handle for a call that cannot fail, without errno capture} */
    static MethodHandle linkPlain(String symbol, FunctionDescriptor descriptor, Linker.Option... options) {
        LINKED.put(symbol, descriptor);
        return LINKER.downcallHandle(address(symbol), descriptor, options);
    }

    /** {@return the fixed-arity symbols linked so far, and their descriptors} */
    static Map<String, FunctionDescriptor> linked() {
        return Map.copyOf(LINKED);
    }

    private static MemorySegment address(String symbol) {
        return SYMBOLS.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }

    private static Linker.Option[] withCapture(Linker.Option[] options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE_ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        return all;
    }

    /** {@return this thread's errno capture buffer, the first argument of every linked handle} */
    static MemorySegment capture() {
        return CAPTURE.get();
    }

    /** {@return the errno the last call through {@code capture} left} */
    static int errno(MemorySegment capture) {
        return capture.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
    }

    /** {@return {@code r}, or {@code -errno} when the C function returned -1} */
    static int result(int r, MemorySegment capture) {
        return r == -1 ? -errno(capture) : r;
    }

    /** {@return {@code r}, or {@code -errno} when the C function returned -1} */
    static long result(long r, MemorySegment capture) {
        return r == -1 ? -errno(capture) : r;
    }

    /** {@return {@code p}'s address, or {@code -errno} when it is {@code failed} (MAP_FAILED, SEM_FAILED)} */
    static long pointerResult(MemorySegment p, MemorySegment failed, MemorySegment capture) {
        return p.address() == failed.address() ? -errno(capture) : p.address();
    }

    /**
     * Rethrows what {@code invokeExact} threw: a downcall declares {@code Throwable} but
     * throws only unchecked exceptions (a closed arena, a wrong segment).
     */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new AssertionError("unexpected checked exception from a downcall", t);
    }
}
