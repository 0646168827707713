package io.jipc.posix;

import io.jipc.bindings.cmsghdr;
import io.jipc.bindings.iovec;
import io.jipc.bindings.jipc_bindings_h;
import io.jipc.bindings.msghdr;
import io.jipc.bindings.sockaddr_un;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;
import static io.jipc.bindings.jipc_bindings_h.C_POINTER;

/**
 * Unix domain sockets ({@code <sys/socket.h>}, {@code <sys/un.h>}), for what Java's own
 * {@code SocketChannel} cannot do: pass descriptors to another process ({@code SCM_RIGHTS}).
 * Every socket is close-on-exec, and so is every descriptor received. Each call returns its
 * result or {@code -errno}.
 *
 * <p>C's {@code CMSG_*} macros are function-like, so jextract cannot bind them; they are
 * recoded here ({@link #cmsgSpace}, {@link #cmsgLen}) for x86-64 glibc, with the receive
 * side walking the kernel's control buffer in checked arithmetic.
 */
public final class UnixSockets {
    private UnixSockets() {
    }

    public static final int SOCK_STREAM = jipc_bindings_h.SOCK_STREAM();
    public static final int SOCK_SEQPACKET = jipc_bindings_h.SOCK_SEQPACKET();
    /** The kernel's limit of descriptors in one message (SCM_MAX_FD in include/net/scm.h). */
    public static final int MAX_FDS = 253;
    /** What {@link #recvFds} returns when the peer closed its end. */
    public static final int END_OF_STREAM = Integer.MIN_VALUE;
    /** The longest path a socket can be bound to: {@code sun_path} less its NUL. */
    public static final int MAX_PATH_BYTES = (int) sockaddr_un.sun_path$layout().byteSize() - 1;

    private static final int AF_UNIX = jipc_bindings_h.AF_UNIX();
    private static final int SOCK_CLOEXEC = jipc_bindings_h.SOCK_CLOEXEC();
    private static final int SOL_SOCKET = jipc_bindings_h.SOL_SOCKET();
    private static final int SCM_RIGHTS = jipc_bindings_h.SCM_RIGHTS();
    private static final int MSG_CMSG_CLOEXEC = jipc_bindings_h.MSG_CMSG_CLOEXEC();
    private static final int MSG_NOSIGNAL = jipc_bindings_h.MSG_NOSIGNAL();
    private static final int MSG_CTRUNC = jipc_bindings_h.MSG_CTRUNC();

    /** CMSG_ALIGN's unit: sizeof(size_t). */
    private static final long CMSG_ALIGNMENT = C_LONG.byteSize();
    /** CMSG_ALIGN(sizeof(struct cmsghdr)): where a control message's data starts. */
    private static final long CMSG_HEADER = cmsgAlign(cmsghdr.layout().byteSize());

    private static final class Pair {
        static final MethodHandle SOCKETPAIR = Downcall.link("socketpair",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
    }

    private static final class Messages {
        static final MethodHandle SENDMSG = Downcall.link("sendmsg",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
        static final MethodHandle RECVMSG = Downcall.link("recvmsg",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
    }

    private static final class Named {
        static final MethodHandle SOCKET = Downcall.link("socket", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
        static final MethodHandle LISTEN = Downcall.link("listen", FunctionDescriptor.of(C_INT, C_INT, C_INT));
        // Not in the bindings: under _GNU_SOURCE glibc declares the address of these three as a
        // transparent union (__SOCKADDR_ARG), which jextract would pass by value; the ABI passes
        // the pointer, as linked here.
        static final MethodHandle BIND = Downcall.link("bind", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
        static final MethodHandle CONNECT = Downcall.link("connect",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
        static final MethodHandle ACCEPT4 = Downcall.link("accept4",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, C_INT));
    }

    /** {@return 0 and two connected sockets of {@code type} in {@code fds}, or -errno} */
    public static int socketpair(int type, int[] fds) {
        MemorySegment c = Downcall.capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pair = arena.allocate(ValueLayout.JAVA_INT, 2);
            int r = Downcall.result((int) Pair.SOCKETPAIR.invokeExact(c, AF_UNIX, type | SOCK_CLOEXEC, 0, pair), c);
            if (r == 0) {
                fds[0] = pair.getAtIndex(ValueLayout.JAVA_INT, 0);
                fds[1] = pair.getAtIndex(ValueLayout.JAVA_INT, 1);
            }
            return r;
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** {@return a new unbound socket of {@code type}, or -errno} */
    public static int socket(int type) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Named.SOCKET.invokeExact(c, AF_UNIX, type | SOCK_CLOEXEC, 0), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** Binds {@code fd} to the file {@code path}. {@return 0, or -errno (-ENAMETOOLONG, -EINVAL for a NUL)} */
    public static int bind(int fd, String path) {
        return withAddress(Named.BIND, fd, path);
    }

    /** Connects {@code fd} to the socket bound at {@code path}. {@return 0, or -errno} */
    public static int connect(int fd, String path) {
        return withAddress(Named.CONNECT, fd, path);
    }

    public static int listen(int fd, int backlog) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Named.LISTEN.invokeExact(c, fd, backlog), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** {@return the next connection on a listening socket (close-on-exec), or -errno} */
    public static int accept(int fd) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((int) Named.ACCEPT4.invokeExact(c, fd, MemorySegment.NULL, MemorySegment.NULL,
                    SOCK_CLOEXEC), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /**
     * Sends {@code fds} (1 to {@link #MAX_FDS}) to the peer with one byte of data, without
     * SIGPIPE. The peer gets duplicates; these stay open here. {@return 0, or -errno (-EPIPE
     * if the peer is gone)}
     */
    public static int sendFds(int sock, int[] fds) {
        checkCount(fds.length);
        long payload = Math.multiplyExact(fds.length, (long) Integer.BYTES);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment control = arena.allocate(cmsgSpace(payload), CMSG_ALIGNMENT);
            cmsghdr.cmsg_len(control, cmsgLen(payload));
            cmsghdr.cmsg_level(control, SOL_SOCKET);
            cmsghdr.cmsg_type(control, SCM_RIGHTS);
            MemorySegment.copy(fds, 0, control, ValueLayout.JAVA_INT, CMSG_HEADER, fds.length);
            MemorySegment msg = message(arena, control);
            MemorySegment c = Downcall.capture();
            long r = Downcall.result((long) Messages.SENDMSG.invokeExact(c, sock, msg, MSG_NOSIGNAL), c);
            return r < 0 ? (int) r : 0;
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /** Sends one descriptor; see {@link #sendFds}. */
    public static int sendFd(int sock, int fd) {
        return sendFds(sock, new int[] {fd});
    }

    /**
     * Receives one message's byte and the descriptors that came with it (close-on-exec) into
     * {@code fds}. A peer that sends more than {@code fds} holds, or an unreadable control
     * message, gets nothing through: what did arrive is closed and the result is -EMSGSIZE.
     * {@return the number of descriptors stored (0 if the byte came alone),
     * {@link #END_OF_STREAM}, or -errno}
     */
    public static int recvFds(int sock, int[] fds) {
        checkCount(fds.length);
        long space = cmsgSpace(Math.multiplyExact(fds.length, (long) Integer.BYTES));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment control = arena.allocate(space, CMSG_ALIGNMENT);
            MemorySegment msg = message(arena, control);
            MemorySegment c = Downcall.capture();
            long r = Downcall.result((long) Messages.RECVMSG.invokeExact(c, sock, msg, MSG_CMSG_CLOEXEC), c);
            if (r < 0) {
                return (int) r;
            }
            // The kernel rewrote msg_controllen; never trust it beyond the buffer it was given.
            long used = Math.min(msghdr.msg_controllen(msg), space);
            int count = collect(control, used, fds);
            if ((msghdr.msg_flags(msg) & MSG_CTRUNC) != 0 || count < 0) {
                closeAll(fds, count < 0 ? -count - 1 : count);
                return -Errno.EMSGSIZE;
            }
            return r == 0 && count == 0 ? END_OF_STREAM : count;
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    /**
     * Walks the control messages in {@code control[0, used)} (CMSG_FIRSTHDR/CMSG_NXTHDR) and
     * stores every received descriptor in {@code fds}. {@return the number stored, or
     * {@code -(stored + 1)} when more came than fit (the extra ones are closed)}
     */
    private static int collect(MemorySegment control, long used, int[] fds) {
        int count = 0;
        boolean overflow = false;
        long offset = 0;
        while (used - offset >= CMSG_HEADER) {
            MemorySegment header = control.asSlice(offset, CMSG_HEADER);
            long length = cmsghdr.cmsg_len(header);
            if (length < CMSG_HEADER || length > used - offset) {
                break;
            }
            if (cmsghdr.cmsg_level(header) == SOL_SOCKET && cmsghdr.cmsg_type(header) == SCM_RIGHTS) {
                long n = (length - CMSG_HEADER) / Integer.BYTES;
                for (long i = 0; i < n; i++) {
                    int fd = control.get(ValueLayout.JAVA_INT, offset + CMSG_HEADER + i * Integer.BYTES);
                    if (count < fds.length) {
                        fds[count++] = fd;
                    } else {
                        Fds.close(fd);
                        overflow = true;
                    }
                }
            }
            offset = Math.addExact(offset, cmsgAlign(length));
        }
        return overflow ? -count - 1 : count;
    }

    private static void closeAll(int[] fds, int count) {
        for (int i = 0; i < count; i++) {
            Fds.close(fds[i]);
        }
    }

    /** A msghdr with no address, one byte of data and {@code control}. */
    private static MemorySegment message(Arena arena, MemorySegment control) {
        MemorySegment data = arena.allocate(1);
        MemorySegment iov = arena.allocate(iovec.layout());
        iovec.iov_base(iov, data);
        iovec.iov_len(iov, 1);
        MemorySegment msg = arena.allocate(msghdr.layout());
        msghdr.msg_name(msg, MemorySegment.NULL);
        msghdr.msg_iov(msg, iov);
        msghdr.msg_iovlen(msg, 1);
        msghdr.msg_control(msg, control);
        msghdr.msg_controllen(msg, control.byteSize());
        return msg;
    }

    private static int withAddress(MethodHandle h, int fd, String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_PATH_BYTES) {
            return -Errno.ENAMETOOLONG;
        }
        if (bytes.length == 0 || path.indexOf('\0') >= 0) {
            return -Errno.EINVAL;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(sockaddr_un.layout());
            sockaddr_un.sun_family(address, (short) AF_UNIX);
            MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, sockaddr_un.sun_path$offset(), bytes.length);
            int length = (int) sockaddr_un.sun_path$offset() + bytes.length + 1;
            MemorySegment c = Downcall.capture();
            return Downcall.result((int) h.invokeExact(c, fd, address, length), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }

    private static void checkCount(int n) {
        if (n < 1 || n > MAX_FDS) {
            throw new IllegalArgumentException("a message carries 1 to " + MAX_FDS + " descriptors, not " + n);
        }
    }

    /** CMSG_ALIGN: rounds up to sizeof(size_t). */
    static long cmsgAlign(long length) {
        return Math.addExact(length, CMSG_ALIGNMENT - 1) & -CMSG_ALIGNMENT;
    }

    /** CMSG_SPACE: the buffer a control message of {@code payload} bytes takes, padding included. */
    static long cmsgSpace(long payload) {
        return Math.addExact(cmsgAlign(payload), CMSG_HEADER);
    }

    /** CMSG_LEN: the {@code cmsg_len} of a control message of {@code payload} bytes. */
    static long cmsgLen(long payload) {
        return Math.addExact(CMSG_HEADER, payload);
    }
}
