package io.jipc.pipe;

import io.jipc.IpcException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Entry point of the child JVMs that the pipe tests spawn: {@code PipeChildren <scenario> args...}.
 * Exit code 0 means the scenario ran as expected; anything else is reported by the test.
 */
public final class PipeChildren {
    /** Chunk size of {@link #pattern}: both sides must generate in the same chunks. */
    public static final int PATTERN_CHUNK = 64 * 1024;

    private PipeChildren() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "write-pattern" -> writePattern(Integer.parseInt(args[1]), Long.parseLong(args[2]),
                    Long.parseLong(args[3]));
            case "echo" -> echo(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "capacity-above-max" -> System.exit(capacityAboveMax(Integer.parseInt(args[1])));
            default -> {
                System.err.println("unknown scenario " + args[0]);
                System.exit(64);
            }
        }
    }

    /**
     * Fills {@code chunk} with the next bytes of the test pattern for {@code random}. The
     * parent regenerates the same stream to check what it read.
     */
    public static void pattern(SplittableRandom random, byte[] chunk) {
        random.nextBytes(chunk);
    }

    /** Writes {@code total} pattern bytes to the inherited write end {@code fd}, through a direct buffer. */
    private static void writePattern(int fd, long total, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[PATTERN_CHUNK];
        ByteBuffer direct = ByteBuffer.allocateDirect(PATTERN_CHUNK);
        try (Pipe.WriteEnd out = Pipe.WriteEnd.adopt(fd)) {
            long left = total;
            while (left > 0) {
                pattern(random, chunk);
                int n = (int) Math.min(left, PATTERN_CHUNK);
                direct.clear();
                direct.put(chunk, 0, n).flip();
                int written = out.write(direct);
                if (written != n || direct.hasRemaining()) {
                    System.err.println("blocking write returned " + written + " of " + n);
                    System.exit(2);
                }
                left -= n;
            }
        }
    }

    /** Reads 8-byte messages from {@code inFd} and writes each back to {@code outFd}, {@code count} times. */
    private static void echo(int inFd, int outFd, int count) throws Exception {
        try (Pipe.ReadEnd in = Pipe.ReadEnd.adopt(inFd);
             Pipe.WriteEnd out = Pipe.WriteEnd.adopt(outFd);
             Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(8);
            for (int i = 0; i < count; i++) {
                readFully(in, message);
                out.write(message);
            }
        }
    }

    /** Reads exactly {@code dst.byteSize()} bytes; exits with 3 at a premature end of stream. */
    public static void readFully(Pipe.ReadEnd in, MemorySegment dst) throws Exception {
        long got = 0;
        while (got < dst.byteSize()) {
            long n = in.read(dst.asSlice(got));
            if (n < 0) {
                System.err.println("end of stream after " + got + " bytes");
                System.exit(3);
            }
            got += n;
        }
    }

    /**
     * As an unprivileged process, asks for {@code bytes} of pipe capacity, which is above the
     * maximum. {@return 0 if the refusal names /proc/sys/fs/pipe-max-size, else non-zero}
     */
    private static int capacityAboveMax(int bytes) throws Exception {
        try (Pipe pipe = Pipe.open()) {
            int got = pipe.writeEnd().capacity(bytes);
            System.err.println("unprivileged capacity(" + bytes + ") succeeded with " + got);
            return 1;
        } catch (IpcException e) {
            System.err.println(e.getMessage());
            boolean clear = e.getMessage().contains("/proc/sys/fs/pipe-max-size")
                    && e.reason() == IpcException.Reason.LIMIT_EXCEEDED && "EPERM".equals(e.errnoName());
            return clear ? 0 : 2;
        }
    }
}
