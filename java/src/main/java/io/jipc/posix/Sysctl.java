package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.jipc.bindings.jipc_bindings_h.C_INT;
import static io.jipc.bindings.jipc_bindings_h.C_LONG;

/**
 * System limits: the {@code /proc/sys} files jipc reports in its errors, and sysconf(3).
 */
public final class Sysctl {
    private Sysctl() {
    }

    public static final Path MQ_MSG_MAX = Path.of("/proc/sys/fs/mqueue/msg_max");
    public static final Path MQ_MSGSIZE_MAX = Path.of("/proc/sys/fs/mqueue/msgsize_max");
    public static final Path MQ_QUEUES_MAX = Path.of("/proc/sys/fs/mqueue/queues_max");
    public static final Path PIPE_MAX_SIZE = Path.of("/proc/sys/fs/pipe-max-size");
    public static final Path PIPE_USER_PAGES_HARD = Path.of("/proc/sys/fs/pipe-user-pages-hard");

    public static final int SC_MQ_PRIO_MAX = jipc_bindings_h._SC_MQ_PRIO_MAX();

    private static final class Handles {
        static final MethodHandle SYSCONF = Downcall.link("sysconf", FunctionDescriptor.of(C_LONG, C_INT));
    }

    /**
     * {@return the number in a sysctl file, or -1 if it cannot be read}
     * One read(2) from offset 0: a sysctl file answers a read at any other offset with end of
     * file, and {@code Files.readString} probes with a 1-byte read first, so it would see "1"
     * of "10".
     */
    public static long read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[32];
            int n = in.read(buf);
            return Long.parseLong(new String(buf, 0, Math.max(n, 0), StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** {@return sysconf(3) of {@code name}, or -errno} */
    public static long sysconf(int name) {
        MemorySegment c = Downcall.capture();
        try {
            return Downcall.result((long) Handles.SYSCONF.invokeExact(c, name), c);
        } catch (Throwable t) {
            throw Downcall.rethrow(t);
        }
    }
}
