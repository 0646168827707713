package io.jipc.bench.transport;

import io.jipc.bench.Transport;
import io.jipc.shm.SharedMemory;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Agrona's {@link OneToOneRingBuffer}, one per direction, over a jipc
 * {@link SharedMemory} object: the peer a Java user would pick today for fast IPC.
 * Both sides busy-spin ({@link Thread#onSpinWait()}, like Agrona's BusySpinIdleStrategy).
 *
 * <p>The object is named {@code /jipc-bench-<pid>-<n>} and unlinked as soon as the peer
 * has said hello through it, so nothing stays in /dev/shm even if a side dies later.
 */
public final class AgronaTransport implements Transport {
    /** Bytes of message space per direction. */
    public static final int CAPACITY = 1 << 20;
    private static final int RING_LENGTH = CAPACITY + RingBufferDescriptor.TRAILER_LENGTH;
    private static final int DATA = 1;
    private static final int HELLO = 2;
    private static final AtomicLong COUNTER = new AtomicLong();

    @Override
    public String name() {
        return "agrona";
    }

    @Override
    public String waiting() {
        return "busy-spin";
    }

    @Override
    public String description() {
        return "Agrona OneToOneRingBuffer x 2 (1 MiB each) over jipc SharedMemory, busy-spin";
    }

    @Override
    public Endpoint listen(Path scratch) throws IOException {
        checkOpens();
        String name = "/jipc-bench-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
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
                while (link.in.read((type, buffer, index, length) -> { }, 1) == 0) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("no hello from the peer on " + name + " within " + timeout);
                    }
                    Thread.onSpinWait();
                }
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
        checkOpens();
        SharedMemory shm = SharedMemory.open(address);
        RingLink link = new RingLink(shm, RING_LENGTH, 0);
        UnsafeBuffer hello = new UnsafeBuffer(new byte[8]);
        while (!link.out.write(HELLO, hello, 0, 8)) {
            Thread.onSpinWait();
        }
        return link;
    }

    private static final class RingLink implements Link {
        private final SharedMemory shm;
        final OneToOneRingBuffer out;
        final OneToOneRingBuffer in;
        private final UnsafeBuffer message = new UnsafeBuffer(0, 0);
        private final Copier copier = new Copier();
        private MemorySegment cached;

        RingLink(SharedMemory shm, int outOffset, int inOffset) {
            this.shm = shm;
            long base = shm.segment().address();
            this.out = new OneToOneRingBuffer(new UnsafeBuffer(base + outOffset, RING_LENGTH));
            this.in = new OneToOneRingBuffer(new UnsafeBuffer(base + inOffset, RING_LENGTH));
        }

        private UnsafeBuffer wrap(MemorySegment m) {
            if (m != cached) {
                cached = m;
                message.wrap(m.address(), (int) m.byteSize());
            }
            return message;
        }

        @Override
        public void send(MemorySegment m, int length) {
            UnsafeBuffer src = wrap(m);
            while (!out.write(DATA, src, 0, length)) {
                Thread.onSpinWait();
            }
        }

        @Override
        public void receive(MemorySegment m, int length) throws IOException {
            copier.target = wrap(m);
            copier.length = -1;
            while (in.read(copier, 1) == 0) {
                Thread.onSpinWait();
            }
            if (copier.length != length) {
                throw new IOException("expected a message of " + length + " bytes, got " + copier.length);
            }
        }

        @Override
        public void close() {
            // The UnsafeBuffers hold raw addresses: nothing may touch them after this.
            shm.close();
        }
    }

    /** Copies one record out of the ring (the ring's space is released after the handler). */
    private static final class Copier implements MessageHandler {
        MutableDirectBuffer target;
        int length;

        @Override
        public void onMessage(int type, MutableDirectBuffer buffer, int index, int length) {
            target.putBytes(0, buffer, index, length);
            this.length = length;
        }
    }

    /** Agrona 2 reaches jdk.internal.misc.Unsafe: say so plainly instead of failing deep inside it. */
    static void checkOpens() {
        if (!Object.class.getModule().isOpen("jdk.internal.misc", AgronaTransport.class.getModule())) {
            throw new IllegalStateException("Agrona needs --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED");
        }
    }
}
