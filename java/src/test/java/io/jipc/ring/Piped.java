package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** A child whose standard output goes to a pipe this test reads once the child has ended. */
final class Piped implements AutoCloseable {
    /** What a child left behind. */
    record Result(ExitStatus status, String output) {
        /** {@return the value of {@code key=value} in the output} */
        String value(String key) {
            for (String word : output.trim().split("\\s+")) {
                if (word.startsWith(key + "=")) {
                    return word.substring(key.length() + 1);
                }
            }
            throw new AssertionError("no " + key + " in the child's output: " + output);
        }
    }

    final ChildProcess child;
    private int readFd;

    private Piped(ChildProcess child, int readFd) {
        this.child = child;
        this.readFd = readFd;
    }

    static Piped start(Spawn spawn) throws IpcException {
        int[] fds = new int[2];
        Errno.check(Fds.pipe2(fds, Fds.O_CLOEXEC), "pipe2", null);
        try {
            return new Piped(spawn.mapDescriptor(1, fds[1]).start(), fds[0]);
        } catch (IpcException | RuntimeException e) {
            Fds.close(fds[0]);
            throw e;
        } finally {
            Fds.close(fds[1]);
        }
    }

    /** Waits at most {@code timeout} for the child to end, then reads what it printed. */
    Result finish(Duration timeout) throws InterruptedException {
        Optional<ExitStatus> status = child.waitFor(timeout);
        if (status.isEmpty()) {
            child.close();
            throw new AssertionError(child + " did not end within " + timeout);
        }
        StringBuilder out = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            long n;
            while ((n = Fds.read(readFd, buf, buf.byteSize())) > 0 || n == -Errno.EINTR) {
                if (n > 0) {
                    out.append(new String(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                            StandardCharsets.UTF_8));
                }
            }
        }
        return new Result(status.get(), out.toString());
    }

    @Override
    public void close() {
        child.close();
        if (readFd >= 0) {
            Fds.close(readFd);
            readFd = -1;
        }
    }
}
