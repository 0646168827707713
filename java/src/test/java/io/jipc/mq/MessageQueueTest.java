package io.jipc.mq;

import io.jipc.posix.Poll;

import io.jipc.IpcException;
import io.jipc.posix.Fds;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;
import io.jipc.testing.Blocked;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class MessageQueueTest {
    /** Generous: "promptly" on a loaded 2-core machine. */
    private static final long PROMPT_NANOS = 5_000_000_000L;
    private static final String PREFIX = "jipc-test-mq-" + ProcessHandle.current().pid() + "-";

    private final List<String> names = new ArrayList<>();

    private String newName() {
        String n = Leaks.uniqueName("mq");
        names.add(n);
        return n;
    }

    /** Every test removes what it made; a queue still here is a test (or library) bug. */
    @AfterEach
    void nothingLeftBehind() throws IpcException {
        List<String> left = new ArrayList<>();
        for (String n : names) {
            if (MessageQueue.unlink(n)) {
                left.add(n);
            }
        }
        assertEquals(List.of(), left, "queues left behind");
        MqNamespace.listStartingWith(PREFIX).ifPresent(s -> assertEquals(Set.of(), s, "queues in the namespace"));
    }

    /** One thread serves a queue and a pipe: a Poller waits on both, and says which is ready. */
    @Test
    void aQueueAndAPipeWaitInOnePoller() throws Exception {
        String name = newName();
        try (MessageQueue q = MessageQueue.create(name, 2, 64);
             io.jipc.pipe.Pipe p = io.jipc.pipe.Pipe.open();
             io.jipc.poll.Poller poller = new io.jipc.poll.Poller()) {
            io.jipc.poll.Poller.Key kq = poller.register(q, io.jipc.poll.Event.READABLE);
            io.jipc.poll.Poller.Key kp = poller.register(p.readEnd(), io.jipc.poll.Event.READABLE);
            assertEquals(0, poller.await(Duration.ofMillis(20)));
            assertTrue(q.trySend(bytes("ready"), 3));
            assertEquals(1, poller.await(Duration.ofSeconds(10)));
            assertTrue(kq.isReadable());
            assertFalse(kp.isReadable());
            assertEquals("ready", text(q.tryReceive().orElseThrow()));
            assertEquals(0, poller.poll());
            // Writable means room: a full queue is not writable.
            kq.interest(java.util.EnumSet.of(io.jipc.poll.Event.WRITABLE));
            assertEquals(1, poller.poll());
            assertTrue(q.trySend(bytes("a"), 0) && q.trySend(bytes("b"), 0));
            assertEquals(0, poller.poll());
        } finally {
            names.remove(name);
            MessageQueue.unlink(name);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Message m) {
        return new String(m.bytes(), StandardCharsets.UTF_8);
    }

    // ---- life cycle ----

    @Test
    void createOpenUnlinkAndAttributes() throws Exception {
        String name = newName();
        try (MessageQueue a = MessageQueue.create(name, 5, 100)) {
            assertEquals(5, a.maxMessages());
            assertEquals(100, a.maxMessageSize());
            // jipc opens every queue O_NONBLOCK: its tries never sleep in the kernel, its waits are polls.
            assertEquals(new MessageQueue.Attributes(5, 100, 0, true), a.attributes());
            try (MessageQueue b = MessageQueue.open(name)) {
                assertEquals(5, b.maxMessages());
                assertEquals(100, b.maxMessageSize());
                a.send(bytes("x"), 1);
                assertEquals(1, b.attributes().currentMessages());
                assertEquals("x", text(b.receive()));
            }
            assertTrue(MessageQueue.unlink(name));
            assertFalse(MessageQueue.unlink(name));
            // The open descriptor still works after the name is gone.
            assertTrue(a.trySend(bytes("y"), 0));
            assertEquals("y", text(a.tryReceive().orElseThrow()));
        }
    }

    @Test
    void exclusiveCreateAndOpenReportWhyTheyFailed() throws Exception {
        String name = newName();
        IpcException missing = assertThrows(IpcException.class, () -> MessageQueue.open(name));
        assertEquals(IpcException.Reason.DOES_NOT_EXIST, missing.reason());
        assertEquals("ENOENT", missing.errnoName());
        assertTrue(missing.getMessage().contains(name), missing.getMessage());
        try (MessageQueue q = MessageQueue.create(name, 2, 8)) {
            IpcException taken = assertThrows(IpcException.class, () -> MessageQueue.create(name, 2, 8));
            assertEquals(IpcException.Reason.ALREADY_EXISTS, taken.reason());
        } finally {
            MessageQueue.unlink(name);
        }
    }

    @Test
    void openChecksTheSizesAsMinimumsAndOpenOrCreateReusesTheQueue() throws Exception {
        String name = newName();
        try (MessageQueue created = MessageQueue.openOrCreate(name, 4, 64);
             MessageQueue opened = MessageQueue.openOrCreate(name, 2, 16)) {
            assertEquals(4, opened.maxMessages());
            assertEquals(64, opened.maxMessageSize());
            created.send(bytes("same"), 0);
            assertEquals("same", text(opened.receive()));
            try (MessageQueue fits = MessageQueue.builder(name).maxMessages(4).maxMessageSize(64).open()) {
                assertEquals(64, fits.maxMessageSize());
            }
            IpcException tooFew = assertThrows(IpcException.class,
                    () -> MessageQueue.builder(name).maxMessages(5).open());
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, tooFew.reason());
            IpcException tooSmall = assertThrows(IpcException.class,
                    () -> MessageQueue.openOrCreate(name, 4, 65));
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, tooSmall.reason());
            assertTrue(tooSmall.getMessage().contains("64 bytes") && tooSmall.getMessage().contains("65"),
                    tooSmall.getMessage());
        } finally {
            MessageQueue.unlink(name);
        }
    }

    @Test
    void createdQueuesAreMode0600UnlessAskedAndCloseOnExec() throws Exception {
        String plain = newName();
        String shared = newName();
        try (MessageQueue a = MessageQueue.create(plain, 1, 8);
             MessageQueue b = MessageQueue.builder(shared).maxMessages(1).maxMessageSize(8).mode(0662).create()) {
            assertEquals(0600, Fds.fstat(a.fd(), "fstat", plain).mode() & 0777);
            assertEquals(0662, Fds.fstat(b.fd(), "fstat", shared).mode() & 0777);
            for (MessageQueue q : List.of(a, b)) {
                int flags = Fds.fcntl(q.fd(), Fds.F_GETFD, 0);
                assertTrue(flags >= 0 && (flags & Fds.FD_CLOEXEC) != 0, "not close-on-exec: " + flags);
            }
        } finally {
            MessageQueue.unlink(plain);
            MessageQueue.unlink(shared);
        }
    }

    @Test
    void closeIsIdempotentAndEverythingAfterItIsIllegalState() throws Exception {
        String name = newName();
        MessageQueue q = MessageQueue.create(name, 2, 16);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16);
            q.close();
            q.close();
            assertFalse(q.isOpen());
            List<Executable> uses = List.of(
                    () -> q.send(bytes("a"), 0), () -> q.trySend(bytes("a"), 0),
                    () -> q.send(bytes("a"), 0, Duration.ofMillis(1)),
                    () -> q.send(ByteBuffer.wrap(bytes("a")), 0), () -> q.trySend(buf, 0),
                    q::receive, q::tryReceive, () -> q.receive(Duration.ofMillis(1)),
                    () -> q.receive(buf), () -> q.tryReceive(buf), () -> q.receive(buf, Duration.ZERO),
                    q::attributes, q::fd);
            for (Executable use : uses) {
                assertThrows(IllegalStateException.class, use);
            }
            assertTrue(q.toString().contains("closed"), q.toString());
        } finally {
            MessageQueue.unlink(name);
        }
    }

    /**
     * Close under a blocked receive: the receiver wakes with AsynchronousCloseException, on a
     * platform thread (asleep in poll) and on a virtual one (parked), and the descriptor goes
     * when it has left.
     */
    @Test
    @Timeout(120)
    void closeWakesABlockedReceiverWithAsynchronousCloseException() throws Exception {
        for (boolean virtual : new boolean[] {false, true}) {
            String name = newName();
            try (MessageQueue q = MessageQueue.create(name, 2, 16)) {
                Blocked<Message> receiver = virtual ? Blocked.onVirtualThread(q::receive)
                        : Blocked.onPlatformThread(q::receive);
                q.close();
                assertInstanceOf(AsynchronousCloseException.class, receiver.failure(), "virtual: " + virtual);
                assertFalse(q.isOpen());
                assertThrows(IllegalStateException.class, q::fd);
            } finally {
                MessageQueue.unlink(name);
            }
        }
    }

    /** Close under a blocked send (a full queue) wakes the sender the same way. */
    @Test
    @Timeout(60)
    void closeWakesABlockedSender() throws Exception {
        String name = newName();
        try (MessageQueue q = MessageQueue.create(name, 1, 16)) {
            q.send(bytes("fill"), 0);
            Blocked<Void> sender = Blocked.onPlatformThread(() -> {
                q.send(bytes("more"), 0);
                return null;
            });
            q.close();
            assertInstanceOf(AsynchronousCloseException.class, sender.failure());
        } finally {
            MessageQueue.unlink(name);
        }
    }

    /**
     * receiveInterruptibly ends on an interrupt with InterruptedException (flag cleared), and
     * the queue stays usable; receive() ignores it, takes the next message and keeps the flag.
     */
    @Test
    @Timeout(120)
    void interruptsEndOnlyTheInterruptibleReceive() throws Exception {
        String name = newName();
        try (MessageQueue q = MessageQueue.create(name, 2, 16)) {
            for (boolean virtual : new boolean[] {false, true}) {
                Blocked<Message> interruptible = virtual ? Blocked.onVirtualThread(q::receiveInterruptibly)
                        : Blocked.onPlatformThread(q::receiveInterruptibly);
                interruptible.thread().interrupt();
                assertInstanceOf(InterruptedException.class, interruptible.failure(), "virtual: " + virtual);
                assertFalse(interruptible.endedInterrupted());

                Blocked<Message> plain = virtual ? Blocked.onVirtualThread(q::receive)
                        : Blocked.onPlatformThread(q::receive);
                plain.thread().interrupt();
                Thread.sleep(100);
                assertTrue(plain.stillWaiting(), "an interrupt ended receive()");
                q.send(bytes("after"), 0);
                assertEquals("after", text(plain.result()));
                assertTrue(plain.endedInterrupted(), "receive() lost the interrupt");
            }
            assertTrue(q.isOpen());
        } finally {
            MessageQueue.unlink(name);
        }
    }

    /**
     * The hot-loop calls keep their promise: once warm, sending from and receiving into native
     * segments, in all three modes, allocates nothing on the Java heap.
     */
    @Test
    void segmentSendsAndReceivesAllocateNothing() throws Exception {
        String name = newName();
        // By reflection: test code is compiled into module io.jipc, which does not read jdk.management.
        Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        java.lang.reflect.Method allocatedBytes = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getCurrentThreadAllocatedBytes");
        try (MessageQueue q = MessageQueue.create(name, 4, 64); Arena arena = Arena.ofConfined()) {
            MemorySegment msg = arena.allocate(64);
            MemorySegment into = arena.allocate(64);
            Duration wait = Duration.ofSeconds(5);
            // "Once warm": the JIT needs a while on a busy machine, so look for a window of
            // rounds that allocates nothing; code that allocates per call never has one.
            List<Long> windows = new ArrayList<>();
            int rounds = 5_000;
            for (int w = 0; w < 30; w++) {
                long before = (long) allocatedBytes.invoke(threads);
                long checksum = 0;
                for (int i = 0; i < rounds; i++) {
                    msg.set(ValueLayout.JAVA_INT, 0, i);
                    q.send(msg, 1);
                    q.trySend(msg, 2);
                    q.send(msg, 3, wait);
                    checksum += Received.priority(q.receive(into));
                    checksum += Received.priority(q.tryReceive(into));
                    checksum += Received.length(q.receive(into, wait));
                    checksum += q.tryReceive(into) == Received.NOTHING ? 1 : 0;
                }
                long allocated = (long) allocatedBytes.invoke(threads) - before;
                assertEquals((long) rounds * (3 + 2 + 64 + 1), checksum);
                windows.add(allocated);
                // A little slack for incidental JVM work on this thread.
                if (allocated < 256) {
                    return;
                }
            }
            fail("bytes allocated per window of " + rounds + " rounds: " + windows);
        } finally {
            MessageQueue.unlink(name);
        }
    }

    /** Several threads in all three modes on one queue: each message arrives exactly once. */
    @Test
    @Timeout(120)
    void threadsMixingModesLoseAndDuplicateNothing() throws Exception {
        String name = newName();
        int perSender = 5_000;
        int senders = 3;
        try (MessageQueue q = MessageQueue.create(name, 10, 8)) {
            Set<Long> seen = ConcurrentHashMap.newKeySet();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch received = new CountDownLatch(senders * perSender);
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int id = s;
                threads.add(Thread.ofPlatform().start(() -> run(failure, () -> {
                    ByteBuffer b = ByteBuffer.allocate(8);
                    for (int i = 0; i < perSender; i++) {
                        b.clear().putLong((long) id << 32 | i).flip();
                        switch (i % 3) {
                            case 0 -> q.send(b, i % 7);
                            case 1 -> {
                                while (!q.trySend(b, i % 7)) {
                                    Thread.onSpinWait();
                                }
                            }
                            default -> {
                                while (!q.send(b, i % 7, Duration.ofMillis(5))) {
                                    Thread.onSpinWait();
                                }
                            }
                        }
                    }
                })));
            }
            for (int r = 0; r < 2; r++) {
                int mode = r;
                Thread t = Thread.ofPlatform().daemon().start(() -> run(failure, () -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment into = arena.allocate(8);
                        while (received.getCount() > 0) {
                            long v;
                            if (mode == 0) {
                                Optional<Message> m = q.receive(Duration.ofMillis(20));
                                if (m.isEmpty()) {
                                    continue;
                                }
                                v = ByteBuffer.wrap(m.get().bytes()).getLong();
                            } else {
                                long p = q.tryReceive(into);
                                if (p == Received.NOTHING) {
                                    Thread.onSpinWait();
                                    continue;
                                }
                                assertEquals(8, Received.length(p));
                                v = into.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0);
                            }
                            if (!seen.add(v)) {
                                throw new AssertionError("received twice: " + Long.toHexString(v));
                            }
                            received.countDown();
                        }
                    }
                }));
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join(110_000);
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(senders * perSender, seen.size());
        } finally {
            MessageQueue.unlink(name);
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void run(AtomicReference<Throwable> failure, Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    // ---- non-blocking and timed paths ----

    @Test
    @Timeout(60)
    void emptyQueueTriesAndTimeoutsReturnNothingPromptly() throws Exception {
        String name = newName();
        try (MessageQueue q = MessageQueue.create(name, 2, 16); Arena arena = Arena.ofConfined()) {
            MemorySegment into = arena.allocate(16);
            into.fill((byte) 7);
            assertPrompt(() -> assertEquals(Optional.empty(), q.tryReceive()));
            assertPrompt(() -> assertEquals(Received.NOTHING, q.tryReceive(into)));
            assertPrompt(() -> assertEquals(Optional.empty(), q.receive(Duration.ZERO)));
            assertPrompt(() -> assertEquals(Optional.empty(), q.receive(Duration.ofSeconds(-5))));
            assertPrompt(() -> assertEquals(Received.NOTHING, q.receive(into, Duration.ZERO)));
            assertWaitsAbout(Duration.ofMillis(200), () -> assertEquals(Optional.empty(), q.receive(Duration.ofMillis(200))));
            assertWaitsAbout(Duration.ofMillis(150), () -> assertEquals(Received.NOTHING, q.receive(into, Duration.ofMillis(150))));
            byte[] sevens = new byte[16];
            Arrays.fill(sevens, (byte) 7);
            assertArrayEquals(sevens, into.toArray(ValueLayout.JAVA_BYTE), "an empty receive wrote into the buffer");
        } finally {
            MessageQueue.unlink(name);
        }
    }

    @Test
    @Timeout(60)
    void fullQueueTriesAndTimeoutsReturnFalsePromptly() throws Exception {
        String name = newName();
        try (MessageQueue q = MessageQueue.create(name, 2, 16); Arena arena = Arena.ofConfined()) {
            assertTrue(q.trySend(bytes("1"), 0));
            assertTrue(q.send(bytes("2"), 0, Duration.ofSeconds(1)));
            ByteBuffer buffer = ByteBuffer.wrap(bytes("3"));
            MemorySegment seg = arena.allocate(4);
            assertPrompt(() -> assertFalse(q.trySend(bytes("3"), 0)));
            assertPrompt(() -> assertFalse(q.trySend(buffer, 0)));
            assertEquals(0, buffer.position(), "a failed send must not consume the buffer");
            assertPrompt(() -> assertFalse(q.trySend(seg, 0)));
            assertPrompt(() -> assertFalse(q.send(bytes("3"), 0, Duration.ZERO)));
            assertWaitsAbout(Duration.ofMillis(200), () -> assertFalse(q.send(bytes("3"), 0, Duration.ofMillis(200))));
            assertWaitsAbout(Duration.ofMillis(100), () -> assertFalse(q.send(buffer, 0, Duration.ofMillis(100))));
            assertEquals(0, buffer.position());
            assertWaitsAbout(Duration.ofMillis(100), () -> assertFalse(q.send(seg, 0, Duration.ofMillis(100))));
            assertEquals(2, q.attributes().currentMessages());
            assertEquals("1", text(q.receive()));
            assertTrue(q.trySend(buffer, 0));
            assertEquals(1, buffer.position());
        } finally {
            MessageQueue.unlink(name);
        }
    }

    /** A timed receive that gets a message sent while it waits returns it, well before its timeout. */
    @Test
    @Timeout(60)
    void timedReceiveReturnsAsSoonAsAMessageComes() throws Exception {
        String name = newName();
        try (MessageQueue q = MessageQueue.create(name, 2, 16)) {
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                    q.send(bytes("late"), 3);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long t0 = System.nanoTime();
            Optional<Message> m = q.receive(Duration.ofSeconds(40));
            long waited = System.nanoTime() - t0;
            sender.join();
            assertEquals(new Message(bytes("late"), 3), m.orElseThrow());
            assertTrue(waited < 30_000_000_000L, "waited for the timeout instead of the message");
        } finally {
            MessageQueue.unlink(name);
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void assertPrompt(Step step) throws Exception {
        long t0 = System.nanoTime();
        step.run();
        long took = System.nanoTime() - t0;
        assertTrue(took < PROMPT_NANOS, "took " + took / 1_000_000 + " ms");
    }

    private static void assertWaitsAbout(Duration timeout, Step step) throws Exception {
        long t0 = System.nanoTime();
        step.run();
        long took = System.nanoTime() - t0;
        // The kernel's timer may end a few microseconds early in monotonic terms; allow 1 ms.
        assertTrue(took >= timeout.toNanos() - 1_000_000, "gave up after " + took / 1_000 + " us");
        assertTrue(took < timeout.toNanos() + PROMPT_NANOS, "took " + took / 1_000_000 + " ms");
    }

    // ---- readiness ----

    @Test
    void theDescriptorPollsReadableWithAMessageAndWritableWithRoom() throws Exception {
        String name = newName();
        try (MessageQueue q = MessageQueue.create(name, 1, 8)) {
            assertEquals(Poll.POLLOUT, poll(q.fd()));
            q.send(bytes("m"), 0);
            assertEquals(Poll.POLLIN, poll(q.fd()));
            q.receive();
            assertEquals(Poll.POLLOUT, poll(q.fd()));
        } finally {
            MessageQueue.unlink(name);
        }
    }

    private static int poll(int fd) {
        int r = Poll.one(fd, Poll.POLLIN | Poll.POLLOUT, 0);
        assertTrue(r >= 0, "poll: " + r);
        return r;
    }

    // ---- bad input ----

    @Test
    void badSizesAndPrioritiesAreIllegalArgumentsNamingTheNumbers() throws Exception {
        String name = newName();
        try (MessageQueue q = MessageQueue.create(name, 2, 16); Arena arena = Arena.ofConfined()) {
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> q.send(new byte[17], 0));
            assertTrue(tooLong.getMessage().contains("17 bytes") && tooLong.getMessage().contains("16 bytes"),
                    tooLong.getMessage());
            assertThrows(IllegalArgumentException.class, () -> q.trySend(ByteBuffer.allocateDirect(17), 0));
            assertThrows(IllegalArgumentException.class, () -> q.send(arena.allocate(100), 0, Duration.ZERO));
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> q.send(new byte[1], -1));
            assertTrue(negative.getMessage().contains("-1") && negative.getMessage().contains("32767"),
                    negative.getMessage());
            assertThrows(IllegalArgumentException.class, () -> q.trySend(new byte[1], MessageQueue.maxPriority() + 1));
            assertEquals(32767, MessageQueue.maxPriority());

            IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                    () -> q.receive(arena.allocate(15)));
            assertTrue(small.getMessage().contains("15 bytes") && small.getMessage().contains("16 bytes"),
                    small.getMessage());
            assertThrows(IllegalArgumentException.class, () -> q.tryReceive(arena.allocate(16).asReadOnly()));
            assertThrows(IllegalArgumentException.class, () -> Received.length(Received.NOTHING));
            assertEquals(0, q.attributes().currentMessages(), "a refused send reached the queue");
        } finally {
            MessageQueue.unlink(name);
        }
    }

    @Test
    void badNamesAndBuilderValuesFailBeforeAnyCall() throws Exception {
        for (String bad : new String[] {"noslash", "/", "/a/b", "/" + "x".repeat(256), null}) {
            assertThrows(IllegalArgumentException.class, () -> MessageQueue.create(bad, 1, 8), bad);
            assertThrows(IllegalArgumentException.class, () -> MessageQueue.unlink(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> MessageQueue.builder("/q").maxMessages(0));
        assertThrows(IllegalArgumentException.class, () -> MessageQueue.builder("/q").maxMessages(65_537));
        assertThrows(IllegalArgumentException.class, () -> MessageQueue.builder("/q").maxMessageSize(0));
        assertThrows(IllegalArgumentException.class,
                () -> MessageQueue.builder("/q").maxMessageSize(16 * 1024 * 1024 + 1));
        assertThrows(IllegalArgumentException.class, () -> MessageQueue.builder("/q").mode(01600));
        assertThrows(IllegalStateException.class, () -> MessageQueue.builder("/q").maxMessages(1).create());

        // 255 bytes after the slash is the longest name, and it works.
        String longest = "/" + PREFIX + "x".repeat(255 - PREFIX.length());
        names.add(longest);
        try (MessageQueue q = MessageQueue.create(longest, 1, 1)) {
            assertTrue(q.trySend(new byte[1], 0));
        } finally {
            MessageQueue.unlink(longest);
        }
    }

    /**
     * Sizes above /proc/sys/fs/mqueue/msg_max or msgsize_max: refused with a message naming the
     * file, unless this process has CAP_SYS_RESOURCE, which lets it go beyond.
     */
    @Test
    void sizesAboveTheSysctlLimitsNameTheFile() throws Exception {
        boolean mayExceed = hasCapSysResource();
        for (String file : List.of(MSG_MAX, MSGSIZE_MAX)) {
            long limit = sysctl(file);
            String name = newName();
            IpcException error = null;
            try {
                (file.equals(MSG_MAX) ? MessageQueue.create(name, (int) limit + 1, 8)
                        : MessageQueue.create(name, 1, (int) limit + 1)).close();
            } catch (IpcException e) {
                error = e;
            } finally {
                MessageQueue.unlink(name);
            }
            if (mayExceed) {
                if (error != null) {
                    throw error;
                }
                continue;
            }
            assertTrue(error != null, "created a queue beyond " + file + " (" + limit + ") without CAP_SYS_RESOURCE");
            assertEquals(IpcException.Reason.LIMIT_EXCEEDED, error.reason(), error.getMessage());
            assertEquals("EINVAL", error.errnoName());
            assertTrue(error.getMessage().contains(file + " (" + limit + ")")
                    && error.getMessage().contains("CAP_SYS_RESOURCE"), error.getMessage());
        }
    }

    private static final String MSG_MAX = "/proc/sys/fs/mqueue/msg_max";
    private static final String MSGSIZE_MAX = "/proc/sys/fs/mqueue/msgsize_max";

    /**
     * Reads a sysctl number in one read(2): a sysctl file answers a read at a non-zero offset
     * with end-of-file, so Files.readString, which reads 1 byte first, would see "1" for "10".
     */
    private static long sysctl(String file) throws java.io.IOException {
        try (java.io.InputStream in = Files.newInputStream(Path.of(file))) {
            return Long.parseLong(new String(in.readNBytes(64), StandardCharsets.US_ASCII).trim());
        }
    }

    private static boolean hasCapSysResource() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 24)) != 0;
            }
        }
        return false;
    }

    /** Queues of the largest allowed size until the user's RLIMIT_MSGQUEUE runs out: the error says so. */
    @Test
    void runningOutOfQueueMemoryNamesTheLimit() throws Exception {
        List<MessageQueue> open = new ArrayList<>();
        try {
            IpcException failure = null;
            for (int i = 0; i < 300 && failure == null; i++) {
                String name = newName();
                try {
                    open.add(MessageQueue.create(name, (int) sysctl(MSG_MAX), (int) sysctl(MSGSIZE_MAX)));
                } catch (IpcException e) {
                    failure = e;
                }
            }
            if (failure == null) {
                return; // Limits too high to reach here; nothing to check.
            }
            assertEquals(IpcException.Reason.LIMIT_EXCEEDED, failure.reason(), failure.getMessage());
            String expected = switch (failure.errnoName()) {
                case "EMFILE" -> "RLIMIT_MSGQUEUE";
                case "ENOSPC" -> "/proc/sys/fs/mqueue/queues_max";
                default -> throw new AssertionError("unexpected " + failure);
            };
            assertTrue(failure.getMessage().contains(expected), failure.getMessage());
        } finally {
            for (MessageQueue q : open) {
                q.close();
                MessageQueue.unlink(q.name());
            }
        }
    }

    // ---- two processes ----

    /** A child blocks in receive(); it wakes when this process sends, and sees the message and its priority. */
    @Test
    @Timeout(120)
    void aBlockedReceiveInAnotherProcessWakesOnSend() throws Exception {
        String requests = newName();
        String replies = newName();
        Set<Integer> childrenBefore = Leaks.children();
        try (MessageQueue out = MessageQueue.create(requests, 4, 64);
             MessageQueue in = MessageQueue.create(replies, 4, 64);
             ChildProcess child = Spawn.java(MqChildren.class, "wake", requests, replies).start()) {
            Optional<Message> ready = in.receive(Duration.ofSeconds(60));
            assertTrue(ready.isPresent(), "child never said ready: " + child);
            Thread.sleep(300);
            assertTrue(child.isAlive(), "child did not wait for a message");
            out.send(bytes("wake up"), 17);
            Message reply = in.receive(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("no reply"));
            ByteBuffer b = ByteBuffer.wrap(reply.bytes());
            long waitedNanos = b.getLong();
            assertEquals(17, b.getInt());
            byte[] payload = new byte[b.remaining()];
            b.get(payload);
            assertEquals("wake up", new String(payload, StandardCharsets.UTF_8));
            assertTrue(waitedNanos >= 250_000_000L, "child's receive returned after " + waitedNanos + " ns");
            ExitStatus status = child.waitFor();
            assertTrue(status.success(), "child ended with " + status);
        } finally {
            MessageQueue.unlink(requests);
            MessageQueue.unlink(replies);
        }
        assertEquals(childrenBefore, Leaks.children());
    }

    /**
     * Ping-pong of 8-byte messages through two queues between two processes; measured, not
     * asserted (timings on a shared machine are noise). Asserts only that every reply is the
     * request it answers.
     */
    @Test
    @Timeout(300)
    void roundTripBetweenTwoProcesses() throws Exception {
        int warmup = 2_000;
        int iterations = 10_000;
        String requests = newName();
        String replies = newName();
        try (MessageQueue out = MessageQueue.create(requests, 1, 8);
             MessageQueue in = MessageQueue.create(replies, 1, 8);
             Arena arena = Arena.ofConfined();
             ChildProcess child = Spawn.java(MqChildren.class, "echo", requests, replies,
                     Integer.toString(warmup + iterations)).start()) {
            MemorySegment msg = arena.allocate(8);
            MemorySegment reply = arena.allocate(8);
            long[] nanos = new long[iterations];
            for (int i = 0; i < warmup + iterations; i++) {
                msg.set(ValueLayout.JAVA_LONG, 0, i);
                long t0 = System.nanoTime();
                out.send(msg, i & 7);
                long r = in.receive(reply);
                long t1 = System.nanoTime();
                if (i >= warmup) {
                    nanos[i - warmup] = t1 - t0;
                }
                assertEquals(8, Received.length(r));
                assertEquals(i & 7, Received.priority(r));
                assertEquals(i, reply.get(ValueLayout.JAVA_LONG, 0));
            }
            assertTrue(child.waitFor().success());
            Arrays.sort(nanos);
            double mean = Arrays.stream(nanos).average().orElse(0);
            System.out.printf("mq round trip, 8 bytes, 2 processes, %d iterations: median %.1f us, mean %.1f us, "
                            + "p99 %.1f us%n", iterations, nanos[iterations / 2] / 1e3, mean / 1e3,
                    nanos[iterations * 99 / 100] / 1e3);
        } finally {
            MessageQueue.unlink(requests);
            MessageQueue.unlink(replies);
        }
    }
}
