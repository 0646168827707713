package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * Shared memory objects and mappings: {@code <sys/mman.h>} (shm_open, shm_unlink, mmap,
 * munmap), anonymous memory files (memfd_create) and their seals ({@code F_ADD_SEALS}).
 * Each call returns its result or {@code -errno}.
 */
public final class Mman {
    private Mman() {
    }

    public static final int MFD_CLOEXEC = jipc_bindings_h.MFD_CLOEXEC();
    public static final int MFD_ALLOW_SEALING = jipc_bindings_h.MFD_ALLOW_SEALING();
    /** No further seal may be added. */
    public static final int F_SEAL_SEAL = jipc_bindings_h.F_SEAL_SEAL();
    /** The file may not shrink (so a mapping of it cannot lose pages under a reader: no SIGBUS). */
    public static final int F_SEAL_SHRINK = jipc_bindings_h.F_SEAL_SHRINK();
    public static final int F_SEAL_GROW = jipc_bindings_h.F_SEAL_GROW();
    /** No write, and no writable shared mapping (fails while one exists). */
    public static final int F_SEAL_WRITE = jipc_bindings_h.F_SEAL_WRITE();
    private static final int F_ADD_SEALS = jipc_bindings_h.F_ADD_SEALS();
    private static final int F_GET_SEALS = jipc_bindings_h.F_GET_SEALS();

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

    private static final class Memfd {
        static final MethodHandle MEMFD_CREATE = Downcall.link("memfd_create",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    }

    /**
     * memfd_create: an anonymous file in memory, with no name in any file system, that
     * lives as long as a descriptor or a mapping refers to it. {@code name} only labels it
     * in {@code /proc/self/fd} (at most 249 bytes). {@code flags}: {@link #MFD_CLOEXEC},
     * {@link #MFD_ALLOW_SEALING}. {@return the descriptor, or -errno}
     */
    public static int memfdCreate(String name, int flags) {
        MemorySegment c = Downcall.capture();
        try (Arena arena = Arena.ofConfined()) {
            return Downcall.result((int) Memfd.MEMFD_CREATE.invokeExact(c, arena.allocateFrom(name), flags), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /**
     * Adds {@code seals} ({@code F_SEAL_*}) to a memfd created with
     * {@link #MFD_ALLOW_SEALING}. {@return 0, or -errno: -EPERM once {@link #F_SEAL_SEAL} is
     * set or for a file without sealing, -EBUSY for {@link #F_SEAL_WRITE} while a writable
     * shared mapping exists}
     */
    public static int addSeals(int fd, int seals) {
        return Fds.fcntl(fd, F_ADD_SEALS, seals);
    }

    /** {@return the seals of {@code fd} ({@code F_SEAL_*} bits), or -errno (-EINVAL: not a memfd)} */
    public static int seals(int fd) {
        return Fds.fcntl(fd, F_GET_SEALS, 0);
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
