package io.jipc.ring;

import io.jipc.posix.Clocks;
import io.jipc.posix.Errno;

import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static io.jipc.ring.RingHeader.CONSUMER_POSITION_AT;
import static io.jipc.ring.RingHeader.DEAD_PRODUCER_RECORDS_SKIPPED_AT;
import static io.jipc.ring.RingHeader.LONG;
import static io.jipc.ring.RingHeader.PRODUCER_POSITION_AT;

/**
 * What the two rings share: a handle on a region whose header {@link RingHeader} created
 * or checked, with a {@link RingProducer} and a {@link RingConsumer} over it. Each
 * operation of {@link Ring} exists here once, taking how long it may wait: {@link #NOW},
 * {@link #FOREVER} or a budget in nanoseconds; the interface's other forms are its
 * default methods. Subclasses differ only in how a producer reserves space (an
 * MPSC ring has a {@link ReservationLock}).
 */
abstract sealed class RingBase implements Ring permits SpscRing, MpscRing {
    /** A wait budget: do not wait. */
    static final long NOW = 0;
    /** A wait budget: wait as long as it takes. */
    static final long FOREVER = -1;

    /** Polls with {@code onSpinWait} before yielding: 20-30 microseconds on current x86. */
    static final int SPIN_LIMIT = 1000;
    /**
     * Polls with {@code Thread.yield} after spinning, before sleeping: on a machine with more
     * runnable threads than cores, the other side may be waiting for this very core.
     */
    static final int YIELD_LIMIT = 100;
    /** Longest sleep with nothing claimed at the head: a claim sends no wake-up, so look now and then. */
    static final long IDLE_SLICE_NANOS = 1_000_000_000L;

    private final MemorySegment region;
    private final int capacity;
    private final RingProducer producer;
    private final RingConsumer consumer;

    /** @param lock the MPSC reservation lock, null for SPSC */
    RingBase(MemorySegment region, ReservationLock lock) {
        this.region = region;
        this.capacity = RingHeader.capacityOf(region);
        this.producer = new RingProducer(region, capacity, lock);
        this.consumer = new RingConsumer(region, capacity, lock);
    }

    static void checkFutex(int r) {
        if (r < 0 && r != -Errno.EAGAIN && r != -Errno.EINTR && r != -Errno.ETIMEDOUT) {
            throw new IllegalStateException(Errno.exception("futex(FUTEX_WAIT)", null, -r).getMessage());
        }
    }

    @Override
    public int capacity() {
        checkOpen();
        return capacity;
    }

    @Override
    public int maxMessageLength() {
        checkOpen();
        return producer.maxMessageLength();
    }

    @Override
    public Claim tryClaim(int length) {
        return producer.claim(length, NOW);
    }

    @Override
    public Claim claim(int length) {
        return producer.claim(length, FOREVER);
    }

    @Override
    public Claim claim(int length, Duration timeout) {
        return producer.claim(length, budget(timeout));
    }

    @Override
    public boolean offer(int type, MemorySegment message) {
        return producer.offer(type, message, NOW);
    }

    @Override
    public void put(int type, MemorySegment message) {
        producer.offer(type, message, FOREVER);
    }

    @Override
    public boolean offer(int type, MemorySegment message, Duration timeout) {
        return producer.offer(type, message, budget(timeout));
    }

    @Override
    public int poll(RecordHandler handler, int limit) {
        return consumer.read(handler, limit, NOW);
    }

    @Override
    public int read(RecordHandler handler, int limit) {
        return consumer.read(handler, limit, FOREVER);
    }

    @Override
    public int read(RecordHandler handler, int limit, Duration timeout) {
        return consumer.read(handler, limit, budget(timeout));
    }

    /** A timed form's budget: never {@link #FOREVER}, {@link #NOW} for zero or negative. */
    private static long budget(Duration timeout) {
        return Clocks.toNanos(timeout);
    }

    @Override
    public boolean unblock() {
        return consumer.unblock();
    }

    @Override
    public long producerPosition() {
        return (long) LONG.getVolatile(region, PRODUCER_POSITION_AT);
    }

    @Override
    public long consumerPosition() {
        return (long) LONG.getVolatile(region, CONSUMER_POSITION_AT);
    }

    @Override
    public long deadProducerRecordsSkipped() {
        return (long) LONG.getVolatile(region, DEAD_PRODUCER_RECORDS_SKIPPED_AT);
    }

    private void checkOpen() {
        if (!region.scope().isAlive()) {
            throw new IllegalStateException("the ring's memory is closed");
        }
    }

    @Override
    public String toString() {
        String name = getClass().getSimpleName();
        if (!region.scope().isAlive()) {
            return name + "[closed]";
        }
        return name + "[capacity " + capacity + ", producer position " + producerPosition() + ", consumer position "
                + consumerPosition() + "]";
    }
}
