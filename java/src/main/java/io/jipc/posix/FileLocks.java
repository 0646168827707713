package io.jipc.posix;

import io.jipc.IpcException;
import io.jipc.bindings.stat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * Open-file-description locks, {@code <fcntl.h>} ({@code F_OFD_SETLK}, {@code F_OFD_GETLK}),
 * the identity of an open file ({@code fstat}'s device and inode), and {@code open} for a lock file.
 *
 * <p>An OFD lock belongs to the open file description, not to the process: it is released
 * when the last descriptor of that description closes, which the kernel does for a process
 * that dies however it dies (SIGKILL included), and it is <em>not</em> released when the same
 * process closes some other descriptor of the same file (a classic {@code F_SETLK} lock is).
 * So a lock taken on an object's descriptor marks "a holder of this description lives" with
 * no pid to recycle and no pid namespace to share. It works on any inode, message queues
 * included, and needs no file system mounted where users can see it.
 *
 * <p>Each call returns its result or {@code -errno}.
 */
public final class FileLocks {
    private FileLocks() {
    }

    // Linux's values, on every architecture jipc runs on (NativeLibrary.checkPlatform); not in the bindings.
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final short F_RDLCK = 0;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final short SEEK_SET = 0;
    /** struct flock on x86-64: l_type (short), l_whence (short), l_start, l_len (off_t), l_pid (int). */
    private static final long FLOCK_SIZE = 32;
    private static final long L_TYPE = 0;
    private static final long L_WHENCE = 2;

    private static final class Handles {
        /** fcntl(2) with a struct flock pointer as its variadic third argument. */
        static final MethodHandle FCNTL = Downcall.linkVariadic("fcntl", 2,
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER));
        static final MethodHandle FSTAT = Downcall.link("fstat", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
        /** open(2), variadic in its mode. */
        static final MethodHandle OPEN = Downcall.linkVariadic("open", 2,
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT));
    }

    /** {@code O_NOFOLLOW}: Linux's value; not in the bindings. */
    public static final int O_NOFOLLOW = 0400000;

    /**
     * open(2) of a plain file, for a lock file. {@return the descriptor, or -errno}
     */
    public static int open(String path, int flags, int mode) {
        MemorySegment c = Downcall.capture();
        try (Arena arena = Arena.ofConfined()) {
            return Downcall.result((int) Handles.OPEN.invokeExact(c, arena.allocateFrom(path), flags, mode), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /**
     * Takes an exclusive (write) lock on the whole of {@code fd}'s file without waiting; the
     * descriptor must be open for writing. {@return 0, or {@code -EAGAIN} if another open file
     * description holds a lock on it, or another {@code -errno}}
     */
    public static int tryLockExclusive(int fd) {
        return lock(fd, F_OFD_SETLK, F_WRLCK)[0];
    }

    /**
     * Releases a lock this descriptor's description holds (closing its last descriptor does it too).
     * {@return 0 or -errno}
     */
    public static int unlock(int fd) {
        return lock(fd, F_OFD_SETLK, F_UNLCK)[0];
    }

    /**
     * {@return 1 if another open file description holds a lock on {@code fd}'s file, 0 if none
     * does, or -errno} Takes nothing: nobody else's attempt can fail because of this question.
     */
    public static int lockedByOther(int fd) {
        int[] r = lock(fd, F_OFD_GETLK, F_RDLCK);
        return r[0] < 0 ? r[0] : r[1] == F_UNLCK ? 0 : 1;
    }

    /** {@return {result, l_type afterwards}} */
    private static int[] lock(int fd, int cmd, short type) {
        MemorySegment c = Downcall.capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fl = arena.allocate(FLOCK_SIZE, 8);  // zeroed: l_start 0, l_len 0 = the whole file
            fl.set(ValueLayout.JAVA_SHORT, L_TYPE, type);
            fl.set(ValueLayout.JAVA_SHORT, L_WHENCE, SEEK_SET);
            int r = Downcall.result((int) Handles.FCNTL.invokeExact(c, fd, cmd, fl), c);
            return new int[] {r, fl.get(ValueLayout.JAVA_SHORT, L_TYPE)};
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** The file behind a descriptor: two descriptors with equal identities refer to one file. */
    public record FileIdentity(long device, long inode) {
    }

    /** {@return the file {@code fd} refers to} A failure is reported as fstat on {@code object}. */
    public static FileIdentity identity(int fd, String object) throws IpcException {
        MemorySegment c = Downcall.capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(stat.layout());
            Errno.check(Downcall.result((int) Handles.FSTAT.invokeExact(c, fd, st), c), "fstat", object);
            return new FileIdentity(stat.st_dev(st), stat.st_ino(st));
        } catch (IpcException e) {
            throw e;
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }
}
