package io.jipc.internal;

import io.jipc.WaitStrategy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sleeping strategy's spins and yields are cut per object while spinning does not end its
 * waits, and restored when it does: counted in attempts, one per spin, yield or sleep.
 */
class AdaptiveSpinTest {
    private static final WaitStrategy STRATEGY = WaitStrategy.spinThenSleep(1000, 100);

    /** A sleep that returns at once, counting itself; the "other side" acts only when we sleep. */
    private static class CountingBlocker extends Blocker {
        int sleeps;

        CountingBlocker() {
            super(null);
        }

        @Override
        protected void block(long maxNanos) {
            sleeps++;
        }

        @Override
        protected void wakeKernel() {
        }
    }

    /** {@return the attempts of one wait that is answered at the first attempt after a sleep} */
    private static int waitAnsweredAfterSleep(CountingBlocker b) throws Exception {
        int[] attempts = {0};
        int sleepsBefore = b.sleeps;
        Object got = Wait.until(() -> {
            attempts[0]++;
            return b.sleeps > sleepsBefore ? "answer" : null;
        }, b, STRATEGY, Deadline.FOREVER, null, Wait.Interrupts.IGNORE);
        assertEquals("answer", got);
        return attempts[0];
    }

    /** {@return the attempts of one wait that is answered at attempt {@code n}, while it spins} */
    private static int waitAnsweredAt(CountingBlocker b, int n) throws Exception {
        int[] attempts = {0};
        Wait.until(() -> ++attempts[0] == n ? "answer" : null, b, STRATEGY, Deadline.FOREVER, null,
                Wait.Interrupts.IGNORE);
        return attempts[0];
    }

    @Test
    void waitsThatSpinningNeverEndsSleepSoonerUntilTheySleepAtOnce() throws Exception {
        CountingBlocker b = new CountingBlocker();
        // First wait: every spin and yield, then one sleep, then the answering attempt.
        assertEquals(1000 + 100 + 1, waitAnsweredAfterSleep(b));
        assertEquals(500 + 50 + 1, waitAnsweredAfterSleep(b));
        assertEquals(250 + 25 + 1, waitAnsweredAfterSleep(b));
        for (int i = 0; i < 8; i++) {
            waitAnsweredAfterSleep(b);
        }
        // 1000 >> 11 and 100 >> 11 are 0: straight to sleep, one attempt after it.
        assertEquals(1, waitAnsweredAfterSleep(b));
    }

    @Test
    void aWaitThatSpinningEndsRestoresTheWholeStrategy() throws Exception {
        CountingBlocker b = new CountingBlocker();
        for (int i = 0; i < 12; i++) {
            waitAnsweredAfterSleep(b);
        }
        assertEquals(1, waitAnsweredAfterSleep(b));
        // Probes come one wait in PROBE_EVERY: until then, each wait sleeps at once.
        int probe = -1;
        for (int i = 0; i < Blocker.PROBE_EVERY && probe < 0; i++) {
            int n = waitAnsweredAfterSleep(b);
            if (n > 1) {
                probe = n;
            }
        }
        assertEquals((1000 >> Blocker.PROBE_CUT) + (100 >> Blocker.PROBE_CUT) + 1, probe, "one probe per cycle");
        assertEquals(1000 + 100 + 1, probe, "a probe spins and yields the whole strategy");
        // A probe whose spin is answered restores every spin: the next wait spins 1000 times.
        for (int i = 0; i < Blocker.PROBE_EVERY - 1; i++) {
            assertEquals(1, waitAnsweredAfterSleep(b));
        }
        assertEquals(3, waitAnsweredAt(b, 3), "the probe, answered by its third attempt");
        assertEquals(1000 + 100 + 1, waitAnsweredAfterSleep(b));
    }

    @Test
    void strategiesThatNeverSleepAreNeverCut() throws Exception {
        CountingBlocker b = new CountingBlocker();
        WaitStrategy yielding = WaitStrategy.yielding(10);
        for (int round = 0; round < 20; round++) {
            int[] attempts = {0};
            Wait.until(() -> ++attempts[0] == 40 ? "answer" : null, b, yielding, Deadline.FOREVER, null,
                    Wait.Interrupts.IGNORE);
            assertEquals(40, attempts[0]);
        }
        assertEquals(0, b.sleeps);
    }

    @Test
    void aBlockerThatOptsOutKeepsTheWholeStrategy() throws Exception {
        CountingBlocker b = new CountingBlocker() {
            @Override
            protected boolean spinsAdapt() {
                return false;
            }
        };
        for (int i = 0; i < 20; i++) {
            assertEquals(1000 + 100 + 1, waitAnsweredAfterSleep(b));
        }
    }

    @Test
    void aWaitThatTimesOutCountsAsUnpaidSpinning() throws Exception {
        CountingBlocker b = new CountingBlocker();
        assertNull(Wait.until(() -> null, b, STRATEGY, Deadline.afterNanos(1), null, Wait.Interrupts.IGNORE));
        assertEquals(500 + 50 + 1, waitAnsweredAfterSleep(b));
        assertTrue(b.sleeps >= 1);
    }
}
