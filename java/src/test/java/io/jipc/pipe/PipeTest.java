package io.jipc.pipe;

import io.jipc.IpcException;
import io.jipc.posix.Errno;
import io.jipc.posix.Procs;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.testing.Blocked;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class PipeTest {
    private Set<String> pipesBefore;
    private Set<Integer> childrenBefore;

    @BeforeEach
    void snapshot() {
        pipesBefore = openPipes();
        childrenBefore = Leaks.children();
    }

    /**
     * Pipes only: the JVM opens other files (jars, say) lazily, at moments no test controls.
     * The last thread out releases an end, and after a close or interrupt that may be jipc's
     * waiter thread, a moment after the caller saw its exception: the check allows it that moment.
     */
    @AfterEach
    void nothingLeaked() throws InterruptedException {
        assertEquals(childrenBefore, Leaks.children(), "children left behind");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!pipesBefore.equals(openPipes()) && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
        assertEquals(pipesBefore, openPipes(), "pipe descriptors left open");
    }

    /** {@return "fd -> pipe:[inode]" for every pipe descriptor of this process} */
    static Set<String> openPipes() {
        Set<String> pipes = new java.util.TreeSet<>();
        for (String fd : Leaks.descriptors()) {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString();
                if (target.startsWith("pipe:")) {
                    pipes.add(fd + " -> " + target);
                }
            } catch (java.io.IOException gone) {
                // The directory stream's own descriptor, or one closed while we looked.
            }
        }
        return pipes;
    }

    /** {@return the "fd -> pipe:[inode]" entry of an open end} */
    static String entryOf(int fd) throws java.io.IOException {
        return fd + " -> " + Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(fd)));
    }

    // ---- moving bytes ----

    @Test
    void heapDirectAndSegmentTransfersRoundTrip() throws Exception {
        try (Pipe pipe = Pipe.open(); Arena arena = Arena.ofConfined()) {
            Pipe.ReadEnd in = pipe.readEnd();
            Pipe.WriteEnd out = pipe.writeEnd();

            ByteBuffer heap = ByteBuffer.wrap("xxhelloyy".getBytes(StandardCharsets.US_ASCII), 2, 5);
            assertEquals(5, out.write(heap));
            assertEquals(7, heap.position(), "position advances by the count");
            ByteBuffer direct = ByteBuffer.allocateDirect(16).put((byte) 1).put((byte) 2).flip();
            assertEquals(2, out.write(direct));
            MemorySegment native8 = arena.allocate(8).fill((byte) 7);
            assertEquals(8, out.write(native8));
            assertEquals(3, out.write(MemorySegment.ofArray(new byte[] {9, 8, 7})));

            ByteBuffer heapIn = ByteBuffer.allocate(32).position(1).limit(6);
            assertEquals(5, in.read(heapIn));
            assertEquals(6, heapIn.position());
            assertEquals(6, heapIn.limit(), "limit unchanged");
            assertEquals("hello", new String(heapIn.array(), 1, 5, StandardCharsets.US_ASCII));
            ByteBuffer directIn = ByteBuffer.allocateDirect(2);
            assertEquals(2, in.read(directIn));
            assertEquals(1, directIn.get(0));
            assertEquals(2, directIn.get(1));
            MemorySegment nativeIn = arena.allocate(8);
            assertEquals(8, in.read(nativeIn));
            assertEquals(-1, nativeIn.mismatch(native8));
            byte[] array = new byte[3];
            assertEquals(3, in.read(MemorySegment.ofArray(array)));
            assertArrayEquals(new byte[] {9, 8, 7}, array);

            assertEquals(0, in.read(ByteBuffer.allocate(0)), "no room, no wait");
        }
    }

    @Test
    void readOnlyDestinationsAreRefusedBeforeAnySystemCall() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            assertThrows(IllegalArgumentException.class,
                    () -> pipe.readEnd().read(ByteBuffer.allocate(4).asReadOnlyBuffer()));
            assertThrows(IllegalArgumentException.class,
                    () -> pipe.readEnd().read(MemorySegment.ofArray(new byte[4]).asReadOnly()));
            // A read-only source is fine.
            assertEquals(3, pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {1, 2, 3}).asReadOnlyBuffer()));
        }
    }

    @Test
    @Timeout(60)
    void aBlockingWriteLargerThanThePipeWritesEverything() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            byte[] data = new byte[3 * 1024 * 1024 + 17];
            new SplittableRandom(1).nextBytes(data);
            CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = Channels.newInputStream(pipe.readEnd())) {
                    return in.readAllBytes();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            assertEquals(data.length, pipe.writeEnd().write(ByteBuffer.wrap(data)));
            pipe.writeEnd().close();
            assertArrayEquals(data, reader.get(30, TimeUnit.SECONDS));
        }
    }

    // ---- end of stream and broken pipes ----

    @Test
    @Timeout(60)
    void endOfStreamComesOnlyWhenEveryWriteEndIsClosed() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            // A child holds a second copy of the write end and writes through it later.
            try (ChildProcess child = Spawn.command("/bin/sh", "-c", "read go; printf late")
                    .mapDescriptor(1, pipe.writeEnd().fd()).mapDescriptor(0, goSignal()).start()) {
                pipe.writeEnd().write(ByteBuffer.wrap("early".getBytes(StandardCharsets.US_ASCII)));
                pipe.writeEnd().close();

                ByteBuffer buf = ByteBuffer.allocate(64);
                assertEquals(5, pipe.readEnd().read(buf));
                // Our copy is closed but the child's is not: no end of stream, just nothing yet.
                assertEquals(0, pipe.readEnd().read(buf, Duration.ofMillis(100)));
                pipe.readEnd().configureBlocking(false);
                assertEquals(0, pipe.readEnd().read(buf));
                pipe.readEnd().configureBlocking(true);

                releaseGoSignal();
                assertEquals(4, pipe.readEnd().read(buf));
                assertEquals("earlylate", new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII));
                assertTrue(child.waitFor().success());
                assertEquals(-1, pipe.readEnd().read(buf), "every write end is closed now");
                assertEquals(-1, pipe.readEnd().read(buf, Duration.ofSeconds(5)));
            }
        } finally {
            closeGoSignal();
        }
    }

    @Test
    void writingWhenEveryReaderIsGoneIsBrokenPipeNotSigpipe() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            try (ChildProcess child = Spawn.command("/bin/true").mapDescriptor(0, pipe.readEnd().fd()).start()) {
                pipe.readEnd().close();
                assertTrue(child.waitFor().success());
            }
            IpcException e = assertThrows(IpcException.class,
                    () -> pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {1})));
            assertEquals(IpcException.Reason.BROKEN_PIPE, e.reason());
            assertEquals("EPIPE", e.errnoName());
            assertEquals(Errno.EPIPE, e.errno());
            assertEquals("write", e.call());
            assertTrue(e.getMessage().contains("read end"), e.getMessage());
            // Still alive (SIGPIPE did not kill the JVM), and the failure repeats.
            assertThrows(IpcException.class, () -> pipe.writeEnd().write(ByteBuffer.allocateDirect(100_000)));
            assertThrows(IpcException.class,
                    () -> pipe.writeEnd().write(ByteBuffer.allocate(10), Duration.ofSeconds(5)));
        }
    }

    // ---- non-blocking and timed ----

    @Test
    void nonBlockingReadOnAnEmptyPipeAndWriteOnAFullOneReturnZeroPromptly() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            Pipe.ReadEnd in = pipe.readEnd();
            Pipe.WriteEnd out = pipe.writeEnd();
            in.configureBlocking(false);
            out.configureBlocking(false);
            assertFalse(in.isBlocking());

            long t0 = System.nanoTime();
            assertEquals(0, in.read(ByteBuffer.allocate(10)));
            assertEquals(0, in.read(ByteBuffer.allocateDirect(10)));

            int capacity = out.capacity();
            ByteBuffer big = ByteBuffer.allocateDirect(capacity * 2);
            int filled = out.write(big);
            assertEquals(capacity, filled, "a non-blocking write takes what fits");
            assertEquals(0, out.write(ByteBuffer.allocate(1)));
            assertEquals(0, out.write(ByteBuffer.allocateDirect(Pipe.ATOMIC_WRITE_BYTES)));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "non-blocking calls must not wait");

            // Reading one byte frees no whole page, so a PIPE_BUF write is still all or nothing.
            ByteBuffer drain = ByteBuffer.allocateDirect(capacity);
            assertEquals(capacity, in.read(drain));
            assertEquals(0, in.read(drain.clear()));
            out.close();
            assertEquals(-1, in.read(drain.clear()), "end of stream in non-blocking mode too");
        }
    }

    @Test
    void aTimedReadReturnsZeroAfterItsTimeout() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            Duration timeout = Duration.ofMillis(200);
            for (boolean blocking : new boolean[] {true, false}) {
                pipe.readEnd().configureBlocking(blocking);
                long t0 = System.nanoTime();
                assertEquals(0, pipe.readEnd().read(ByteBuffer.allocate(8), timeout));
                long waited = System.nanoTime() - t0;
                assertTrue(waited >= timeout.toNanos(), "returned after " + waited + " ns");
                assertTrue(waited < TimeUnit.SECONDS.toNanos(10), "returned after " + waited + " ns");
            }
            long t0 = System.nanoTime();
            assertEquals(0, pipe.readEnd().read(ByteBuffer.allocate(8), Duration.ZERO));
            assertEquals(0, pipe.readEnd().read(ByteBuffer.allocate(8), Duration.ofMillis(-5)));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
        }
    }

    @Test
    @Timeout(60)
    void aTimedReadReturnsAsSoonAsAnotherProcessWrites() throws Exception {
        try (Pipe pipe = Pipe.open();
             ChildProcess child = Spawn.command("/bin/sh", "-c", "sleep 0.3; printf hi")
                     .mapDescriptor(1, pipe.writeEnd().fd()).start()) {
            pipe.writeEnd().close();
            ByteBuffer buf = ByteBuffer.allocate(8);
            long t0 = System.nanoTime();
            assertEquals(2, pipe.readEnd().read(buf, Duration.ofSeconds(30)));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20));
            assertTrue(child.waitFor().success());
        }
    }

    @Test
    void aTimedWriteOnAFullPipeWritesWhatFitsThenGivesUp() throws Exception {
        try (Pipe pipe = Pipe.open(); Arena arena = Arena.ofConfined()) {
            int capacity = pipe.writeEnd().capacity();
            for (boolean blocking : new boolean[] {true, false}) {
                pipe.writeEnd().configureBlocking(blocking);
                MemorySegment src = arena.allocate(capacity + 10_000);
                long t0 = System.nanoTime();
                long written = pipe.writeEnd().write(src, Duration.ofMillis(150));
                long waited = System.nanoTime() - t0;
                assertEquals(capacity, written, "blocking=" + blocking);
                assertTrue(waited >= Duration.ofMillis(150).toNanos(), "returned after " + waited + " ns");
                assertEquals(0, pipe.writeEnd().write(ByteBuffer.allocate(1), Duration.ofMillis(10)));
                assertEquals(capacity, pipe.readEnd().read(arena.allocate(capacity)));
            }
        }
    }

    // ---- real processes ----

    @Test
    @Timeout(120)
    void sixtyFourMiBFromAChildJvmArriveByteExact() throws Exception {
        long total = 64L * 1024 * 1024;
        long seed = 20240611L;
        try (Pipe pipe = Pipe.open()) {
            try (ChildProcess child = Spawn.java(PipeChildren.class, "write-pattern", "3", Long.toString(total),
                    Long.toString(seed)).mapDescriptor(3, pipe.writeEnd().fd()).start()) {
                pipe.writeEnd().close();
                MessageDigest got = MessageDigest.getInstance("SHA-256");
                // Odd-sized heap reads: they go through the end's native buffer and cut the stream anywhere.
                ByteBuffer buf = ByteBuffer.allocate(50_000);
                long received = 0;
                int n;
                while ((n = pipe.readEnd().read(buf.clear())) >= 0) {
                    got.update(buf.array(), 0, n);
                    received += n;
                }
                assertTrue(child.waitFor().success(), "child failed");
                assertEquals(total, received);
                assertArrayEquals(expectedPatternDigest(total, seed), got.digest());
            }
        }
    }

    @Test
    @Timeout(120)
    void sha256sumDigestsExactlyWhatJavaStreamedIntoItsStdin() throws Exception {
        try (Pipe toChild = Pipe.open(); Pipe fromChild = Pipe.open()) {
            try (ChildProcess sha = Spawn.command("sha256sum")
                    .mapDescriptor(0, toChild.readEnd().fd())
                    .mapDescriptor(1, fromChild.writeEnd().fd()).start()) {
                // As a shell would: the child has its copies, ours would hide end of stream.
                toChild.readEnd().close();
                fromChild.writeEnd().close();

                MessageDigest expected = MessageDigest.getInstance("SHA-256");
                SplittableRandom random = new SplittableRandom(7);
                ByteBuffer direct = ByteBuffer.allocateDirect(100_000);
                try (OutputStream out = Channels.newOutputStream(toChild.writeEnd())) {
                    for (int i = 0; i < 200; i++) {
                        byte[] chunk = new byte[1 + random.nextInt(70_000)];
                        random.nextBytes(chunk);
                        expected.update(chunk);
                        if (i % 2 == 0) {
                            out.write(chunk);
                        } else {
                            direct.clear().put(chunk).flip();
                            assertEquals(chunk.length, toChild.writeEnd().write(direct));
                        }
                    }
                }
                assertFalse(toChild.writeEnd().isOpen(), "closing the stream closes the channel");
                String output;
                try (InputStream in = Channels.newInputStream(fromChild.readEnd())) {
                    output = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                }
                assertTrue(sha.waitFor().success());
                assertEquals(HexFormat.of().formatHex(expected.digest()) + "  -\n", output);
            }
        }
    }

    @Test
    @Timeout(60)
    void twoChildrenJoinedByAPipeWorkLikeAShellPipeline() throws Exception {
        // printf 'hello\nworld\n' | tr a-z A-Z, with the result piped back to us.
        try (Pipe between = Pipe.open(); Pipe result = Pipe.open()) {
            try (ChildProcess producer = Spawn.command("printf", "hello\\nworld\\n")
                    .mapDescriptor(1, between.writeEnd().fd()).start();
                 ChildProcess filter = Spawn.command("tr", "a-z", "A-Z")
                    .mapDescriptor(0, between.readEnd().fd())
                    .mapDescriptor(1, result.writeEnd().fd()).start()) {
                between.close();
                result.writeEnd().close();
                String out;
                try (InputStream in = Channels.newInputStream(result.readEnd())) {
                    out = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                }
                assertEquals("HELLO\nWORLD\n", out);
                assertTrue(producer.waitFor().success());
                assertTrue(filter.waitFor().success());
            }
        }
    }

    @Test
    @Timeout(60)
    void aChildJvmAdoptsInheritedEndsAndEchoes() throws Exception {
        try (Pipe ping = Pipe.open(); Pipe pong = Pipe.open(); Arena arena = Arena.ofConfined();
             ChildProcess child = Spawn.java(PipeChildren.class, "echo", "3", "4", "100")
                     .mapDescriptor(3, ping.readEnd().fd()).mapDescriptor(4, pong.writeEnd().fd()).start()) {
            ping.readEnd().close();
            pong.writeEnd().close();
            MemorySegment msg = arena.allocate(8);
            MemorySegment back = arena.allocate(8);
            for (long i = 0; i < 100; i++) {
                msg.set(ValueLayout.JAVA_LONG, 0, i * 31);
                assertEquals(8, ping.writeEnd().write(msg));
                PipeChildren.readFully(pong.readEnd(), back);
                assertEquals(i * 31, back.get(ValueLayout.JAVA_LONG, 0));
            }
            assertTrue(child.waitFor().success());
            assertEquals(-1, pong.readEnd().read(back), "the child closed its write end on exit");
        }
    }

    // ---- capacity ----

    @Test
    void capacityIsReportedAndRoundedUpByTheKernel() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            int initial = pipe.readEnd().capacity();
            assertEquals(initial, pipe.writeEnd().capacity(), "one pipe, one capacity");
            assertTrue(initial >= Pipe.ATOMIC_WRITE_BYTES, "capacity " + initial);

            int got = pipe.writeEnd().capacity(100_000);
            assertEquals(131_072, got, "a power of two pages, at least the request");
            assertEquals(got, pipe.readEnd().capacity());
            assertEquals(4096, pipe.writeEnd().capacity(1), "at least one page");

            assertThrows(IllegalArgumentException.class, () -> pipe.writeEnd().capacity(0));
            assertThrows(IllegalArgumentException.class, () -> pipe.writeEnd().capacity(-4096));
        }
    }

    @Test
    void shrinkingBelowWhatThePipeHoldsIsEBUSY() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().write(ByteBuffer.allocateDirect(3 * 4096));
            IpcException e = assertThrows(IpcException.class, () -> pipe.writeEnd().capacity(4096));
            assertEquals("EBUSY", e.errnoName());
            assertTrue(e.getMessage().contains("drain"), e.getMessage());
        }
    }

    @Test
    @Timeout(60)
    void anUnprivilegedProcessAskingAbovePipeMaxSizeGetsAnErrorNamingTheLimit() throws Exception {
        int max;
        try (FileInputStream in = new FileInputStream("/proc/sys/fs/pipe-max-size")) {
            // One read: a sysctl file gives end of file to a read at any other offset.
            byte[] buf = new byte[32];
            max = Integer.parseInt(new String(buf, 0, in.read(buf), StandardCharsets.US_ASCII).trim());
        }
        int tooMuch = max * 2;
        if (Procs.geteuid() != 0) {
            try (Pipe pipe = Pipe.open()) {
                IpcException e = assertThrows(IpcException.class, () -> pipe.writeEnd().capacity(tooMuch));
                assertTrue(e.getMessage().contains("/proc/sys/fs/pipe-max-size"), e.getMessage());
                assertEquals(IpcException.Reason.LIMIT_EXCEEDED, e.reason());
            }
            return;
        }
        // Root may have CAP_SYS_RESOURCE and exceed the limit: the refusal is checked in a child running as nobody.
        try (ChildProcess child = Spawn.java(PipeChildren.class, "capacity-above-max", Integer.toString(tooMuch))
                .user(65534, 65534).start()) {
            assertEquals(0, child.waitFor().code(), "see the child's stderr above");
        }
    }

    // ---- adopting inherited descriptors ----

    @Test
    void adoptRefusesWhatIsNotThePipeEndItClaims(@TempDir Path dir) throws Exception {
        try (Pipe pipe = Pipe.open()) {
            IllegalArgumentException wrongWay = assertThrows(IllegalArgumentException.class,
                    () -> Pipe.ReadEnd.adopt(pipe.writeEnd().fd()));
            assertTrue(wrongWay.getMessage().contains("write end"), wrongWay.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Pipe.WriteEnd.adopt(pipe.readEnd().fd()));
        }
        Path file = Files.writeString(dir.resolve("plain"), "not a pipe");
        try (FileInputStream plain = new FileInputStream(file.toFile())) {
            int fd = descriptorOf(file);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pipe.ReadEnd.adopt(fd));
            assertTrue(e.getMessage().contains("not a pipe"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Pipe.ReadEnd.adopt(-1));
        IpcException badf = assertThrows(IpcException.class, () -> Pipe.ReadEnd.adopt(100_000));
        assertEquals("EBADF", badf.errnoName());
    }

    // ---- closing ----

    @Test
    void everyOperationAfterCloseThrowsClosedChannelException() throws Exception {
        Pipe pipe = Pipe.open();
        String readEntry = entryOf(pipe.readEnd().fd());
        pipe.close();
        pipe.close();
        pipe.readEnd().close();
        for (Pipe.End end : new Pipe.End[] {pipe.readEnd(), pipe.writeEnd()}) {
            assertFalse(end.isOpen());
            assertThrows(IllegalStateException.class, end::fd);
            assertThrows(ClosedChannelException.class, end::capacity);
            assertThrows(ClosedChannelException.class, () -> end.capacity(8192));
            assertThrows(ClosedChannelException.class, () -> end.configureBlocking(false));
            assertTrue(end.toString().contains("closed"), end.toString());
        }
        assertThrows(ClosedChannelException.class, () -> pipe.readEnd().read(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> pipe.readEnd().read(ByteBuffer.allocate(0)));
        assertThrows(ClosedChannelException.class,
                () -> pipe.readEnd().read(ByteBuffer.allocate(1), Duration.ofSeconds(1)));
        assertThrows(ClosedChannelException.class, () -> pipe.readEnd().read(MemorySegment.ofArray(new byte[1])));
        assertThrows(ClosedChannelException.class, () -> pipe.writeEnd().write(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> pipe.writeEnd().write(ByteBuffer.allocate(0)));
        assertThrows(ClosedChannelException.class, () -> pipe.writeEnd().write(MemorySegment.ofArray(new byte[1])));
        assertFalse(openPipes().contains(readEntry), "the descriptor is released");
    }

    /**
     * A close under a blocked read wakes it with AsynchronousCloseException, on a platform
     * thread (asleep in poll) and a virtual one (parked); the descriptor stays open until the
     * read (and, for the virtual one, the waiter thread polling for it) has left, then goes.
     */
    @Test
    @Timeout(120)
    void closingAnEndUnderABlockedReadWakesItAndReleasesTheDescriptorWhenItLeaves() throws Exception {
        for (boolean virtual : new boolean[] {false, true}) {
            try (Pipe pipe = Pipe.open()) {
                String readEntry = entryOf(pipe.readEnd().fd());
                Callable<Integer> read = () -> pipe.readEnd().read(ByteBuffer.allocate(8));
                Blocked<Integer> blocked = virtual ? Blocked.onVirtualThread(read) : Blocked.onPlatformThread(read);
                pipe.readEnd().close();
                assertFalse(pipe.readEnd().isOpen());
                assertInstanceOf(AsynchronousCloseException.class, blocked.failure(), "virtual: " + virtual);
                blocked.thread().join();
                // A virtual reader's poll is made by a jipc-waiter thread, which may be the last
                // one out: the release can follow the reader's exit by that thread's wake-up.
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (openPipes().contains(readEntry) && System.nanoTime() - deadline < 0) {
                    Thread.sleep(1);
                }
                assertFalse(openPipes().contains(readEntry), "not released when the read left (virtual: " + virtual + ")");
            }
        }
    }

    /**
     * Ends are InterruptibleChannels: interrupting a blocked read or write closes the end and
     * ends the call with ClosedByInterruptException, the interrupt flag left set.
     */
    @Test
    @Timeout(120)
    void interruptingABlockedReadOrWriteClosesTheEnd() throws Exception {
        for (boolean virtual : new boolean[] {false, true}) {
            try (Pipe pipe = Pipe.open()) {
                Callable<Long> read = () -> pipe.readEnd().read(Arena.global().allocate(8));
                Blocked<Long> reader = virtual ? Blocked.onVirtualThread(read) : Blocked.onPlatformThread(read);
                reader.thread().interrupt();
                assertInstanceOf(ClosedByInterruptException.class, reader.failure(), "virtual: " + virtual);
                assertTrue(reader.endedInterrupted(), "the interrupt flag was cleared");
                assertFalse(pipe.readEnd().isOpen());
            }
            try (Pipe pipe = Pipe.open()) {
                pipe.writeEnd().configureBlocking(false);
                while (pipe.writeEnd().write(ByteBuffer.allocateDirect(4096)) > 0) {
                    // fill it
                }
                pipe.writeEnd().configureBlocking(true);
                Callable<Integer> write = () -> pipe.writeEnd().write(ByteBuffer.allocate(1));
                Blocked<Integer> writer = virtual ? Blocked.onVirtualThread(write) : Blocked.onPlatformThread(write);
                writer.thread().interrupt();
                assertInstanceOf(ClosedByInterruptException.class, writer.failure(), "virtual: " + virtual);
                assertFalse(pipe.writeEnd().isOpen());
            }
        }
    }

    @Test
    @Timeout(300)
    void tenThousandOpenCloseCyclesLeakNoDescriptor() throws Exception {
        int before = Leaks.descriptorCount();
        ByteBuffer direct = ByteBuffer.allocateDirect(1);
        for (int i = 0; i < 10_000; i++) {
            try (Pipe pipe = Pipe.open()) {
                if (i % 10 == 0) {
                    // Every tenth pipe moves a byte through the heap path (native buffer allocated and freed).
                    pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {(byte) i}));
                    ByteBuffer b = ByteBuffer.allocate(1);
                    assertEquals(1, pipe.readEnd().read(b));
                    assertEquals((byte) i, b.get(0));
                } else {
                    pipe.writeEnd().write(direct.clear());
                    assertEquals(1, pipe.readEnd().read(direct.clear()));
                }
                if (i % 2 == 0) {
                    pipe.readEnd().close();
                }
            }
        }
        assertEquals(before, Leaks.descriptorCount());
    }

    // ---- helpers ----

    private static byte[] expectedPatternDigest(long total, long seed) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[PipeChildren.PATTERN_CHUNK];
        for (long left = total; left > 0; left -= chunk.length) {
            PipeChildren.pattern(random, chunk);
            md.update(chunk, 0, (int) Math.min(left, chunk.length));
        }
        return md.digest();
    }

    private static int descriptorOf(Path file) throws Exception {
        for (String fd : Leaks.descriptors()) {
            try {
                if (Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).equals(file.toRealPath())) {
                    return Integer.parseInt(fd);
                }
            } catch (Exception e) {
                // Gone while we looked.
            }
        }
        throw new AssertionError("no descriptor for " + file);
    }

    // A "go" pipe to release a waiting shell child at a moment the test chooses.
    private Pipe go;

    private int goSignal() throws IpcException {
        go = Pipe.open();
        return go.readEnd().fd();
    }

    private void releaseGoSignal() throws Exception {
        go.writeEnd().write(ByteBuffer.wrap("go\n".getBytes(StandardCharsets.US_ASCII)));
    }

    private void closeGoSignal() {
        if (go != null) {
            go.close();
        }
    }
}
