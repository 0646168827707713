package io.jipc.channel;

import io.jipc.testing.Leaks;
import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bound {@code unix:} listener dropped without close, its accepting thread running and a
 * peer's connection in its table: once unreachable, a cleaner removes its socket file and
 * closes every descriptor it held (before, the accepting thread kept it reachable for ever).
 *
 * <p>Not under {@link NoLeaks}: provoking GC also releases what earlier test classes left to
 * their cleaners, so the test counts descriptors itself, after letting that settle first.
 */
class ListenerCleanerTest {
    private static Path dir;

    @BeforeAll
    static void makeDirectory() throws Exception {
        dir = Files.createTempDirectory("jipc-cleaner");
        ChannelContract.warmUp();
    }

    @AfterAll
    static void removeDirectory() throws IOException {
        Files.deleteIfExists(dir);
    }

    @Test
    @Timeout(90)
    void aListenerDroppedWithoutCloseIsCleanedItsFileRemovedAndItsDescriptorsClosed() throws Exception {
        settle();
        Set<String> before = targets();
        int count = Leaks.descriptorCount();
        Path file = dir.resolve("dropped.sock");
        Set<String> its = bindServeOnceAndDrop(file);
        its.removeAll(before);
        its.removeIf(t -> !t.startsWith("socket:[") && !t.startsWith("pipe:["));  // names that are unique
        assertFalse(its.isEmpty(), "the listener's sockets are seen");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while ((Files.exists(file, LinkOption.NOFOLLOW_LINKS) || Leaks.descriptorCount() > count
                || targets().stream().anyMatch(its::contains)) && System.nanoTime() - deadline < 0) {
            System.gc();
            Thread.sleep(50);
        }
        assertFalse(Files.exists(file, LinkOption.NOFOLLOW_LINKS), "the dropped listener's socket file was removed");
        Set<String> open = targets();
        open.retainAll(its);
        assertEquals(Set.of(), open, "the listener's sockets were closed");
        assertTrue(Leaks.descriptorCount() <= count, NoLeaks::describeDescriptors);
    }

    /** {@return what the descriptors open while the listener lives point to} */
    private static Set<String> bindServeOnceAndDrop(Path file) throws IOException {
        MessageChannel listener = Channels.bind(URI.create("unix:" + file), ChannelOptions.defaults());
        try (MessageChannel client = Channels.connect(listener.address(), ChannelOptions.defaults())) {
            client.send(new byte[] {1, 2});
            assertEquals(2, listener.receive(MemorySegment.ofArray(new byte[listener.maxMessageSize()]),
                    Duration.ofSeconds(30)));
            assertTrue(Files.exists(file, LinkOption.NOFOLLOW_LINKS));
            return targets();  // the client's sockets too, which close with it
        }
    }

    /** Lets what earlier tests left to cleaners go first, so that counts before and after compare. */
    private static void settle() throws InterruptedException {
        int last = -1;
        int same = 0;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (same < 3 && System.nanoTime() - deadline < 0) {
            System.gc();
            Thread.sleep(100);
            int now = Leaks.descriptorCount();
            same = now == last ? same + 1 : 0;
            last = now;
        }
    }

    private static Set<String> targets() {
        Set<String> t = new HashSet<>();
        for (String fd : Leaks.descriptors()) {
            try {
                t.add(Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString());
            } catch (IOException e) {
                // Closed meanwhile (the listing's own descriptor, say).
            }
        }
        return t;
    }
}
