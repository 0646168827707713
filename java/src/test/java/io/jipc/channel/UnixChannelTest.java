package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The channel contract over Unix domain sockets, and what is particular to them. */
class UnixChannelTest extends ChannelContract {
    private static Path dir;
    private static final AtomicInteger COUNT = new AtomicInteger();

    @BeforeAll
    static void makeDirectory() throws IOException {
        dir = Files.createTempDirectory("jipc-unix");
    }

    @AfterAll
    static void removeDirectory() throws IOException {
        Files.deleteIfExists(dir);
    }

    static URI newAddress() {
        return URI.create("unix:" + dir.resolve("c" + COUNT.incrementAndGet() + ".sock"));
    }

    @Override
    MessageChannel bind(ChannelOptions options) throws IOException {
        return Channels.bind(newAddress(), options);
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
    Set<String> namesLeft() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(Path::toString).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theSocketFileIsOwnerOnlyAndGoesWithTheBoundEnd() throws Exception {
        MessageChannel receiver = bind(ChannelOptions.defaults());
        Path file = Path.of(receiver.address().getPath());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        receiver.close();
        assertFalse(Files.exists(file));
        MessageChannel shared = bind(ChannelOptions.defaults().permissions(0660));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                Path.of(shared.address().getPath()))));
        shared.close();
    }

    @Test
    void aSocketLeftByADeadListenerIsReplacedButNothingElseIsTouched() throws Exception {
        URI address = newAddress();
        Path file = Path.of(address.getPath());
        // A listener that "died": its socket file stays, nobody accepts on it.
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(file));
        dead.close();
        assertTrue(Files.exists(file));
        try (MessageChannel receiver = Channels.bind(address, ChannelOptions.defaults())) {
            IpcException live = assertThrows(IpcException.class, () -> Channels.bind(address, ChannelOptions.defaults()));
            assertEquals(IpcException.Reason.ALREADY_EXISTS, live.reason());
            assertTrue(receiver.isOpen());
        }
        Files.writeString(file, "precious");
        try {
            IpcException notSocket = assertThrows(IpcException.class,
                    () -> Channels.bind(address, ChannelOptions.defaults()));
            assertEquals(IpcException.Reason.ALREADY_EXISTS, notSocket.reason());
            assertEquals("precious", Files.readString(file));
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void connectingWhereNobodyListensFailsWithTheReason() {
        IpcException e = assertThrows(IpcException.class, () -> Channels.connect(newAddress(),
                ChannelOptions.defaults()));
        assertEquals(IpcException.Reason.DOES_NOT_EXIST, e.reason(), e.getMessage());
    }

    @Test
    void theAbstractNamespaceAndMalformedPathsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Channels.bind("unix:@jipc"));
        assertTrue(e.getMessage().contains("abstract"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Channels.bind("unix://host/x.sock"));
        assertThrows(IllegalArgumentException.class, () -> Channels.bind("unix:/x.sock?q=1"));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> Channels.bind("unix:/" + "x".repeat(120)));
        assertTrue(tooLong.getMessage().contains("107"), tooLong.getMessage());
    }
}
