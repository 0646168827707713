package io.jipc.ring;

import io.jipc.WaitStrategy;
import io.jipc.internal.Deadline;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;

import static io.jipc.ring.RingHeader.CONSUMER_POSITION_AT;
import static io.jipc.ring.RingHeader.DEAD_PRODUCER_RECORDS_SKIPPED_AT;
import static io.jipc.ring.RingHeader.LONG;
import static io.jipc.ring.RingHeader.PRODUCER_POSITION_AT;

/**
 * What the two rings share: a handle on a region whose header {@link RingHeader} created
 * or checked, with a {@link RingProducer} and a {@link RingConsumer} over it. Each
 * operation of {@link Ring} exists here once, taking how long it may wait as a
 * {@link Deadline} ({@code NOW}, {@code FOREVER} or timed) and waiting in jipc's one wait
 * loop ({@link io.jipc.internal.Wait}) as this handle's {@link WaitStrategy} says; the
 * interface's other forms are its default methods. Subclasses differ only in how a producer reserves space (an
 * MPSC ring has a {@link ReservationLock}).
 */
abstract sealed class RingBase implements Ring permits SpscRing, MpscRing {
    private final MemorySegment region;
    private final int capacity;
    private final RingProducer producer;
    private final RingConsumer consumer;

    private final WaitStrategy strategy;

    /** @param lock the MPSC reservation lock, null for SPSC */
    RingBase(MemorySegment region, ReservationLock lock, WaitStrategy strategy) {
        this.region = region;
        this.capacity = RingHeader.capacityOf(region);
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        RingMapping mapping = new RingMapping(region);
        mapping.check();
        SleeperFence.register();
        this.producer = new RingProducer(region, capacity, lock, strategy, mapping);
        this.consumer = new RingConsumer(region, capacity, lock, strategy, mapping);
    }

    @Override
    public WaitStrategy waitStrategy() {
        return strategy;
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
        int index = producer.claimIndex(length, Deadline.NOW);
        return index < 0 ? null : producer.claimAt(index, length);
    }

    @Override
    public Claim claim(int length) {
        return producer.claim(length, Deadline.FOREVER);
    }

    @Override
    public Claim claim(int length, Duration timeout) {
        // A Deadline only when the answer is not there now: it would be allocated per message.
        Claim claim = producer.claim(length, Deadline.NOW);
        return claim != null ? claim : producer.claim(length, Deadline.after(timeout));
    }

    @Override
    public boolean offer(int type, MemorySegment message) {
        return producer.offer(type, message, Deadline.NOW);
    }

    @Override
    public void put(int type, MemorySegment message) {
        producer.offer(type, message, Deadline.FOREVER);
    }

    @Override
    public boolean offer(int type, MemorySegment message, Duration timeout) {
        return producer.offer(type, message, Deadline.NOW) || producer.offer(type, message, Deadline.after(timeout));
    }

    @Override
    public int poll(RecordHandler handler, int limit) {
        return consumer.read(Objects.requireNonNull(handler, "handler"), null, limit, Deadline.NOW);
    }

    @Override
    public int read(RecordHandler handler, int limit) {
        return consumer.read(Objects.requireNonNull(handler, "handler"), null, limit, Deadline.FOREVER);
    }

    @Override
    public int read(RecordHandler handler, int limit, Duration timeout) {
        int n = consumer.read(Objects.requireNonNull(handler, "handler"), null, limit, Deadline.NOW);
        return n > 0 ? n : consumer.read(handler, null, limit, Deadline.after(timeout));
    }

    @Override
    public int poll(RecordSpanHandler handler, int limit) {
        return consumer.read(null, Objects.requireNonNull(handler, "handler"), limit, Deadline.NOW);
    }

    @Override
    public int read(RecordSpanHandler handler, int limit) {
        return consumer.read(null, Objects.requireNonNull(handler, "handler"), limit, Deadline.FOREVER);
    }

    @Override
    public int read(RecordSpanHandler handler, int limit, Duration timeout) {
        int n = consumer.read(null, Objects.requireNonNull(handler, "handler"), limit, Deadline.NOW);
        return n > 0 ? n : consumer.read(null, handler, limit, Deadline.after(timeout));
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
