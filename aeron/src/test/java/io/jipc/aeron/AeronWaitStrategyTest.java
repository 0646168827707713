package io.jipc.aeron;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.jipc.WaitStrategy;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.Channels;
import io.jipc.channel.MessageChannel;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The channel's {@link WaitStrategy} is what the embedded media driver's threads and the
 * channel's own waits run: the mapping of {@link EmbeddedDriver}'s table, the first channel's
 * choice for a shared driver, and a busy-spin receiver that never parks while it waits.
 */
class AeronWaitStrategyTest {
    private static MediaDriver.Context mapped(WaitStrategy w) {
        return EmbeddedDriver.threads(new MediaDriver.Context(), w);
    }

    @Test
    void busySpinGivesEachDriverAgentADedicatedSpinningThread() {
        MediaDriver.Context c = mapped(WaitStrategy.busySpin());
        assertEquals(ThreadingMode.DEDICATED, c.threadingMode());
        assertInstanceOf(BusySpinIdleStrategy.class, c.conductorIdleStrategy());
        assertInstanceOf(BusySpinIdleStrategy.class, c.senderIdleStrategy());
        assertInstanceOf(BusySpinIdleStrategy.class, c.receiverIdleStrategy());
    }

    @Test
    void yieldingSharesOneThreadThatYieldsAndNeverParks() {
        MediaDriver.Context c = mapped(WaitStrategy.yielding(0));
        assertEquals(ThreadingMode.SHARED, c.threadingMode());
        assertInstanceOf(YieldingIdleStrategy.class, c.sharedIdleStrategy());

        c = mapped(WaitStrategy.yielding(50));
        assertEquals(ThreadingMode.SHARED, c.threadingMode());
        BackoffIdleStrategy b = assertInstanceOf(BackoffIdleStrategy.class, c.sharedIdleStrategy());
        assertTrue(b.toString().contains("maxSpins=50,"), b.toString());
        assertTrue(b.toString().contains("maxYields=" + Long.MAX_VALUE + ","), b.toString());
    }

    @Test
    void spinThenSleepSharesOneThreadThatBacksOffWithTheStrategysCounts() {
        for (WaitStrategy w : new WaitStrategy[] {WaitStrategy.spinThenSleep(), WaitStrategy.spinThenSleep(7, 3)}) {
            MediaDriver.Context c = mapped(w);
            assertEquals(ThreadingMode.SHARED, c.threadingMode());
            BackoffIdleStrategy b = assertInstanceOf(BackoffIdleStrategy.class, c.sharedIdleStrategy());
            String s = b.toString();
            assertTrue(s.contains("maxSpins=" + w.spins() + ",") && s.contains("maxYields=" + w.yields() + ",")
                    && s.contains("maxParkPeriodNs=" + Backoff.MAX_PARK_NANOS), s);
        }
    }

    @Test
    @Timeout(60)
    void theEmbeddedDriverRunsTheThreadsOfTheChannelThatStartedIt() throws Exception {
        assertTrue(EmbeddedDriver.embeddedContext().isEmpty(), "an embedded driver is left from another test");
        ChannelOptions spin = ChannelOptions.defaults().waitStrategy(WaitStrategy.busySpin());
        try (MessageChannel in = Channels.bind("aeron:ipc", spin)) {
            MediaDriver.Context c = EmbeddedDriver.embeddedContext().orElseThrow();
            assertEquals(ThreadingMode.DEDICATED, c.threadingMode());
            assertInstanceOf(BusySpinIdleStrategy.class, c.senderIdleStrategy());
            // A later channel with another strategy shares the running driver as it runs.
            try (MessageChannel out = Channels.connect(in.address(), ChannelOptions.defaults())) {
                assertEquals(ThreadingMode.DEDICATED, EmbeddedDriver.embeddedContext().orElseThrow().threadingMode());
            }
        }
        assertTrue(EmbeddedDriver.embeddedContext().isEmpty(), "the driver outlived its last channel");
        try (MessageChannel in = Channels.bind("aeron:ipc", ChannelOptions.defaults())) {
            MediaDriver.Context c = EmbeddedDriver.embeddedContext().orElseThrow();
            assertEquals(ThreadingMode.SHARED, c.threadingMode());
            assertInstanceOf(BackoffIdleStrategy.class, c.sharedIdleStrategy());
        }
    }

    /**
     * Watches a receiver that waits with nothing to receive, taking {@code samples} looks at it
     * while it is inside {@code receive} (or fewer, once it was seen parked, if {@code untilParked}),
     * and {@return the waiting states (WAITING, TIMED_WAITING, BLOCKED) it was seen in} A parked
     * thread is in one of them; a spinning or yielding one is RUNNABLE, whether or not it has a
     * CPU. Counted looks, not a length of time: a loaded machine makes it slower, not different.
     */
    private static Set<Thread.State> statesWhileWaiting(WaitStrategy w, int samples, boolean untilParked)
            throws Exception {
        ChannelOptions options = ChannelOptions.defaults().waitStrategy(w);
        Set<Thread.State> seen = EnumSet.noneOf(Thread.State.class);
        try (MessageChannel in = Channels.bind("aeron:ipc", options);
             MessageChannel out = Channels.connect(in.address(), options)) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean inside = new AtomicBoolean();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread receiver = Thread.ofPlatform().name("aeron-receiver").start(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment b = arena.allocate(in.maxMessageSize());
                    in.receive(b, Duration.ZERO); // the code on the way, loaded and run once
                    started.countDown();
                    while (!stop.get()) {
                        inside.set(true);
                        int n = in.receive(b, Duration.ofMillis(200));
                        inside.set(false);
                        if (n != -1) {
                            throw new AssertionError("nothing was sent, yet a receive got " + n + " bytes");
                        }
                    }
                } catch (Throwable t) {
                    failed.set(t);
                    started.countDown();
                }
            });
            try {
                assertTrue(started.await(30, TimeUnit.SECONDS));
                int looks = 0;
                while (looks < samples && receiver.isAlive() && !(untilParked && !seen.isEmpty())) {
                    Thread.State s = receiver.getState();
                    if (inside.get()) { // still inside the same receive as when the state was read, or just left it
                        looks++;
                        if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING
                                || s == Thread.State.BLOCKED) {
                            seen.add(s);
                        }
                    }
                    Thread.sleep(0, 100_000);
                }
            } finally {
                stop.set(true);
                receiver.join();
            }
            assertNull(failed.get());
        }
        return seen;
    }

    @Test
    @Timeout(120)
    void aBusySpinReceiverNeverParks() throws Exception {
        Set<Thread.State> seen = statesWhileWaiting(WaitStrategy.busySpin(), 1000, false);
        assertTrue(seen.isEmpty(), "a busy-spin receiver was seen " + seen);
    }

    @Test
    @Timeout(120)
    void aYieldingReceiverNeverParks() throws Exception {
        Set<Thread.State> seen = statesWhileWaiting(WaitStrategy.yielding(10), 1000, false);
        assertTrue(seen.isEmpty(), "a yielding receiver was seen " + seen);
    }

    /** The watch above sees parking when there is some: a spin-then-sleep receiver parks. */
    @Test
    @Timeout(120)
    void aSpinThenSleepReceiverParks() throws Exception {
        Set<Thread.State> seen = statesWhileWaiting(WaitStrategy.spinThenSleep(10, 10), 100_000, true);
        assertEquals(Set.of(Thread.State.TIMED_WAITING), seen, "a spin-then-sleep receiver parks, timed");
    }
}
