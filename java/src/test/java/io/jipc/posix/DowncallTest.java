package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layer writes each descriptor by hand (so that linking does not also link jextract's
 * unused handle); the generated bindings stay the reference it must match.
 */
class DowncallTest {
    /** Every class of the layer that links handles in nested holders. */
    private static final List<Class<?>> LINKING = List.of(Fds.class, Mman.class, Mqueue.class, Semaphores.class,
            Poll.class, Futex.class, Procs.class, Clocks.class, Sysctl.class, EventFd.class, Epoll.class,
            Membarrier.class, UnixSockets.class);
    /** Linked by hand: glibc declares their address parameter as a transparent union jextract cannot bind. */
    private static final Set<String> NOT_IN_BINDINGS = Set.of("bind", "connect", "accept4");

    @Test
    void everyFixedArityDescriptorIsTheGeneratedOne() throws Exception {
        for (Class<?> c : LINKING) {
            for (Class<?> holder : c.getDeclaredClasses()) {
                Class.forName(holder.getName(), true, holder.getClassLoader());
            }
        }
        Map<String, FunctionDescriptor> linked = Downcall.linked();
        assertTrue(linked.size() >= 25, "the holders linked only " + linked.keySet());
        assertTrue(linked.keySet().containsAll(NOT_IN_BINDINGS), linked.keySet().toString());
        for (Map.Entry<String, FunctionDescriptor> e : linked.entrySet()) {
            if (NOT_IN_BINDINGS.contains(e.getKey())) {
                assertThrows(NoSuchMethodException.class, () -> jipc_bindings_h.class.getMethod(e.getKey() + "$descriptor"),
                        e.getKey() + " is in the bindings now: take its descriptor from there");
                continue;
            }
            Method generated = jipc_bindings_h.class.getMethod(e.getKey() + "$descriptor");
            assertEquals(generated.invoke(null), e.getValue(), e.getKey());
        }
    }

    @Test
    void aFailedCallReturnsMinusErrnoAndTheExceptionNamesIt() {
        assertEquals(-Errno.EBADF, Fds.close(-1));
        var e = Errno.exception("close", "fd -1", Errno.EBADF);
        assertEquals("EBADF", e.errnoName());
        assertEquals(Errno.EBADF, e.errno());
        assertEquals("close(\"fd -1\"): Bad file descriptor (EBADF)", e.getMessage());
        assertEquals(io.jipc.IpcException.Reason.INVALID_ARGUMENT, e.reason());
    }
}
