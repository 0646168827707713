package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.testing.Blocked;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The contract every transport keeps: one suite, run once per transport by a subclass that
 * says how to make a receiving end, a sending end joined to it, and a child process that
 * connects to it. What the transports are allowed to do differently is asked of the
 * subclass ({@link #stream()}, {@link #boundEndOutlivesPeers()}), never assumed.
 *
 * <p>Time bounds are generous (the machine is small and shared): a wait must last at least
 * its timeout and end within {@link #PROMPT_NANOS}.
 */
abstract class ChannelContract {
    /** "Promptly", on a loaded 2-core machine. */
    static final long PROMPT_NANOS = 5_000_000_000L;
    static final Duration SHORT = Duration.ofMillis(200);
    /** Small enough that a transport's buffers fill with a modest number of messages. */
    static final int MAX = 8192;

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private Map<String, Integer> descriptorsBefore;
    private Set<Integer> childrenBefore;
    private Set<String> shmBefore;
    private Set<String> queuesBefore;

    // ---- what a transport's subclass provides ----

    /** {@return a receiving end: a bound end, or the creating end of a pipe pair} */
    abstract MessageChannel bind(ChannelOptions options) throws IOException;

    /** {@return a sending end joined to {@code receiver}, in this process} */
    abstract MessageChannel connect(MessageChannel receiver) throws IOException;

    /**
     * Starts a child JVM running {@code ChannelPeer scenario <address> args...} that reaches
     * {@code receiver}; {@code ready}, if not null, is mapped as its descriptor 5.
     */
    abstract ChildProcess startPeer(MessageChannel receiver, Pipe ready, String scenario, String... args)
            throws IOException;

    /** {@return whether ends speak the framed stream protocol (pipe, unix, tcp)} */
    boolean stream() {
        return true;
    }

    /** {@return whether the receiving end is a bound end, which waits for new peers instead of ending} */
    boolean boundEndOutlivesPeers() {
        return true;
    }

    /** {@return whether the receiving end can send (replies) and the sending end receive} */
    boolean duplex() {
        return true;
    }

    /** Names this transport creates in the file system (socket files), checked for leaks. */
    Set<String> namesLeft() {
        return Set.of();
    }

    <T extends AutoCloseable> T track(T c) {
        opened.push(c);
        return c;
    }

    // ---- nothing leaks ----

    /**
     * Makes the JDK open what it keeps open for good (the poller of virtual threads, which a
     * listener's accepting thread uses), so that the per-test comparison sees only channels.
     */
    @BeforeAll
    static void warmUp() throws Exception {
        try (MessageChannel listener = Channels.bind("tcp://:0");
             MessageChannel client = Channels.connect(listener.address(), ChannelOptions.defaults())) {
            client.send(new byte[1]);
            listener.receive(MemorySegment.ofArray(new byte[listener.maxMessageSize()]), Duration.ofSeconds(30));
        }
    }

    @BeforeEach
    void rememberWhatExists() {
        descriptorsBefore = descriptorKinds();
        childrenBefore = Leaks.children();
        shmBefore = ours(Leaks.shmNames());
        queuesBefore = ours(queues());
    }

    /** Other processes on this machine (other test runs) make and remove names too: look at ours only. */
    static Set<String> ours(Set<String> names) {
        String pid = "-" + ProcessHandle.current().pid() + "-";
        return names.stream().filter(n -> n.contains(pid)).collect(java.util.stream.Collectors.toSet());
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        while (!opened.isEmpty()) {
            opened.pop().close();
        }
        assertEquals(childrenBefore, Leaks.children(), "children left behind");
        // A channel closed under a blocked call (by close or an interrupt) is released by the
        // last thread to leave it, which for a virtual thread's wait may be the jipc-waiter
        // thread a moment later: names and descriptors get that moment, a leak never ends.
        long end = System.nanoTime() + PROMPT_NANOS;
        while (!(shmBefore.equals(ours(Leaks.shmNames())) && queuesBefore.equals(ours(queues()))
                && namesLeft().isEmpty()) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertEquals(shmBefore, ours(Leaks.shmNames()), "/dev/shm names left behind");
        assertEquals(queuesBefore, ours(queues()), "message queues left behind");
        assertEquals(Set.of(), namesLeft(), "socket files left behind");
        // Descriptors, compared by kind.
        Map<String, Integer> now = descriptorKinds();
        while (!now.equals(descriptorsBefore) && System.nanoTime() < end) {
            Thread.sleep(20);
            now = descriptorKinds();
        }
        assertEquals(descriptorsBefore, now, "descriptors left open, by kind");
    }

    /** Open descriptors counted by what they are: pipe, socket, anon_inode:[eventpoll], a queue... */
    static Map<String, Integer> descriptorKinds() {
        Map<String, Integer> kinds = new TreeMap<>();
        for (String fd : Leaks.descriptors()) {
            String target;
            try {
                target = Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString();
            } catch (IOException gone) {
                continue; // the listing's own descriptor
            }
            String kind = target.startsWith("pipe:") ? "pipe" : target.startsWith("socket:") ? "socket"
                    : target.startsWith("anon_inode:") ? target
                    : target.startsWith("/") && target.indexOf('/', 1) < 0 ? "queue or root file " + target
                    : null;
            if (kind != null) {
                kinds.merge(kind, 1, Integer::sum);
            }
        }
        return kinds;
    }

    static Set<String> queues() {
        try (Stream<Path> s = Files.list(Path.of("/dev/mqueue"))) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        } catch (IOException e) {
            return Set.of();
        }
    }

    // ---- boundaries and order ----

    @Test
    void messagesKeepTheirOrderAndBoundariesWhateverTheirForm() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        MessageChannel sender = track(connect(receiver));
        assertEquals(MAX, receiver.maxMessageSize());
        assertEquals(MAX, sender.maxMessageSize());
        int count = 300;
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            try (Arena arena = Arena.ofConfined()) {
                for (int i = 0; i < count; i++) {
                    byte[] m = Messages.message(i, MAX);
                    switch (i % 5) {
                        case 0 -> sender.send(m);
                        case 1 -> sender.send(ByteBuffer.wrap(m));
                        case 2 -> sender.send(ByteBuffer.allocateDirect(m.length).put(m).flip());
                        case 3 -> sender.send(arena.allocate(m.length).copyFrom(MemorySegment.ofArray(m)));
                        default -> assertTrue(sender.send(MemorySegment.ofArray(m), Duration.ofSeconds(30)));
                    }
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeBuffer = arena.allocate(MAX);
            MemorySegment heapBuffer = MemorySegment.ofArray(new byte[MAX + 10]);
            for (int i = 0; i < count; i++) {
                byte[] expected = Messages.message(i, MAX);
                int index = i;
                switch (i % 3) {
                    case 0 -> {
                        int n = receiver.receive(nativeBuffer);
                        assertTrue(Messages.equal(expected, nativeBuffer, n), () -> "message " + index + ": "
                                + Messages.describe(expected, nativeBuffer, n));
                    }
                    case 1 -> {
                        int n = receiver.receive(heapBuffer, Duration.ofSeconds(30));
                        assertTrue(Messages.equal(expected, heapBuffer, n), () -> "message " + index + ": "
                                + Messages.describe(expected, heapBuffer, n));
                    }
                    default -> receiver.receive(m -> {
                        assertTrue(m.isReadOnly());
                        assertArrayEquals(expected, m.toArray(ValueLayout.JAVA_BYTE), "message " + index);
                    });
                }
            }
        }
        sending.get(30, TimeUnit.SECONDS);
        assertEquals(MessageChannel.NOTHING, receiver.tryReceive(MemorySegment.ofArray(new byte[MAX])));
    }

    @Test
    void emptyAndMaximumSizeMessagesPassAndLongerOnesAreRefusedBeforeSending() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        MessageChannel sender = track(connect(receiver));
        byte[] full = Messages.message(3, MAX);
        assertEquals(MAX, full.length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sender.send(new byte[MAX + 1]));
        assertTrue(e.getMessage().contains(Integer.toString(MAX + 1)) && e.getMessage().contains(Integer.toString(MAX)),
                e.getMessage());
        ByteBuffer tooLong = ByteBuffer.allocate(MAX + 1);
        assertThrows(IllegalArgumentException.class, () -> sender.trySend(tooLong));
        assertEquals(0, tooLong.position(), "a refused buffer is not consumed");
        sender.send(new byte[0]);
        sender.send(full);
        sender.send(ByteBuffer.allocate(0));
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        assertEquals(0, receiver.receive(buffer, Duration.ofSeconds(30)));
        int n = receiver.receive(buffer, Duration.ofSeconds(30));
        assertTrue(Messages.equal(full, buffer, n), () -> Messages.describe(full, buffer, n));
        AtomicReference<Long> size = new AtomicReference<>();
        assertTrue(receiver.receive(m -> size.set(m.byteSize()), Duration.ofSeconds(30)));
        assertEquals(0L, size.get());
        assertEquals(MessageChannel.NOTHING, receiver.tryReceive(buffer), "the refused message was never sent");
    }

    @Test
    void aReceiveBufferMustBeWritableAndHoldTheLongestMessage() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        IllegalArgumentException shortBuffer = assertThrows(IllegalArgumentException.class,
                () -> receiver.tryReceive(MemorySegment.ofArray(new byte[MAX - 1])));
        assertTrue(shortBuffer.getMessage().contains(Integer.toString(MAX)), shortBuffer.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> receiver.tryReceive(MemorySegment.ofArray(new byte[MAX]).asReadOnly()));
    }

    @Test
    void sendersInSeveralThreadsNeverInterleaveTheirMessages() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        MessageChannel sender = track(connect(receiver));
        int threads = 4;
        int each = 150;
        List<CompletableFuture<Void>> sending = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            sending.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        // Long messages, so that a frame needs several writes on a stream.
                        byte[] m = Messages.sized(thread * 1000 + i, MAX - i);
                        m[0] = (byte) thread;
                        m[1] = (byte) i;
                        sender.send(m);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        int[] next = new int[threads];
        for (int k = 0; k < threads * each; k++) {
            int n = receiver.receive(buffer, Duration.ofSeconds(30));
            int thread = buffer.get(ValueLayout.JAVA_BYTE, 0);
            int i = next[thread]++;
            assertEquals((byte) i, buffer.get(ValueLayout.JAVA_BYTE, 1), "thread " + thread + "'s order");
            byte[] e = Messages.sized(thread * 1000 + i, MAX - i);
            e[0] = (byte) thread;
            e[1] = (byte) i;
            assertTrue(Messages.equal(e, buffer, n), () -> "thread " + thread + ": " + Messages.describe(e, buffer, n));
        }
        for (CompletableFuture<Void> f : sending) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    // ---- non-blocking, timed, blocking ----

    @Test
    void nonBlockingReceiveOnAnEmptyChannelReturnsAtOnce() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        MessageChannel sender = track(connect(receiver));
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        long t0 = System.nanoTime();
        assertEquals(MessageChannel.NOTHING, receiver.tryReceive(buffer));
        assertFalse(receiver.tryReceive(m -> fail("no message was sent")));
        assertEquals(MessageChannel.NOTHING, receiver.receive(buffer, Duration.ZERO));
        assertEquals(MessageChannel.NOTHING, receiver.receive(buffer, Duration.ofMillis(-5)));
        assertTrue(System.nanoTime() - t0 < PROMPT_NANOS);
        sender.send(new byte[] {42});
        assertEquals(1, receiveSoon(receiver, buffer));
        assertEquals(42, buffer.get(ValueLayout.JAVA_BYTE, 0));
    }

    /** Polls with tryReceive: a message in flight may take a moment to arrive. */
    static int receiveSoon(MessageChannel receiver, MemorySegment buffer) throws Exception {
        long end = System.nanoTime() + PROMPT_NANOS;
        while (System.nanoTime() < end) {
            int n = receiver.tryReceive(buffer);
            if (n != MessageChannel.NOTHING) {
                return n;
            }
            Thread.sleep(1);
        }
        return MessageChannel.NOTHING;
    }

    @Test
    void aTimedReceiveWaitsAtLeastItsTimeout() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        track(connect(receiver));
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        long t0 = System.nanoTime();
        assertEquals(MessageChannel.NOTHING, receiver.receive(buffer, SHORT));
        long waited = System.nanoTime() - t0;
        assertTrue(waited >= SHORT.toNanos() && waited < PROMPT_NANOS, "waited " + waited + " ns");
        t0 = System.nanoTime();
        assertFalse(receiver.receive(m -> fail("no message was sent"), SHORT));
        waited = System.nanoTime() - t0;
        assertTrue(waited >= SHORT.toNanos() && waited < PROMPT_NANOS, "waited " + waited + " ns");
    }

    @Test
    void aBlockingReceiveWaitsForTheMessage() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        MessageChannel sender = track(connect(receiver));
        CompletableFuture<Void> late = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(SHORT.toMillis());
                sender.send(new byte[] {1, 2, 3});
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        long t0 = System.nanoTime();
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        assertEquals(3, receiver.receive(buffer));
        long waited = System.nanoTime() - t0;
        assertTrue(waited >= SHORT.toNanos() / 2 && waited < PROMPT_NANOS, "waited " + waited + " ns");
        late.get(PROMPT_NANOS, TimeUnit.NANOSECONDS);
    }

    // ---- interrupts: a channel is an InterruptibleChannel ----

    /** Whether the transport waits in jipc's wait loop, where {@link Blocked#isAsleep} sees it asleep. */
    boolean waitsInJipc() {
        return true;
    }

    /** A call started on its own thread, once it waits. */
    final class Waiting<T> {
        private final FutureTask<T> task;
        private final Thread thread;
        private volatile boolean interruptedAtEnd;

        Waiting(Thread.Builder builder, Callable<T> call) throws InterruptedException {
            task = new FutureTask<>(() -> {
                try {
                    return call.call();
                } finally {
                    interruptedAtEnd = Thread.currentThread().isInterrupted();
                }
            });
            thread = builder.start(task);
            if (waitsInJipc()) {
                long end = System.nanoTime() + Blocked.HANG.toNanos();
                while (!Blocked.isAsleep(thread)) {
                    assertFalse(task.isDone() || System.nanoTime() > end, thread + " never fell asleep in a jipc wait");
                    Thread.sleep(5);
                }
            } else {
                Thread.sleep(SHORT.toMillis()); // a transport with waits of its own: give it time to start waiting
            }
            assertFalse(task.isDone(), "the call did not wait");
        }

        /** {@return what the call threw} */
        Throwable failure() throws Exception {
            try {
                T r = task.get(Blocked.HANG.toSeconds(), TimeUnit.SECONDS);
                return fail("the call returned " + r + " instead of failing");
            } catch (ExecutionException e) {
                return e.getCause();
            }
        }
    }

    private void interruptEndsAReceive(Thread.Builder builder) throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        MessageChannel sender = track(connect(receiver));
        Waiting<Integer> w = new Waiting<>(builder, () -> receiver.receive(MemorySegment.ofArray(new byte[MAX])));
        w.thread.interrupt();
        assertInstanceOf(ClosedByInterruptException.class, w.failure());
        assertTrue(w.interruptedAtEnd, "the interrupt status stays set");
        assertFalse(receiver.isOpen(), "the interrupt closed the channel");
        assertThrows(IllegalStateException.class, () -> receiver.tryReceive(MemorySegment.ofArray(new byte[MAX])));
        assertTrue(sender.isOpen());
    }

    @Test
    void anInterruptClosesTheChannelAndEndsAReceiveOnAPlatformThread() throws Exception {
        interruptEndsAReceive(Thread.ofPlatform());
    }

    @Test
    void anInterruptClosesTheChannelAndEndsAReceiveOnAVirtualThread() throws Exception {
        interruptEndsAReceive(Thread.ofVirtual());
    }

    private void interruptEndsASend(Thread.Builder builder) throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX).capacity(8)));
        MessageChannel sender = track(connect(receiver));
        fill(sender);
        Waiting<Void> w = new Waiting<>(builder, () -> {
            // TCP may take one or two more; one of these sends is waiting when the interrupt comes.
            while (true) {
                sender.send(Messages.sized(-1, MAX));
            }
        });
        w.thread.interrupt();
        assertInstanceOf(ClosedByInterruptException.class, w.failure());
        assertTrue(w.interruptedAtEnd, "the interrupt status stays set");
        assertFalse(sender.isOpen(), "the interrupt closed the channel");
    }

    @Test
    void anInterruptClosesTheChannelAndEndsASendOnAPlatformThread() throws Exception {
        interruptEndsASend(Thread.ofPlatform());
    }

    @Test
    void anInterruptClosesTheChannelAndEndsASendOnAVirtualThread() throws Exception {
        interruptEndsASend(Thread.ofVirtual());
    }

    @Test
    void anInterruptClosesTheChannelAndEndsATimedReceive() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        track(connect(receiver));
        Waiting<Integer> w = new Waiting<>(Thread.ofPlatform(),
                () -> receiver.receive(MemorySegment.ofArray(new byte[MAX]), Blocked.HANG));
        w.thread.interrupt();
        assertInstanceOf(ClosedByInterruptException.class, w.failure());
        assertFalse(receiver.isOpen());
    }

    @Test
    void aNonBlockingCallIgnoresTheInterruptStatus() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        track(connect(receiver));
        Thread.currentThread().interrupt();
        try {
            assertEquals(MessageChannel.NOTHING, receiver.tryReceive(MemorySegment.ofArray(new byte[MAX])));
            assertTrue(receiver.isOpen());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
        } finally {
            Thread.interrupted();
        }
    }

    /**
     * Fills the channel with non-blocking sends of maximum-size messages until it stays full:
     * a TCP connection on loopback goes on moving bytes into the receiver's (growing) buffer
     * for a moment after a send found no room. A stream that is full for a maximum-size
     * message may still take a short one. {@return the messages it took}
     */
    static List<byte[]> fill(MessageChannel sender) throws Exception {
        List<byte[]> accepted = new ArrayList<>();
        int quietRounds = 0;
        while (quietRounds < 3) {
            int before = accepted.size();
            for (int i = 0; i < 1_000_000; i++) {
                byte[] m = Messages.sized(accepted.size(), MAX);
                if (!sender.trySend(m)) {
                    break;
                }
                accepted.add(m);
            }
            assertTrue(accepted.size() < 1_000_000, "a million messages and still room");
            quietRounds = accepted.size() == before ? quietRounds + 1 : 0;
            Thread.sleep(50);
        }
        return accepted;
    }

    /** Receives {@code expected} in order; the sender may hold the last one's tail until it sends again. */
    static void drain(MessageChannel receiver, MessageChannel sender, List<byte[]> expected) throws Exception {
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        CompletableFuture<Void> marker = CompletableFuture.runAsync(() -> {
            try {
                sender.send(new byte[] {'e', 'n', 'd'});
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        for (int i = 0; i < expected.size(); i++) {
            int n = receiver.receive(buffer, Duration.ofSeconds(30));
            byte[] e = expected.get(i);
            int index = i;
            assertTrue(Messages.equal(e, buffer, n), () -> "message " + index + " of " + expected.size() + ": "
                    + Messages.describe(e, buffer, n));
        }
        assertEquals(3, receiver.receive(buffer, Duration.ofSeconds(30)));
        marker.get(30, TimeUnit.SECONDS);
    }

    /**
     * Sends maximum-size messages without waiting until one is refused. TCP may make room at
     * any moment (the receiving kernel compacts what it holds), so "full" is a state of one
     * instant: the refused attempt is what counts. Each attempt must return promptly.
     */
    static void refusedSoon(MessageChannel sender, List<byte[]> accepted) throws Exception {
        for (int attempt = 0; attempt < 1000; attempt++) {
            byte[] m = Messages.sized(accepted.size(), MAX);
            long t0 = System.nanoTime();
            boolean sent = attempt % 2 == 0 ? sender.trySend(m) : sender.send(ByteBuffer.wrap(m), Duration.ZERO);
            assertTrue(System.nanoTime() - t0 < PROMPT_NANOS, "a non-blocking send returned promptly");
            if (!sent) {
                return;
            }
            accepted.add(m);
            Thread.sleep(10);
        }
        fail("a full channel took a thousand more messages");
    }

    @Test
    void nonBlockingSendsFillTheChannelThenReportNoRoomAndEveryAcceptedMessageArrives() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX).capacity(8)));
        MessageChannel sender = track(connect(receiver));
        List<byte[]> accepted = fill(sender);
        assertFalse(accepted.isEmpty());
        refusedSoon(sender, accepted);
        drain(receiver, sender, accepted);
        assertTrue(sender.trySend(new byte[] {9}), "room again");
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        assertEquals(1, receiver.receive(buffer, Duration.ofSeconds(30)));
    }

    @Test
    void aTimedSendOnAFullChannelWaitsAtLeastItsTimeout() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX).capacity(8)));
        MessageChannel sender = track(connect(receiver));
        List<byte[]> accepted = fill(sender);
        for (int attempt = 0; ; attempt++) {
            assertTrue(attempt < 100, "a full channel took a hundred more messages");
            byte[] m = Messages.sized(accepted.size(), MAX);
            long t0 = System.nanoTime();
            if (!sender.send(m, SHORT)) {
                long waited = System.nanoTime() - t0;
                assertTrue(waited >= SHORT.toNanos() && waited < PROMPT_NANOS, "waited " + waited + " ns");
                break;
            }
            accepted.add(m); // TCP made room meanwhile
        }
        drain(receiver, sender, accepted);
    }

    @Test
    void aBlockingSendWaitsForRoom() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX).capacity(8)));
        MessageChannel sender = track(connect(receiver));
        List<byte[]> accepted = fill(sender);
        // Sends until one waits; the receiver starts taking messages only once one has waited a while.
        CountDownLatch waitedLong = new CountDownLatch(1);
        List<byte[]> sentByThread = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; waitedLong.getCount() > 0; i++) {
                    byte[] m = Messages.sized(1_000_000 + i, MAX);
                    long t0 = System.nanoTime();
                    sender.send(m);
                    sentByThread.add(m);
                    if (System.nanoTime() - t0 >= SHORT.toNanos()) {
                        waitedLong.countDown();
                    }
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        long end = System.nanoTime() + PROMPT_NANOS;
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        List<byte[]> expected = new ArrayList<>(accepted);
        int received = 0;
        // Hold back until a send is caught waiting, then release it by receiving.
        while (waitedLong.getCount() > 0) {
            assertTrue(System.nanoTime() < end + 60_000_000_000L, "no send ever waited");
            Thread.sleep(SHORT.toMillis() * 2);
            if (waitedLong.getCount() > 0) {
                int n = receiver.receive(buffer, Duration.ofSeconds(30));
                byte[] e = received < expected.size() ? expected.get(received) : sentByThread.get(received
                        - expected.size());
                assertTrue(Messages.equal(e, buffer, n), () -> Messages.describe(e, buffer, n));
                received++;
            }
        }
        sending.get(30, TimeUnit.SECONDS);
        expected.addAll(sentByThread);
        for (; received < expected.size(); received++) {
            int n = receiver.receive(buffer, Duration.ofSeconds(30));
            byte[] e = expected.get(received);
            assertTrue(Messages.equal(e, buffer, n), () -> Messages.describe(e, buffer, n));
        }
        assertEquals(MessageChannel.NOTHING, receiver.receive(buffer, SHORT));
    }

    // ---- closing ----

    @Test
    void closeIsIdempotentAndLaterUseIsIllegal() throws Exception {
        MessageChannel receiver = bind(ChannelOptions.defaults().maxMessageSize(MAX));
        MessageChannel sender = connect(receiver);
        assertTrue(receiver.isOpen());
        sender.close();
        sender.close();
        receiver.close();
        receiver.close();
        assertFalse(receiver.isOpen());
        assertFalse(sender.isOpen());
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        assertThrows(IllegalStateException.class, () -> receiver.tryReceive(buffer));
        assertThrows(IllegalStateException.class, () -> sender.trySend(new byte[1]));
        assertEquals(MAX, receiver.maxMessageSize());
    }

    @Test
    void closingWakesAReceiveBlockedInTheSameChannel() throws Exception {
        MessageChannel receiver = bind(ChannelOptions.defaults().maxMessageSize(MAX));
        MessageChannel sender = track(connect(receiver));
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
            started.countDown();
            try {
                receiver.receive(MemorySegment.ofArray(new byte[MAX]));
                fail("nothing was sent");
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        started.await();
        Thread.sleep(SHORT.toMillis());
        long t0 = System.nanoTime();
        receiver.close();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> blocked.get(PROMPT_NANOS, TimeUnit.NANOSECONDS));
        assertInstanceOf(AsynchronousCloseException.class, e.getCause().getCause());
        assertTrue(System.nanoTime() - t0 < PROMPT_NANOS);
        sender.close();
    }

    @Test
    void closingWakesASendBlockedInTheSameChannel() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX).capacity(8)));
        MessageChannel sender = connect(receiver);
        fill(sender);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
            started.countDown();
            try {
                // TCP may take one or two more; one of these sends is waiting when the close comes.
                while (true) {
                    sender.send(Messages.sized(-1, MAX));
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        started.await();
        Thread.sleep(SHORT.toMillis());
        sender.close();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> blocked.get(PROMPT_NANOS, TimeUnit.NANOSECONDS));
        // Blocked in a send: AsynchronousCloseException. Only TCP, which can make room at any
        // moment, may let the close fall between two sends; the next one then finds it closed.
        Throwable cause = e.getCause() instanceof IllegalStateException ? e.getCause() : e.getCause().getCause();
        assertTrue(cause instanceof AsynchronousCloseException || (tcp() && cause instanceof IllegalStateException),
                "ended by " + e.getCause());
    }

    /** {@return whether this is TCP, whose buffers grow and shrink on their own} */
    boolean tcp() {
        return false;
    }

    @Test
    void messagesSentBeforeThePeerClosedAreAllReceivedThenTheChannelEndsOrWaits() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        MessageChannel sender = connect(receiver);
        for (int i = 0; i < 5; i++) {
            sender.send(Messages.message(i, MAX));
        }
        sender.close();
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        for (int i = 0; i < 5; i++) {
            int n = receiver.receive(buffer, Duration.ofSeconds(30));
            byte[] e = Messages.message(i, MAX);
            assertTrue(Messages.equal(e, buffer, n), () -> Messages.describe(e, buffer, n));
        }
        if (boundEndOutlivesPeers()) {
            assertEquals(MessageChannel.NOTHING, receiver.receive(buffer, SHORT), "a bound end waits for new peers");
            assertTrue(receiver.isOpen());
        } else {
            assertThrows(ChannelClosedException.class, () -> receiver.receive(buffer, Duration.ofSeconds(30)));
            assertThrows(ChannelClosedException.class, () -> receiver.tryReceive(buffer), "and stays ended");
        }
    }

    @Test
    void aSendWaitingForRoomEndsWhenTheReceiverCloses() throws Exception {
        MessageChannel receiver = bind(ChannelOptions.defaults().maxMessageSize(MAX).capacity(8));
        MessageChannel sender = track(connect(receiver));
        fill(sender);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
            started.countDown();
            try {
                // A stream may still take a message or two as the receiver's buffers are dropped.
                for (int i = 0; i < 100; i++) {
                    sender.send(Messages.sized(-1, MAX));
                }
                fail("a hundred sends into a channel without receiver");
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        started.await();
        Thread.sleep(SHORT.toMillis());
        receiver.close();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> blocked.get(PROMPT_NANOS, TimeUnit.NANOSECONDS));
        assertInstanceOf(ChannelClosedException.class, e.getCause().getCause());
        assertThrows(ChannelClosedException.class, () -> sender.send(new byte[1], Duration.ofSeconds(30)),
                "and later sends too");
    }

    @Test
    void aReceiveWaitingOnAConnectedEndEndsWhenThePeerCloses() throws Exception {
        Assumptions.assumeTrue(duplex(), "the connected end of this transport cannot receive");
        MessageChannel receiver = bind(ChannelOptions.defaults().maxMessageSize(MAX));
        MessageChannel sender = track(connect(receiver));
        sender.send(new byte[] {1});
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        Peer from = new Peer();
        assertEquals(1, receiver.receive(buffer, from, Duration.ofSeconds(30)));
        from.send(new byte[] {2});
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                MemorySegment b = MemorySegment.ofArray(new byte[MAX]);
                int first = sender.receive(b);
                started.countDown();
                sender.receive(b);
                return first;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(started.await(30, TimeUnit.SECONDS), "the reply arrived");
        Thread.sleep(SHORT.toMillis());
        receiver.close();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> waiting.get(PROMPT_NANOS, TimeUnit.NANOSECONDS));
        assertInstanceOf(ChannelClosedException.class, e.getCause().getCause());
    }

    @Test
    void aBoundEndTakesTurnsBetweenItsPeers() throws Exception {
        Assumptions.assumeTrue(stream() && boundEndOutlivesPeers(), "a listener's fairness");
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        int peers = 3;
        int each = 100;
        List<MessageChannel> senders = new ArrayList<>();
        for (int p = 0; p < peers; p++) {
            MessageChannel s = track(connect(receiver));
            senders.add(s);
        }
        // The listener admits connections asynchronously (a peer's connect returns at the
        // hello, maybe before the receive side has taken the connection in): one message
        // from each peer first, so that fairness is judged among admitted peers only.
        MemorySegment warm = MemorySegment.ofArray(new byte[MAX]);
        for (int p = 0; p < peers; p++) {
            senders.get(p).send(new byte[] {(byte) p});
        }
        for (int p = 0; p < peers; p++) {
            assertEquals(1, receiver.receive(warm, Duration.ofSeconds(30)));
        }
        // Every peer's burst is in flight before the first receive.
        for (int i = 0; i < each; i++) {
            for (int p = 0; p < peers; p++) {
                senders.get(p).send(new byte[] {(byte) p, (byte) i});
            }
        }
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        int[] firstThirty = new int[peers];
        int[] next = new int[peers];
        for (int k = 0; k < peers * each; k++) {
            assertEquals(2, receiver.receive(buffer, Duration.ofSeconds(30)));
            int p = buffer.get(ValueLayout.JAVA_BYTE, 0);
            assertEquals((byte) next[p]++, buffer.get(ValueLayout.JAVA_BYTE, 1), "peer " + p + "'s order");
            if (k < 30) {
                firstThirty[p]++;
            }
        }
        for (int p = 0; p < peers; p++) {
            assertTrue(firstThirty[p] >= 5, "peer " + p + " got " + firstThirty[p] + " of the first 30 turns: "
                    + java.util.Arrays.toString(firstThirty));
        }
    }

    // ---- the in-place receive ----

    @Test
    void aHandlersViewDiesWithTheCallAndAFailingHandlerStillConsumesTheMessage() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        MessageChannel sender = track(connect(receiver));
        sender.send(new byte[] {1, 2, 3});
        sender.send(new byte[] {4});
        sender.send(new byte[] {5});
        AtomicReference<MemorySegment> kept = new AtomicReference<>();
        assertTrue(receiver.receive(m -> {
            kept.set(m);
            assertEquals(3, m.byteSize());
            assertThrows(IllegalArgumentException.class, () -> m.set(ValueLayout.JAVA_BYTE, 0, (byte) 9),
                    "read-only");
        }, Duration.ofSeconds(30)));
        assertThrows(IllegalStateException.class, () -> kept.get().get(ValueLayout.JAVA_BYTE, 0),
                "a view kept past the call cannot be read");
        IOException thrown = assertThrows(IOException.class, () -> receiver.receive(m -> {
            throw new IOException("handler failed");
        }, Duration.ofSeconds(30)));
        assertEquals("handler failed", thrown.getMessage());
        assertThrows(IllegalStateException.class, () -> receiver.receive(m -> receiver.tryReceive(x -> { }),
                Duration.ofSeconds(30)), "a handler may not receive on its own channel");
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        assertEquals(MessageChannel.NOTHING, receiver.receive(buffer, SHORT), "all three were consumed");
    }

    // ---- other processes ----

    @Test
    @Timeout(120)
    void messagesFromAChildProcessArriveWholeAndInOrder() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        int count = 500;
        try (ChildProcess child = startPeer(receiver, null, "send", Integer.toString(count))) {
            MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
            for (int i = 0; i < count; i++) {
                int n = receiver.receive(buffer, Duration.ofSeconds(60));
                byte[] e = Messages.message(i, MAX);
                int index = i;
                assertTrue(Messages.equal(e, buffer, n), () -> "message " + index + ": "
                        + Messages.describe(e, buffer, n));
            }
            assertTrue(child.waitFor().success(), "the child sent everything");
            if (boundEndOutlivesPeers()) {
                assertEquals(MessageChannel.NOTHING, receiver.receive(buffer, SHORT));
            } else {
                assertThrows(ChannelClosedException.class, () -> receiver.receive(buffer, Duration.ofSeconds(30)));
            }
        }
    }

    @Test
    @Timeout(120)
    void aChildProcessGetsRepliesFromTheReceivingEnd() throws Exception {
        Assumptions.assumeTrue(duplex(), "this transport carries one way; two channels make a pair");
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        int count = 200;
        try (ChildProcess child = startPeer(receiver, null, "client-echo", Integer.toString(count));
             Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(MAX);
            Peer from = new Peer();
            for (int i = 0; i < count; i++) {
                int n = receiver.receive(buffer, from, Duration.ofSeconds(60));
                byte[] e = Messages.message(i, MAX);
                int index = i;
                assertTrue(Messages.equal(e, buffer, n), () -> "request " + index + ": "
                        + Messages.describe(e, buffer, n));
                from.send(Messages.reply(i, MAX));
            }
            assertEquals(0, child.waitFor().code(), "every reply reached the child intact");
        }
    }

    @Test
    @Timeout(120)
    void aChildKilledAfterWholeMessagesLeavesThemAll() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX)));
        try (Pipe ready = Pipe.open();
             ChildProcess child = startPeer(receiver, ready, "crash-after", "3")) {
            awaitReady(ready);
            assertTrue(child.kill());
            assertTrue(child.waitFor().signaled());
            MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
            for (int i = 0; i < 3; i++) {
                int n = receiver.receive(buffer, Duration.ofSeconds(30));
                byte[] e = Messages.message(i, MAX);
                assertTrue(Messages.equal(e, buffer, n), () -> Messages.describe(e, buffer, n));
            }
            if (boundEndOutlivesPeers()) {
                assertEquals(MessageChannel.NOTHING, receiver.receive(buffer, SHORT));
            } else {
                assertThrows(ChannelClosedException.class, () -> receiver.receive(buffer, Duration.ofSeconds(30)));
            }
        }
    }

    @Test
    @Timeout(120)
    void aChildKilledInTheMiddleOfAMessageDeliversNoneOfIt() throws Exception {
        Assumptions.assumeTrue(stream(), "only a stream can carry part of a message");
        // Its hello, one whole message "ok", then 10 of 1000 announced bytes.
        String bytes = ChannelPeer.helloHex(MAX) + ChannelPeer.headerHex(2) + "6f6b" + ChannelPeer.headerHex(1000)
                + "00112233445566778899";
        brokenMessage(bytes, "hang", true, "10 of the 1000 bytes");
    }

    @Test
    @Timeout(120)
    void aPeerThatLeavesInTheMiddleOfAMessageDeliversNoneOfIt() throws Exception {
        Assumptions.assumeTrue(stream(), "only a stream can carry part of a message");
        String bytes = ChannelPeer.helloHex(MAX) + ChannelPeer.headerHex(2) + "6f6b" + "0000";
        brokenMessage(bytes, "close", false, "2 of the 4 bytes of a frame header");
    }

    /**
     * A raw child writes {@code hex} (a whole message "ok", then part of another) and then
     * closes or is killed: "ok" is received, then one receive fails with BROKEN_PIPE saying
     * how far the broken message got; then the channel ends or, bound, goes on with others.
     */
    private void brokenMessage(String hex, String then, boolean kill, String howFar) throws Exception {
        LinkedBlockingQueue<IpcException> drops = new LinkedBlockingQueue<>();
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX).onPeerDropped(drops::add)));
        try (Pipe ready = Pipe.open(); ChildProcess child = startPeer(receiver, ready, "raw", hex, then)) {
            awaitReady(ready);
            if (kill) {
                assertTrue(child.kill());
            }
            assertTrue(kill ? child.waitFor().signaled() : child.waitFor().success());
            MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
            assertEquals(2, receiver.receive(buffer, Duration.ofSeconds(30)));
            assertEquals("ok", new String(buffer.asSlice(0, 2).toArray(ValueLayout.JAVA_BYTE)));
            IpcException e = failure(receiver, buffer, drops);
            assertFalse(e instanceof ChannelClosedException, "a broken message is not an orderly end: " + e);
            assertEquals(IpcException.Reason.BROKEN_PIPE, e.reason());
            assertTrue(e.getMessage().contains(howFar), e.getMessage());
            afterADroppedPeer(receiver);
        }
    }

    /**
     * How a receiving end reports a peer that misbehaved: a connected end (one peer) throws it
     * from the next receive; a bound end (many peers) never does: it counts the peer and hands
     * the reason to {@code drops} (its {@link ChannelOptions#onPeerDropped} listener), while the
     * receive just finds no message.
     */
    IpcException failure(MessageChannel receiver, MemorySegment buffer, LinkedBlockingQueue<IpcException> drops)
            throws Exception {
        if (!boundEndOutlivesPeers()) {
            return assertThrows(IpcException.class, () -> receiver.receive(buffer, Duration.ofSeconds(30)));
        }
        long end = System.nanoTime() + PROMPT_NANOS * 6;
        IpcException e = null;
        while (e == null && System.nanoTime() < end) {
            // The receive is what notices the peer's bytes; it must not throw for them.
            assertEquals(MessageChannel.NOTHING, receiver.receive(buffer, SHORT));
            e = drops.poll();
        }
        assertTrue(e != null, "the bound end reported the dropped peer to its listener");
        // Every drop since the channel was made went to the listener (some may come before the receive).
        assertEquals(1 + drops.size(), receiver.peersDropped(), "counted");
        return e;
    }

    /** After a peer was dropped: a connected end has ended; a bound end serves the next peer. */
    private void afterADroppedPeer(MessageChannel receiver) throws Exception {
        MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
        if (!boundEndOutlivesPeers()) {
            assertThrows(ChannelClosedException.class, () -> receiver.receive(buffer, Duration.ofSeconds(30)));
            return;
        }
        try (MessageChannel next = connect(receiver)) {
            next.send(new byte[] {7, 7});
            assertEquals(2, receiver.receive(buffer, Duration.ofSeconds(30)));
        }
    }

    @Test
    @Timeout(120)
    void aMessageAnnouncedLongerThanTheMaximumIsRefusedUnreadAndThePeerDropped() throws Exception {
        Assumptions.assumeTrue(stream(), "queues check sizes in the kernel");
        for (long length : new long[] {MAX + 1, 0xFFFF_FFFFL, Integer.MAX_VALUE}) {
            LinkedBlockingQueue<IpcException> drops = new LinkedBlockingQueue<>();
            MessageChannel receiver = bind(ChannelOptions.defaults().maxMessageSize(MAX).onPeerDropped(drops::add));
            try (Pipe ready = Pipe.open(); ChildProcess child = startPeer(receiver, ready, "raw",
                    ChannelPeer.helloHex(MAX) + ChannelPeer.headerHex(length) + "0102", "await-drop")) {
                awaitReady(ready);
                MemorySegment buffer = MemorySegment.ofArray(new byte[MAX]);
                long t0 = System.nanoTime();
                IpcException e = failure(receiver, buffer, drops);
                assertTrue(System.nanoTime() - t0 < PROMPT_NANOS, "refused as soon as the header came");
                assertEquals(IpcException.Reason.INVALID_ARGUMENT, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains(Long.toString(length)) && e.getMessage().contains("maximum of "
                        + MAX), e.getMessage());
                assertEquals(0, child.waitFor().code(), "the peer saw its connection dropped");
                afterADroppedPeer(receiver);
            } finally {
                receiver.close();
            }
        }
    }

    @Test
    @Timeout(120)
    void aPeerSpeakingAnotherProtocolIsDropped() throws Exception {
        Assumptions.assumeTrue(stream(), "only streams have a hello");
        LinkedBlockingQueue<IpcException> drops = new LinkedBlockingQueue<>();
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(MAX).onPeerDropped(drops::add)));
        String http = java.util.HexFormat.of().formatHex("GET / HTTP/1.1\r\n\r\n0123456789abcdef".getBytes());
        try (Pipe ready = Pipe.open(); ChildProcess child = startPeer(receiver, ready, "raw", http, "await-drop")) {
            awaitReady(ready);
            IpcException e = failure(receiver, MemorySegment.ofArray(new byte[MAX]), drops);
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason(), e.getMessage());
            assertEquals(0, child.waitFor().code(), "the peer saw its connection dropped");
            afterADroppedPeer(receiver);
        }
    }

    static void awaitReady(Pipe ready) throws IOException {
        ready.writeEnd().close();
        ByteBuffer b = ByteBuffer.allocate(1);
        int n = ready.readEnd().read(b, Duration.ofSeconds(60));
        assertEquals(1, n, "the child signalled it was ready");
    }

    /** The common part of {@link #startPeer}: the ready pipe's write end as descriptor 5. */
    static io.jipc.process.Spawn peerSpawn(Pipe ready, String scenario, String address, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = scenario;
        all[1] = address;
        System.arraycopy(args, 0, all, 2, args.length);
        io.jipc.process.Spawn s = io.jipc.process.Spawn.java(ChannelPeer.class, all);
        if (ready != null) {
            s.mapDescriptor(ChannelPeer.READY_FD, ready.writeEnd().fd());
        }
        return s;
    }
}
