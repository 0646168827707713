package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * Shared memory objects and mappings: {@code <sys/mman.h>} (shm_open, shm_unlink, mmap,
 * munmap). Each call returns its result or {@code -errno}.
 */
public final class Mman {
    private Mman() {
    }

    private static final class Shm {
        static final MethodHandle SHM_OPEN = Downcall.link("shm_open",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT));
        static final MethodHandle SHM_UNLINK = Downcall.link("shm_unlink", FunctionDescriptor.of(C_INT, C_POINTER));
    }

    private static final class Mapping {
        static final MethodHandle MMAP = Downcall.link("mmap",
                FunctionDescriptor.of(C_POINTER, C_POINTER, C_LONG, C_INT, C_INT, C_INT, C_LONG));
        static final MethodHandle MUNMAP = Downcall.link("munmap", FunctionDescriptor.of(C_INT, C_POINTER, C_LONG));
        static final int PROT_READ_WRITE = jipc_bindings_h.PROT_READ() | jipc_bindings_h.PROT_WRITE();
        static final MemorySegment MAP_FAILED = jipc_bindings_h.MAP_FAILED();
    }

    /** {@return a descriptor for the object {@code name} (a C string), or -errno} */
    public static int shmOpen(MemorySegment name, int flags, int mode) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Shm.SHM_OPEN.invokeExact(c, name, flags, mode), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    public static int shmUnlink(MemorySegment name) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Shm.SHM_UNLINK.invokeExact(c, name), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** Maps {@code length} bytes of {@code fd} shared, read-write. {@return the address, or -errno} */
    public static long mmapShared(int fd, long length) {
        MemorySegment c = Downcall.capture();
        try {
            MemorySegment p = (MemorySegment) Mapping.MMAP.invokeExact(c, MemorySegment.NULL, length,
                    Mapping.PROT_READ_WRITE, jipc_bindings_h.MAP_SHARED(), fd, 0L);
            return Downcall.pointerResult(p, Mapping.MAP_FAILED, c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    public static int munmap(long address, long length) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Mapping.MUNMAP.invokeExact(c, MemorySegment.ofAddress(address), length), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }
}
