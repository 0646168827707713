package io.jipc;

import java.io.IOException;
import java.util.Objects;

/**
 * A failed operating-system call, or an IPC object that cannot be used as asked.
 *
 * <p>jipc's one checked exception. It is an {@link IOException} because every jipc
 * operation that can fail this way is I/O in the Java sense: it talks to the kernel
 * about a named object that lives outside the JVM and may vanish, be full or be
 * forbidden at any time. Misuse of an object this process controls (unlocking a lock
 * it does not hold, using an object after {@code close()}) is not I/O and is reported
 * with {@link IllegalStateException} or {@link IllegalArgumentException} instead.
 * Expected outcomes are never exceptions: a non-blocking operation that cannot
 * proceed returns {@code false} or an empty result.
 *
 * <p>The message reads like the C call that failed, for example
 * {@code shm_open("/demo"): No such file or directory (ENOENT)}; the parts are
 * available separately, and {@link #reason()} groups errno values into causes a
 * caller can act on.
 */
public class IpcException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Causes a caller can act on; several errno values may map to one. */
    public enum Reason {
        /** The named object does not exist ({@code ENOENT}). */
        DOES_NOT_EXIST,
        /** An exclusive create found the name taken ({@code EEXIST}). */
        ALREADY_EXISTS,
        /** The object's mode or the caller's privileges forbid it ({@code EACCES}, {@code EPERM}). */
        PERMISSION_DENIED,
        /** A system limit was reached: descriptors, memory, queue sizes ({@code EMFILE}, {@code ENOMEM}, ...). */
        LIMIT_EXCEEDED,
        /** The kernel refused an argument ({@code EINVAL}, {@code EMSGSIZE}, ...). */
        INVALID_ARGUMENT,
        /** The other end of a pipe or connection is gone ({@code EPIPE}). */
        BROKEN_PIPE,
        /** The object exists but its contents are not what this version of jipc expects. */
        INCOMPATIBLE_LAYOUT,
        /** The process that was creating the object died before finishing it. */
        CREATOR_DIED,
        /** Anything else; see {@link #errnoName()}. */
        OTHER
    }

    /** The C function or operation that failed, such as {@code shm_open}. */
    private final String call;
    /** The IPC object's name or another short identification; {@code null} if none. */
    private final String objectName;
    /** The errno value; 0 when the failure did not come from errno. */
    private final int errno;
    /** The symbolic errno name such as {@code ENOENT}; {@code null} if none. */
    private final String errnoName;
    /** What the failure means to the caller. */
    private final Reason reason;

    /**
     * Creates an exception for a failed call.
     *
     * @param call        the C function or operation that failed, such as {@code shm_open}
     * @param objectName  the IPC object's name or another short identification, or {@code null}
     * @param errno       the errno value, or 0 when the failure did not come from errno
     * @param errnoName   the symbolic errno name such as {@code ENOENT}, or {@code null}
     * @param description what went wrong, in words
     * @param reason      the actionable cause
     */
    public IpcException(String call, String objectName, int errno, String errnoName,
                        String description, Reason reason) {
        super(format(call, objectName, description, errnoName));
        this.call = Objects.requireNonNull(call, "call");
        this.objectName = objectName;
        this.errno = errno;
        this.errnoName = errnoName;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Creates an exception for a failure that did not come from {@code errno}: bad data from
     * a peer, a layout this version does not read, a time-out. {@link #errno()} is 0 and
     * {@link #errnoName()} is {@code null}.
     *
     * @param call        the operation that failed, such as {@code connect}
     * @param objectName  the IPC object's name or another short identification, or {@code null}
     * @param description what went wrong, in words
     * @param reason      the actionable cause
     */
    public IpcException(String call, String objectName, String description, Reason reason) {
        this(call, objectName, 0, null, description, reason);
    }

    private static String format(String call, String objectName, String description, String errnoName) {
        StringBuilder sb = new StringBuilder(call);
        if (objectName != null) {
            sb.append("(\"").append(objectName).append("\")");
        }
        sb.append(": ").append(description);
        if (errnoName != null) {
            sb.append(" (").append(errnoName).append(')');
        }
        return sb.toString();
    }

    /** {@return the call or operation that failed, such as {@code mq_open}} */
    public String call() {
        return call;
    }

    /** {@return the name of the object involved, or {@code null} if none applies} */
    public String objectName() {
        return objectName;
    }

    /** {@return the errno value, or 0 when the failure was not reported through errno} */
    public int errno() {
        return errno;
    }

    /** {@return the symbolic errno name such as {@code EACCES}, or {@code null}} */
    public String errnoName() {
        return errnoName;
    }

    /** {@return the actionable cause} */
    public Reason reason() {
        return reason;
    }
}
