package io.jipc.cli.objects;

import io.jipc.ring.RingDescriptor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static io.jipc.ring.RingDescriptor.CAPACITY_OFFSET;
import static io.jipc.ring.RingDescriptor.CONSUMER_POSITION_OFFSET;
import static io.jipc.ring.RingDescriptor.CONSUMER_SLEEPERS_OFFSET;
import static io.jipc.ring.RingDescriptor.CREATOR_PID_OFFSET;
import static io.jipc.ring.RingDescriptor.CREATOR_START_TIME_OFFSET;
import static io.jipc.ring.RingDescriptor.DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET;
import static io.jipc.ring.RingDescriptor.INIT_STATE_OFFSET;
import static io.jipc.ring.RingDescriptor.LAYOUT_VERSION_OFFSET;
import static io.jipc.ring.RingDescriptor.MAGIC_OFFSET;
import static io.jipc.ring.RingDescriptor.PRODUCER_POSITION_OFFSET;
import static io.jipc.ring.RingDescriptor.PRODUCER_SLEEPERS_OFFSET;
import static io.jipc.ring.RingDescriptor.RING_KIND_OFFSET;

/**
 * Recognises an {@code io.jipc.ring} ring at the start of a shared-memory object, through
 * {@link RingDescriptor}'s own offsets: its magic and layout version, a kind and a capacity
 * it accepts, and a region that fits the object. A ring placed elsewhere in a segment is
 * not looked for; such a segment shows as a plain one.
 */
final class RingInspector implements ObjectInspector {
    private static final String LAYOUT_NAME = "jipc ring v" + RingDescriptor.LAYOUT_VERSION;

    @Override
    public Optional<Header> inspect(ByteBuffer head, long objectSize) {
        if (head.remaining() < RingDescriptor.HEADER_LENGTH
                || head.getLong(MAGIC_OFFSET) != RingDescriptor.MAGIC
                || head.getInt(LAYOUT_VERSION_OFFSET) != RingDescriptor.LAYOUT_VERSION) {
            return Optional.empty();
        }
        int state = head.getInt(INIT_STATE_OFFSET);
        int pid = head.getInt(CREATOR_PID_OFFSET);
        long start = head.getLong(CREATOR_START_TIME_OFFSET);
        OptionalLong creator = pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty();
        OptionalLong creatorStart = pid > 0 && start > 0 ? OptionalLong.of(start) : OptionalLong.empty();
        if (state != RingDescriptor.STATE_READY) {
            // Kind and capacity are written later than the magic: do not trust them yet.
            String what = state == RingDescriptor.STATE_INITIALISING ? "being initialised" : "not initialised";
            return Optional.of(new Header(LAYOUT_NAME, creator, creatorStart, List.of(what)));
        }
        int kind = head.getInt(RING_KIND_OFFSET);
        int capacity = head.getInt(CAPACITY_OFFSET);
        String kindName = kind == RingDescriptor.KIND_SPSC ? "SPSC" : kind == RingDescriptor.KIND_MPSC ? "MPSC" : null;
        if (kindName == null || capacity < RingDescriptor.MIN_CAPACITY || capacity > RingDescriptor.MAX_CAPACITY
                || Integer.bitCount(capacity) != 1 || RingDescriptor.regionLength(capacity) > objectSize) {
            return Optional.empty();
        }
        long used = head.getLong(PRODUCER_POSITION_OFFSET) - head.getLong(CONSUMER_POSITION_OFFSET);
        List<String> details = new ArrayList<>();
        details.add(kindName);
        details.add("capacity " + capacity);
        if (used >= 0 && used <= capacity) {
            details.add(String.format("fill %d bytes (%d %%)", used, used * 100 / capacity));
        }
        int sleepingConsumers = head.getInt(CONSUMER_SLEEPERS_OFFSET);
        int sleepingProducers = head.getInt(PRODUCER_SLEEPERS_OFFSET);
        details.add("asleep: " + sleepingConsumers + " consumer / " + sleepingProducers + " producer");
        long skipped = head.getLong(DEAD_PRODUCER_RECORDS_SKIPPED_OFFSET);
        if (skipped > 0) {
            details.add(skipped + " records of dead producers skipped");
        }
        return Optional.of(new Header(LAYOUT_NAME, creator, creatorStart, details));
    }
}
