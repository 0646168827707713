package io.jipc.bench.transport;

import io.jipc.bench.Transport;
import io.jipc.shm.SharedMemory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static io.jipc.bench.SlotRingDescriptor.HEAD_OFFSET;
import static io.jipc.bench.SlotRingDescriptor.RING_LENGTH;
import static io.jipc.bench.SlotRingDescriptor.SLOT_COUNT;
import static io.jipc.bench.SlotRingDescriptor.SLOT_HEADER_LENGTH;
import static io.jipc.bench.SlotRingDescriptor.TAIL_OFFSET;
import static io.jipc.bench.SlotRingDescriptor.slotOffset;

/**
 * The Java twin of cbench's "shm-spin": the slot ring of {@code slotring.h}, two of them
 * (one per direction) in a jipc {@link SharedMemory} object, busy-spinning on the
 * counters with acquire loads and publishing with release stores. Only public jipc API
 * plus VarHandles: this is the floor a jipc ring has to stand on.
 */
public final class ShmSpinTransport implements Transport {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final AtomicLong COUNTER = new AtomicLong();

    @Override
    public String name() {
        return "shm-spin";
    }

    @Override
    public String waiting() {
        return "busy-spin";
    }

    @Override
    public String description() {
        return "bench's slot ring (slotring.h), busy-spin; Java: jipc SharedMemory + VarHandles";
    }

    @Override
    public Endpoint listen(Path scratch) throws IOException {
        String name = "/jipc-bench-" + ProcessHandle.current().pid() + "-s" + COUNTER.incrementAndGet();
        SharedMemory shm = SharedMemory.create(name, 2L * RING_LENGTH);
        RingLink link = new RingLink(shm, 0, RING_LENGTH);
        return new Endpoint() {
            private boolean accepted;

            @Override
            public String address() {
                return name;
            }

            @Override
            public Link accept(Duration timeout) throws IOException {
                long deadline = System.nanoTime() + timeout.toNanos();
                // The peer's hello is one 8-byte message.
                while ((int) INT.getAcquire(link.in, (long) TAIL_OFFSET) == 0) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("no hello from the peer on " + name + " within " + timeout);
                    }
                    Thread.onSpinWait();
                }
                link.receive(link.scratch, 8);
                SharedMemory.unlink(name);
                accepted = true;
                return link;
            }

            @Override
            public void close() throws IOException {
                if (!accepted) {
                    link.close();
                }
                SharedMemory.unlink(name);
            }
        };
    }

    @Override
    public Link connect(String address) throws IOException {
        SharedMemory shm = SharedMemory.open(address);
        RingLink link = new RingLink(shm, RING_LENGTH, 0);
        link.send(link.scratch, 8);
        return link;
    }

    private static final class RingLink implements Link {
        private final SharedMemory shm;
        final MemorySegment out;
        final MemorySegment in;
        final MemorySegment scratch = java.lang.foreign.Arena.ofAuto().allocate(8, 8);
        /** Our own counters, and the last value seen of the other side's. */
        private int tail;
        private int headSeen;
        private int head;
        private int tailSeen;

        RingLink(SharedMemory shm, long outOffset, long inOffset) {
            this.shm = shm;
            this.out = shm.segment().asSlice(outOffset, RING_LENGTH);
            this.in = shm.segment().asSlice(inOffset, RING_LENGTH);
        }

        @Override
        public void send(MemorySegment message, int length) {
            int t = tail;
            while (t - headSeen >= SLOT_COUNT) {
                headSeen = (int) INT.getAcquire(out, (long) HEAD_OFFSET);
                if (t - headSeen >= SLOT_COUNT) {
                    Thread.onSpinWait();
                }
            }
            long slot = slotOffset(t);
            out.set(ValueLayout.JAVA_INT, slot, length);
            MemorySegment.copy(message, 0, out, slot + SLOT_HEADER_LENGTH, length);
            tail = t + 1;
            INT.setRelease(out, (long) TAIL_OFFSET, tail);
        }

        @Override
        public void receive(MemorySegment message, int length) throws IOException {
            int h = head;
            while (tailSeen == h) {
                tailSeen = (int) INT.getAcquire(in, (long) TAIL_OFFSET);
                if (tailSeen == h) {
                    Thread.onSpinWait();
                }
            }
            long slot = slotOffset(h);
            int actual = in.get(ValueLayout.JAVA_INT, slot);
            if (actual != length) {
                throw new IOException("expected a message of " + length + " bytes, got " + actual);
            }
            MemorySegment.copy(in, slot + SLOT_HEADER_LENGTH, message, 0, length);
            head = h + 1;
            INT.setRelease(in, (long) HEAD_OFFSET, head);
        }

        @Override
        public void close() {
            shm.close();
        }
    }
}
