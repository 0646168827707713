package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.ring.Claim;
import io.jipc.ring.MpscRing;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.ring.RecordDescriptor;
import io.jipc.ring.RingDescriptor;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The channel contract over an MPSC ring in shared memory, and what is particular to it. */
class ShmChannelTest extends ChannelContract {
    @Override
    MessageChannel bind(ChannelOptions options) throws IOException {
        return Channels.bind(URI.create("shm:" + Leaks.uniqueName("chan")), options);
    }

    @Override
    MessageChannel connect(MessageChannel receiver) throws IOException {
        return Channels.connect(receiver.address(), ChannelOptions.defaults());
    }

    @Override
    ChildProcess startPeer(MessageChannel receiver, Pipe ready, String scenario, String... args) throws IOException {
        return peerSpawn(ready, scenario, receiver.address().toString(), args).start();
    }

    @Override
    boolean stream() {
        return false;
    }

    @Override
    boolean duplex() {
        return false;
    }

    private static Path file(MessageChannel c) {
        return Path.of("/dev/shm", c.address().getPath().substring(1));
    }

    @Test
    void theBoundEndReceivesAndTheConnectedEndsSend() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(64)));
        MessageChannel sender = track(connect(receiver));
        assertTrue(receiver.canReceive() && !receiver.canSend());
        assertTrue(sender.canSend() && !sender.canReceive());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> receiver.send(new byte[1]));
        assertTrue(e.getMessage().contains("receives"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> sender.tryReceive(MemorySegment.ofArray(new byte[64])));
    }

    @Test
    void theObjectIsOwnerOnlySizedAsDocumentedAndGoesWithTheBoundEnd() throws Exception {
        // 3 records of 1000 + 8 bytes need 3024 bytes, a largest message of 1000 needs 8000: 8192.
        MessageChannel receiver = bind(ChannelOptions.defaults().maxMessageSize(1000).capacity(3));
        Path file = file(receiver);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(ShmChannelDescriptor.HEADER_LENGTH + RingDescriptor.HEADER_LENGTH + 8192, Files.size(file));
        assertEquals(1000, receiver.maxMessageSize(), "the maximum is the one asked for, not the ring's");
        try (MessageChannel sender = connect(receiver)) {
            assertEquals(1000, sender.maxMessageSize());
            assertThrows(IllegalArgumentException.class, () -> sender.send(new byte[1001]));
            // 8192 / 1008: the ring holds 8 messages of the maximum size, not just the 3 asked for.
            for (int i = 0; i < 8; i++) {
                assertTrue(sender.trySend(new byte[1000]), "message " + i);
            }
            assertFalse(sender.trySend(new byte[1000]));
        }
        receiver.close();
        assertFalse(Files.exists(file), "closing the bound end removes the name");

        MessageChannel shared = bind(ChannelOptions.defaults().permissions(0640));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file(shared))));
        // Defaults: 64 KiB messages, 8 of them: 8 x 65544 bytes round up to a 1 MiB ring.
        assertEquals(ChannelOptions.DEFAULT_MAX_MESSAGE_SIZE, shared.maxMessageSize());
        assertEquals(ShmChannelDescriptor.HEADER_LENGTH + RingDescriptor.HEADER_LENGTH + (1 << 20),
                Files.size(file(shared)));
        shared.close();
    }

    @Test
    void aConnectingEndRequiresAtLeastItsSizes() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(1000).capacity(3)));
        try (MessageChannel ok = Channels.connect(receiver.address(),
                ChannelOptions.defaults().maxMessageSize(1000).capacity(8))) {
            assertEquals(1000, ok.maxMessageSize());
        }
        IpcException longer = assertThrows(IpcException.class, () -> Channels.connect(receiver.address(),
                ChannelOptions.defaults().maxMessageSize(1001)));
        assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, longer.reason());
        IpcException more = assertThrows(IpcException.class, () -> Channels.connect(receiver.address(),
                ChannelOptions.defaults().capacity(9)));
        assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, more.reason());
        assertTrue(more.getMessage().contains("holds 8 messages"), more.getMessage());
    }

    @Test
    void sizesBeyondTheLargestRingAreRefusedBeforeAnythingIsMade() {
        String name = Leaks.uniqueName("big");
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> Channels.bind(
                "shm:" + name, ChannelOptions.defaults().maxMessageSize(RingDescriptor.MAX_CAPACITY / 8 + 1)));
        assertTrue(tooLong.getMessage().contains("largest ring"), tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Channels.bind("shm:" + name,
                ChannelOptions.defaults().maxMessageSize(1 << 20).capacity(1025)));
        assertFalse(Files.exists(Path.of("/dev/shm", name.substring(1))));
        for (String bad : new String[] {"shm:orders", "shm://host/orders", "shm:/a/b", "shm:/", "shm:/x?y"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Channels.bind(bad), bad);
            assertTrue(e.getMessage().contains("shm:/") || e.getMessage().contains("shared memory name"),
                    e.getMessage());
        }
    }

    @Test
    void bindingATakenNameOrConnectingToNoneOrToSomethingElseFailsWithTheReason() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(64)));
        IpcException taken = assertThrows(IpcException.class,
                () -> Channels.bind(receiver.address(), ChannelOptions.defaults()));
        assertEquals(IpcException.Reason.ALREADY_EXISTS, taken.reason());
        IpcException none = assertThrows(IpcException.class,
                () -> Channels.connect("shm:" + Leaks.uniqueName("none")));
        assertEquals(IpcException.Reason.DOES_NOT_EXIST, none.reason());

        String other = Leaks.uniqueName("other");
        try (SharedMemory shm = SharedMemory.create(other, 4096)) {
            // Zeros: no binder named in the header. Refused after a short grace, not the 10 s connect timeout.
            long t0 = System.nanoTime();
            IpcException foreign = assertThrows(IpcException.class, () -> Channels.connect("shm:" + other,
                    ChannelOptions.defaults().connectTimeout(Duration.ofSeconds(10))));
            long waited = System.nanoTime() - t0;
            assertTrue(waited < PROMPT_NANOS, "waited " + waited);
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, foreign.reason(), foreign.getMessage());
            assertTrue(foreign.getMessage().contains("not a channel made by jipc"), foreign.getMessage());
            // Something that is not a channel.
            shm.segment().fill((byte) 0x55);
            IpcException wrong = assertThrows(IpcException.class, () -> Channels.connect("shm:" + other));
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, wrong.reason(), wrong.getMessage());
        } finally {
            SharedMemory.unlink(other);
        }
    }

    @Test
    void aRecordLongerThanTheMaximumIsRefusedAsCorruptAndTheNextOneComes() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(64)));
        // What a C program may write: a record within the ring's own limit, above the channel's.
        try (SharedMemory raw = SharedMemory.open(receiver.address().getPath())) {
            MpscRing ring = MpscRing.attach(raw.segment().asSlice(ShmChannelDescriptor.RING_OFFSET));
            assertTrue(ring.maxMessageLength() > 64, "the ring carries more than the channel allows");
            for (int round = 0; round < 2; round++) {
                Claim tooLong = ring.tryClaim(65);
                tooLong.commit();
                Claim fine = ring.tryClaim(3);
                fine.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
                fine.commit();
            }
            MemorySegment buffer = MemorySegment.ofArray(new byte[64]);
            IpcException e = assertThrows(IpcException.class, () -> receiver.receive(buffer, SHORT));
            assertEquals(IpcException.Reason.INVALID_ARGUMENT, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("65 bytes"), e.getMessage());
            assertEquals(3, receiver.receive(buffer, SHORT), "the record after it");
            assertEquals(42, buffer.get(ValueLayout.JAVA_BYTE, 0));
            long[] handed = {-1};
            IpcException h = assertThrows(IpcException.class, () -> receiver.receive(m -> handed[0] = m.byteSize(),
                    SHORT));
            assertEquals(IpcException.Reason.INVALID_ARGUMENT, h.reason());
            assertEquals(-1, handed[0], "the handler never saw more than the maximum");
            assertTrue(receiver.receive(m -> handed[0] = m.byteSize(), SHORT));
            assertEquals(3, handed[0]);
        }
    }

    @Test
    @Timeout(120)
    void bindingTheAddressOfADeadBinderTakesItOver() throws Exception {
        String address = "shm:" + Leaks.uniqueName("restart");
        try (Pipe ready = Pipe.open();
             ChildProcess binder = Spawn.java(ShmPeer.class, "bind-and-wait", address, "64", "8")
                     .mapDescriptor(ChannelPeer.READY_FD, ready.writeEnd().fd()).start()) {
            awaitReady(ready);
            IpcException live = assertThrows(IpcException.class, () -> Channels.bind(address),
                    "a live binder keeps its address");
            assertEquals(IpcException.Reason.ALREADY_EXISTS, live.reason());
            assertTrue(binder.kill());
            assertTrue(binder.waitFor().signaled());
        }
        // The service restarts after the crash: no EEXIST, no jipc rm.
        MessageChannel again = track(Channels.bind(address, ChannelOptions.defaults().maxMessageSize(128)));
        try (MessageChannel sender = Channels.connect(address)) {
            assertEquals(128, sender.maxMessageSize(), "the new binder's channel, not the dead one's");
            sender.send(new byte[] {7});
            assertEquals(1, again.receive(MemorySegment.ofArray(new byte[128]), SHORT));
        }
    }

    @Test
    @Timeout(120)
    void aBinderThatExitsWithoutClosingLeavesNoName() throws Exception {
        String name = Leaks.uniqueName("exit");
        Path dir = Files.createTempDirectory("jipc-exit-");
        Path socket = dir.resolve("s");
        try {
            try (ChildProcess binder = Spawn.java(ShmPeer.class, "bind-and-exit", "shm:" + name, "unix:" + socket)
                    .start()) {
                assertEquals(0, binder.waitFor().code());
            }
            assertFalse(Files.exists(Path.of("/dev/shm", name.substring(1))), "the shm: name went with the JVM");
            assertFalse(Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the socket file too");
        } finally {
            SharedMemory.unlink(name);
            Files.deleteIfExists(socket);
            Files.delete(dir);
        }
    }

    @Test
    void aHandlerReadsEachMessageInPlaceInTheRing() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(64)));
        MessageChannel sender = track(connect(receiver));
        for (int i = 0; i < 3; i++) {
            sender.send(Messages.sized(i, 10));
        }
        long[] addresses = new long[3];
        for (int i = 0; i < 3; i++) {
            int index = i;
            assertTrue(receiver.receive(m -> {
                assertTrue(m.isNative() && m.isReadOnly());
                assertTrue(Messages.equal(Messages.sized(index, 10), m, (int) m.byteSize()));
                addresses[index] = m.address();
            }, Duration.ofSeconds(30)));
        }
        // One record after the other in the ring: no buffer of the channel's in between.
        int record = RecordDescriptor.alignedLength(RecordDescriptor.HEADER_LENGTH + 10);
        assertEquals(record, addresses[1] - addresses[0]);
        assertEquals(record, addresses[2] - addresses[1]);
    }

    @Test
    void afterTheReceiverClosedEverySendFailsEvenWithRoomAndNobodyCanConnect() throws Exception {
        MessageChannel receiver = bind(ChannelOptions.defaults().maxMessageSize(64));
        MessageChannel sender = track(connect(receiver));
        sender.send(new byte[] {1});
        receiver.close();
        ChannelClosedException e = assertThrows(ChannelClosedException.class, () -> sender.trySend(new byte[] {2}));
        assertTrue(e.getMessage().contains("receiving end has closed"), e.getMessage());
        assertThrows(ChannelClosedException.class, () -> sender.send(ByteBuffer.allocate(3)));
        assertThrows(ChannelClosedException.class, () -> sender.send(new byte[0], Duration.ofSeconds(30)));
        IpcException gone = assertThrows(IpcException.class, () -> Channels.connect(receiver.address(),
                ChannelOptions.defaults()));
        assertEquals(IpcException.Reason.DOES_NOT_EXIST, gone.reason());
    }

    @Test
    void theClosedMarkIsSetAtCloseEvenWhileAReceiveIsStillLeaving() throws Exception {
        MessageChannel receiver = bind(ChannelOptions.defaults().maxMessageSize(64));
        MessageChannel sender = track(connect(receiver));
        CompletableFuture<Void> receiving = CompletableFuture.runAsync(() -> {
            try {
                receiver.receive(MemorySegment.ofArray(new byte[64]));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(SHORT.toMillis());
        receiver.close();
        // The receive needs up to a slice to leave; the senders must not wait for it.
        assertThrows(ChannelClosedException.class, () -> sender.trySend(new byte[] {1}));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> receiving.get(PROMPT_NANOS, TimeUnit.NANOSECONDS));
        assertInstanceOf(java.nio.channels.AsynchronousCloseException.class, e.getCause().getCause());
    }

    @Test
    void aNameTakenOverByAnotherBindingIsNotRemovedByTheFirst() throws Exception {
        MessageChannel first = bind(ChannelOptions.defaults().maxMessageSize(64));
        String name = first.address().getPath();
        SharedMemory.unlink(name);
        try (MessageChannel second = Channels.bind(first.address(), ChannelOptions.defaults().maxMessageSize(64))) {
            first.close();
            assertTrue(Files.exists(file(second)), "the first binding's close left the second's name alone");
            try (MessageChannel sender = Channels.connect(second.address(), ChannelOptions.defaults())) {
                sender.send(new byte[] {7});
                assertEquals(1, second.receive(MemorySegment.ofArray(new byte[64]), Duration.ofSeconds(30)));
            }
        }
        assertFalse(Files.exists(Path.of("/dev/shm", name.substring(1))));
    }

    @Test
    @Timeout(120)
    void aSendWaitingForRoomLearnsThatTheReceiverDied() throws Exception {
        String address = "shm:" + Leaks.uniqueName("dead");
        try (Pipe ready = Pipe.open();
             ChildProcess binder = Spawn.java(ShmPeer.class, "bind-and-wait", address, "64", "8")
                     .mapDescriptor(ChannelPeer.READY_FD, ready.writeEnd().fd()).start()) {
            awaitReady(ready);
            MessageChannel sender = track(Channels.connect(address));
            int sent = 0;
            while (sender.trySend(new byte[64])) {
                sent++;
            }
            assertTrue(sent >= 8, "the ring holds at least 8 messages of the maximum size, took " + sent);
            assertTrue(binder.kill());
            assertTrue(binder.waitFor().signaled());
            // No mark in the header: only a send that waits finds out, within a slice or so.
            assertFalse(sender.trySend(new byte[64]), "a dead receiver's ring stays full");
            long t0 = System.nanoTime();
            ChannelClosedException e = assertThrows(ChannelClosedException.class,
                    () -> sender.send(new byte[64], Duration.ofSeconds(30)));
            assertTrue(System.nanoTime() - t0 < PROMPT_NANOS);
            assertTrue(e.getMessage().contains("died"), e.getMessage());
        } finally {
            // A dead binder leaves its name behind; removing it is the survivor's job.
            SharedMemory.unlink(URI.create(address).getPath());
        }
    }

    @Test
    @Timeout(120)
    void sendersInSeveralProcessesEachKeepTheirOrder() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(256).capacity(4)));
        int count = 2000;
        List<ChildProcess> children = new ArrayList<>();
        try {
            for (byte tag = 1; tag <= 3; tag++) {
                children.add(Spawn.java(ShmPeer.class, "send-tagged", receiver.address().toString(),
                        Byte.toString(tag), Integer.toString(count)).start());
            }
            int[] next = new int[4];
            MemorySegment buffer = MemorySegment.ofArray(new byte[256]);
            for (int k = 0; k < 3 * count; k++) {
                int n = receiver.receive(buffer, Duration.ofSeconds(60));
                ByteBuffer m = buffer.asSlice(0, n).asByteBuffer();
                byte tag = m.get();
                int i = m.getInt();
                assertEquals(next[tag]++, i, "sender " + tag + "'s order");
                assertEquals(5 + i % 200, n, "the length of sender " + tag + "'s message " + i);
                while (m.hasRemaining()) {
                    assertEquals((byte) (tag + i), m.get());
                }
            }
            for (ChildProcess c : children) {
                assertTrue(c.waitFor().success(), c + " sent everything");
            }
            assertEquals(MessageChannel.NOTHING, receiver.receive(buffer, SHORT));
        } finally {
            children.forEach(ChildProcess::close);
        }
    }

    @Test
    void closingTheReceiverEndsASendBlockedForRoomWithChannelClosed() throws Exception {
        MessageChannel receiver = bind(ChannelOptions.defaults().maxMessageSize(64).capacity(1));
        MessageChannel sender = track(connect(receiver));
        while (sender.trySend(new byte[64])) {
            // fill
        }
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
            try {
                sender.send(new byte[64]);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(SHORT.toMillis());
        assertFalse(blocked.isDone(), "the send waits for room");
        receiver.close();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> blocked.get(PROMPT_NANOS, TimeUnit.NANOSECONDS));
        assertInstanceOf(ChannelClosedException.class, e.getCause().getCause());
        assertTrue(e.getCause().getCause().getMessage().contains("while this send waited"),
                e.getCause().getCause().getMessage());
    }

    @Test
    void aFailingHandlerReadsNothingMoreAndTheRecordIsReleased() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(64).capacity(1)));
        MessageChannel sender = track(connect(receiver));
        int held = 0;
        while (sender.trySend(new byte[] {(byte) held})) {
            held++;
        }
        // Each failing handler consumes its message and frees its room.
        for (int i = 0; i < held; i++) {
            int index = i;
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> receiver.tryReceive(m -> {
                assertEquals((byte) index, m.get(ValueLayout.JAVA_BYTE, 0));
                throw new IllegalStateException("handler " + index);
            }));
            assertEquals("handler " + index, e.getMessage());
        }
        assertEquals(MessageChannel.NOTHING, receiver.tryReceive(MemorySegment.ofArray(new byte[64])));
        for (int i = 0; i < held; i++) {
            assertTrue(sender.trySend(new byte[] {1}), "room again for message " + i);
        }
    }

    // ---- the wait strategy ----

    /** {@return whether {@code t}'s stack shows a sleep: a blocker's kernel sleep, a park, a futex wait} */
    private static boolean sleeping(Thread t) {
        for (StackTraceElement f : t.getStackTrace()) {
            String m = f.getMethodName();
            if (m.equals("block") || m.startsWith("park") || f.getClassName().endsWith("Futex")) {
                return true;
            }
        }
        return false;
    }

    private static boolean inWaitLoop(Thread t) {
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().equals("io.jipc.internal.Wait")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aBusySpinningReceiverNeverSleepsAndStillGetsTheMessage() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(64)
                .waitStrategy(io.jipc.WaitStrategy.busySpin())));
        MessageChannel sender = track(connect(receiver));
        CompletableFuture<Integer> got = new CompletableFuture<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                got.complete(receiver.receive(MemorySegment.ofArray(new byte[64])));
            } catch (Throwable e) {
                got.completeExceptionally(e);
            }
        });
        // Many looks at the waiter's stack while it waits: it is in the wait loop, never asleep in it.
        int waiting = 0;
        for (int look = 0; look < 200; look++) {
            assertFalse(sleeping(waiter), "a busy-spinning waiter slept: " + List.of(waiter.getStackTrace()));
            if (inWaitLoop(waiter)) {
                waiting++;
            }
            Thread.sleep(2);
        }
        assertTrue(waiting > 0, "the waiter was never seen waiting");
        assertFalse(got.isDone());
        sender.send(new byte[] {7});
        assertEquals(1, got.get(30, TimeUnit.SECONDS));
        waiter.join();
    }

    @Test
    void aReceiverWithTheDefaultStrategySleepsOnTheRing() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(64)));
        MessageChannel sender = track(connect(receiver));
        io.jipc.testing.Blocked<Integer> b = io.jipc.testing.Blocked.onPlatformThread(
                () -> receiver.receive(MemorySegment.ofArray(new byte[64])));
        sender.send(new byte[] {7});
        assertEquals(1, b.result());
    }
}
