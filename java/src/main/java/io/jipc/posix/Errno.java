package io.jipc.posix;

import io.jipc.IpcException.Reason;
import io.jipc.IpcException;
import io.jipc.bindings.jipc_bindings_h;

import java.lang.foreign.MemorySegment;

/**
 * errno values, and the one mapping from a failed call to {@link IpcException}.
 *
 * <p>Wrappers in this package return {@code -errno}; a caller that expects some values
 * (EAGAIN, EINTR, ETIMEDOUT) compares against these constants and hands the rest to
 * {@link #check} or {@link #exception}. The message reads like the C call,
 * {@code shm_open("/demo"): No such file or directory (ENOENT)}; the name and text come
 * from glibc ({@code strerrorname_np}, {@code strerrordesc_np}), the {@link Reason} from
 * the number.
 */
public final class Errno {
    private Errno() {
    }

    public static final int EPERM = jipc_bindings_h.EPERM();
    public static final int ENOENT = jipc_bindings_h.ENOENT();
    public static final int ESRCH = jipc_bindings_h.ESRCH();
    public static final int EINTR = jipc_bindings_h.EINTR();
    public static final int E2BIG = jipc_bindings_h.E2BIG();
    public static final int EBADF = jipc_bindings_h.EBADF();
    public static final int ECHILD = jipc_bindings_h.ECHILD();
    public static final int EAGAIN = jipc_bindings_h.EAGAIN();
    public static final int ENOMEM = jipc_bindings_h.ENOMEM();
    public static final int EACCES = jipc_bindings_h.EACCES();
    public static final int EBUSY = jipc_bindings_h.EBUSY();
    public static final int EEXIST = jipc_bindings_h.EEXIST();
    public static final int EINVAL = jipc_bindings_h.EINVAL();
    public static final int ENFILE = jipc_bindings_h.ENFILE();
    public static final int EMFILE = jipc_bindings_h.EMFILE();
    public static final int EFBIG = jipc_bindings_h.EFBIG();
    public static final int ENOSPC = jipc_bindings_h.ENOSPC();
    public static final int EPIPE = jipc_bindings_h.EPIPE();
    public static final int ENAMETOOLONG = jipc_bindings_h.ENAMETOOLONG();
    public static final int ENOSYS = jipc_bindings_h.ENOSYS();
    public static final int EOVERFLOW = jipc_bindings_h.EOVERFLOW();
    public static final int EMSGSIZE = jipc_bindings_h.EMSGSIZE();
    public static final int ENOTSUP = jipc_bindings_h.ENOTSUP();
    public static final int ECONNRESET = jipc_bindings_h.ECONNRESET();
    public static final int ENOTCONN = jipc_bindings_h.ENOTCONN();
    public static final int ETIMEDOUT = jipc_bindings_h.ETIMEDOUT();
    public static final int ECONNREFUSED = jipc_bindings_h.ECONNREFUSED();
    public static final int EUCLEAN = jipc_bindings_h.EUCLEAN();

    /** {@return {@code r} if it is not negative, else throws for errno {@code -r}} */
    public static int check(int r, String call, String object) throws IpcException {
        if (r < 0) {
            throw exception(call, object, -r);
        }
        return r;
    }

    /** {@return {@code r} if it is not negative, else throws for errno {@code -r}} */
    public static long check(long r, String call, String object) throws IpcException {
        if (r < 0) {
            throw exception(call, object, (int) -r);
        }
        return r;
    }

    /**
     * {@return the exception for {@code call} on {@code object} (may be null) failing with
     * {@code errno}, in the form {@code call("object"): text (ENAME)}}
     */
    public static IpcException exception(String call, String object, int errno) {
        return new IpcException(call, object, errno, name(errno), description(errno), reason(errno));
    }

    /**
     * {@return the exception for {@code call} failing with {@code errno}, its text extended by
     * {@code detail} (the limit or cause the caller found out)}
     */
    public static IpcException exception(String call, String object, int errno, String detail, Reason reason) {
        return new IpcException(call, object, errno, name(errno), description(errno) + ": " + detail, reason);
    }

    /** {@return the symbolic name of an errno value, such as ENOENT} */
    public static String name(int errno) {
        MemorySegment p = jipc_bindings_h.strerrorname_np(errno);
        return p.equals(MemorySegment.NULL) ? "E" + errno : p.getString(0);
    }

    /** {@return the C library's description of an errno value} */
    public static String description(int errno) {
        MemorySegment p = jipc_bindings_h.strerrordesc_np(errno);
        return p.equals(MemorySegment.NULL) ? "Unknown error " + errno : p.getString(0);
    }

    /** {@return the cause a caller can act on, for an errno value} */
    public static Reason reason(int errno) {
        if (errno == ENOENT) {
            return Reason.DOES_NOT_EXIST;
        } else if (errno == EEXIST) {
            return Reason.ALREADY_EXISTS;
        } else if (errno == EACCES || errno == EPERM) {
            return Reason.PERMISSION_DENIED;
        } else if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOSPC || errno == EFBIG
                || errno == EOVERFLOW) {
            return Reason.LIMIT_EXCEEDED;
        } else if (errno == EINVAL || errno == EMSGSIZE || errno == ENAMETOOLONG || errno == EBADF || errno == E2BIG) {
            return Reason.INVALID_ARGUMENT;
        } else if (errno == EPIPE || errno == ECONNRESET) {
            return Reason.BROKEN_PIPE;
        }
        return Reason.OTHER;
    }
}
