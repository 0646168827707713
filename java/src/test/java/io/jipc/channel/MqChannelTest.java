package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.mq.MessageQueue;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The channel contract over POSIX message queues, and what is particular to them. */
class MqChannelTest extends ChannelContract {
    @Override
    MessageChannel bind(ChannelOptions options) throws IOException {
        return Channels.bind(URI.create("mq:" + Leaks.uniqueName("chan")), options);
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

    @Test
    void theBoundEndReceivesAndTheConnectedEndsSend() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(64)));
        MessageChannel sender = track(connect(receiver));
        assertTrue(receiver.canReceive());
        assertFalse(receiver.canSend());
        assertTrue(sender.canSend());
        assertFalse(sender.canReceive());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> receiver.send(new byte[1]));
        assertTrue(e.getMessage().contains("receives"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> sender.tryReceive(MemorySegment.ofArray(new byte[64])));
    }

    /**
     * Reads the mode through the queue's own descriptor: stat on {@code /proc/self/fd/N} is
     * fstat of the open queue, so the test needs no mqueue file system mounted at /dev/mqueue
     * (a fresh machine has none).
     */
    @Test
    void theQueueIsOwnerOnlyAndGoesWithTheBoundEnd() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(64).capacity(3)));
        String name = receiver.address().getPath();
        try (MessageQueue q = MessageQueue.open(name)) {
            Path descriptor = Path.of("/proc/self/fd", Integer.toString(q.fd()));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(descriptor)));
            assertEquals(3, q.maxMessages());
            assertEquals(64, q.maxMessageSize());
        }
        receiver.close();
        IpcException gone = assertThrows(IpcException.class, () -> MessageQueue.open(name),
                "closing the bound end removes the queue");
        assertEquals(IpcException.Reason.DOES_NOT_EXIST, gone.reason());
    }

    @Test
    void bindingATakenNameOrConnectingToNoneFailsWithTheReason() throws Exception {
        MessageChannel receiver = track(bind(ChannelOptions.defaults().maxMessageSize(64)));
        IpcException taken = assertThrows(IpcException.class,
                () -> Channels.bind(receiver.address(), ChannelOptions.defaults()));
        assertEquals(IpcException.Reason.ALREADY_EXISTS, taken.reason());
        IpcException none = assertThrows(IpcException.class,
                () -> Channels.connect("mq:" + Leaks.uniqueName("none")));
        assertEquals(IpcException.Reason.DOES_NOT_EXIST, none.reason());
        IpcException small = assertThrows(IpcException.class,
                () -> Channels.connect(receiver.address(), ChannelOptions.defaults().maxMessageSize(65)));
        assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, small.reason());
    }

    @Test
    @Timeout(120)
    void bindingTheAddressOfADeadBinderTakesItOver() throws Exception {
        String address = "mq:" + Leaks.uniqueName("restart");
        String name = URI.create(address).getPath();
        try {
            try (Pipe ready = Pipe.open();
                 ChildProcess binder = Spawn.java(ShmPeer.class, "bind-and-wait", address, "64", "4")
                         .mapDescriptor(ChannelPeer.READY_FD, ready.writeEnd().fd()).start()) {
                awaitReady(ready);
                IpcException live = assertThrows(IpcException.class, () -> Channels.bind(address),
                        "a live binder keeps its address");
                assertEquals(IpcException.Reason.ALREADY_EXISTS, live.reason());
                try (MessageChannel toLive = Channels.connect(address)) {
                    toLive.send(new byte[] {1});  // a message the dead binder leaves behind
                }
                assertTrue(binder.kill());
                assertTrue(binder.waitFor().signaled());
            }
            IpcException dead = assertThrows(IpcException.class, () -> Channels.connect(address),
                    "nobody receives from a dead binder's queue");
            assertTrue(dead.getMessage().contains("binder died"), dead.getMessage());
            // The service restarts after the crash: no EEXIST, no jipc rm.
            MessageChannel again = track(Channels.bind(address, ChannelOptions.defaults().maxMessageSize(128)));
            try (MessageChannel sender = Channels.connect(address)) {
                assertEquals(128, sender.maxMessageSize(), "the new binder's queue, not the dead one's");
                sender.send(new byte[] {7, 7});
                MemorySegment buffer = MemorySegment.ofArray(new byte[128]);
                assertEquals(2, again.receive(buffer, Duration.ofSeconds(30)), "a fresh queue: the old message is gone");
            }
            again.close();
            assertEquals(IpcException.Reason.DOES_NOT_EXIST,
                    assertThrows(IpcException.class, () -> MessageQueue.open(name)).reason());
        } finally {
            MessageQueue.unlink(name);
        }
    }

    @Test
    void connectingToAQueueJipcDidNotMakeFailsPromptlyWithTheReason() throws Exception {
        String name = Leaks.uniqueName("foreign");
        try (MessageQueue foreign = MessageQueue.create(name, 4, 64)) {
            long t0 = System.nanoTime();
            IpcException e = assertThrows(IpcException.class, () -> Channels.connect("mq:" + name));
            long waited = System.nanoTime() - t0;
            assertTrue(waited < PROMPT_NANOS, "waited " + waited);
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("not made by a jipc channel"), e.getMessage());
        } finally {
            MessageQueue.unlink(name);
        }
    }

    @Test
    void aQueueRemovedAndBoundAnewIsNotRemovedByTheFirstBinder() throws Exception {
        MessageChannel first = bind(ChannelOptions.defaults().maxMessageSize(64));
        String name = first.address().getPath();
        MessageQueue.unlink(name);
        try (MessageChannel second = Channels.bind(first.address(), ChannelOptions.defaults().maxMessageSize(64))) {
            first.close();
            try (MessageChannel sender = Channels.connect(second.address(), ChannelOptions.defaults())) {
                sender.send(new byte[] {7});
                assertEquals(1, second.receive(MemorySegment.ofArray(new byte[64]), Duration.ofSeconds(30)));
            }
        }
        assertEquals(IpcException.Reason.DOES_NOT_EXIST,
                assertThrows(IpcException.class, () -> MessageQueue.open(name)).reason());
    }

    /** A binder killed with SIGKILL leaves its queue and name behind, but a send waiting for room learns it died. */
    @Test
    @Timeout(120)
    void aSendWaitingForRoomLearnsThatTheReceiverDied() throws Exception {
        String address = "mq:" + Leaks.uniqueName("dead");
        try (Pipe ready = Pipe.open();
             ChildProcess binder = Spawn.java(ShmPeer.class, "bind-and-wait", address, "64", "4")
                     .mapDescriptor(ChannelPeer.READY_FD, ready.writeEnd().fd()).start()) {
            awaitReady(ready);
            MessageChannel sender = track(Channels.connect(address));
            int sent = 0;
            while (sender.trySend(new byte[64])) {
                sent++;
            }
            assertEquals(4, sent, "the queue holds 4 messages");
            assertTrue(binder.kill());
            assertTrue(binder.waitFor().signaled());
            assertFalse(sender.trySend(new byte[64]), "a dead receiver's queue stays full");
            assertThrows(ChannelClosedException.class, () -> sender.send(new byte[64], Duration.ofSeconds(30)),
                    "not a wait for the whole timeout, then false");
        } finally {
            MessageQueue.unlink(URI.create(address).getPath());
        }
    }
}
