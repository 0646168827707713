package io.jipc.channel;

import io.jipc.testing.Blocked;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Virtual threads blocked in channel calls park; they never hold their carriers (issue 10,
 * item 5). Surefire runs the tests with two carriers
 * ({@code -Djdk.virtualThreadScheduler.parallelism=2}), so a wait that pinned its carrier
 * would hang here: with a thousand waiters, nobody else would ever run.
 */
class ChannelVirtualThreadsTest {
    private static final int WAITERS = 1_000;
    private static final int MAX = 64;

    /** Starts {@code count} virtual threads, each blocked in a receive of {@code receiver}. */
    private static List<CompletableFuture<Integer>> receivers(MessageChannel receiver, int count) {
        List<CompletableFuture<Integer>> done = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    f.complete(receiver.receive(MemorySegment.ofArray(new byte[MAX])));
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
            done.add(f);
        }
        return done;
    }

    /**
     * Returns once a further receiver, started after the others, is parked: by then the
     * others are parked too, in jipc's wait loop or waiting their turn for the receive.
     */
    private static void awaitAllParked(MessageChannel receiver) throws Exception {
        CompletableFuture<Integer> last = new CompletableFuture<>();
        Thread probe = Thread.ofVirtual().start(() -> {
            try {
                last.complete(receiver.receive(MemorySegment.ofArray(new byte[MAX])));
            } catch (Throwable e) {
                last.completeExceptionally(e);
            }
        });
        long end = System.nanoTime() + Blocked.HANG.toNanos();
        while (probe.getState() != Thread.State.WAITING && probe.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < end && !last.isDone(), "the probe never parked");
            Thread.sleep(5);
        }
    }

    private static void waitersOfOneChannelAllFinish(String scheme) throws Exception {
        try (MessageChannel receiver = Channels.bind(URI.create(scheme + Leaks.uniqueName("vt")),
                     ChannelOptions.defaults().maxMessageSize(MAX));
             MessageChannel sender = Channels.connect(receiver.address(), ChannelOptions.defaults())) {
            List<CompletableFuture<Integer>> done = receivers(receiver, WAITERS);
            awaitAllParked(receiver);
            for (int i = 0; i <= WAITERS; i++) {
                sender.send(new byte[] {(byte) i});
            }
            for (CompletableFuture<Integer> f : done) {
                assertEquals(1, f.get(Blocked.HANG.toSeconds(), TimeUnit.SECONDS));
            }
        }
    }

    @Test
    @Timeout(120)
    void aThousandVirtualThreadsBlockedInAnShmReceiveAllFinishOnceReleased() throws Exception {
        waitersOfOneChannelAllFinish("shm:");
    }

    @Test
    @Timeout(120)
    void aThousandVirtualThreadsBlockedInAnMqReceiveAllFinishOnceReleased() throws Exception {
        waitersOfOneChannelAllFinish("mq:");
    }

    @Test
    @Timeout(120)
    void aBoundTcpEndKeepsAcceptingWhileEveryCarriersVirtualThreadsWaitInJipcCalls() throws Exception {
        keepsAccepting("tcp://127.0.0.1:0");
    }

    @Test
    @Timeout(120)
    void aBoundUnixEndKeepsAcceptingWhileEveryCarriersVirtualThreadsWaitInJipcCalls() throws Exception {
        Path dir = Files.createTempDirectory("jipc-vt");
        try {
            keepsAccepting("unix:" + dir.resolve("l.sock"));
        } finally {
            Files.deleteIfExists(dir.resolve("l.sock"));
            Files.delete(dir);
        }
    }

    private static void keepsAccepting(String address) throws Exception {
        try (MessageChannel busy = Channels.bind(URI.create("shm:" + Leaks.uniqueName("busy")),
                     ChannelOptions.defaults().maxMessageSize(MAX));
             MessageChannel listener = Channels.bind(URI.create(address), ChannelOptions.defaults().maxMessageSize(MAX))) {
            // Far more waiting virtual threads than carriers, in a receive that nothing will feed.
            List<CompletableFuture<Integer>> waiting = receivers(busy, 64);
            awaitAllParked(busy);
            // New peers still get in, and a virtual thread receives what each of them sends.
            for (int peer = 0; peer < 5; peer++) {
                try (MessageChannel client = Channels.connect(listener.address(), ChannelOptions.defaults())) {
                    client.send(new byte[] {(byte) peer, 1, 2});
                    CompletableFuture<Integer> one = new CompletableFuture<>();
                    Thread.ofVirtual().start(() -> {
                        try {
                            one.complete(listener.receive(MemorySegment.ofArray(new byte[MAX])));
                        } catch (Throwable e) {
                            one.completeExceptionally(e);
                        }
                    });
                    assertEquals(3, one.get(Blocked.HANG.toSeconds(), TimeUnit.SECONDS));
                }
            }
            assertTrue(waiting.stream().noneMatch(CompletableFuture::isDone), "nothing was sent to the busy channel");
        }
    }
}
