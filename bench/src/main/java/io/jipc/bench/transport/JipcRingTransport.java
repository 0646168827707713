package io.jipc.bench.transport;

import io.jipc.WaitStrategy;
import io.jipc.bench.Transport;
import io.jipc.ring.MpscRing;
import io.jipc.ring.RecordSpanHandler;
import io.jipc.ring.Ring;
import io.jipc.ring.RingDescriptor;
import io.jipc.ring.SpscRing;
import io.jipc.shm.SharedMemory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * jipc's own rings ({@link io.jipc.ring}), one per direction, in one jipc
 * {@link SharedMemory} object of {@link #CAPACITY} data bytes per ring (Agrona's size in
 * {@link AgronaTransport}). Through the copying API, as every harness transport: a send is
 * {@link Ring#offer(MemorySegment)} (claim, copy in, commit), a receive a
 * {@link Ring#poll(RecordSpanHandler, int)} whose handler copies the message out before its
 * space is released.
 *
 * <p>Three variants, each with a C twin of the same name in cbench that runs
 * {@code native/jipc_ring.c} on the same layout:
 * <ul>
 *   <li>{@code jipc-ring-spin}: {@link SpscRing}, both sides busy-spin on the non-blocking
 *   calls ({@code offer}/{@code poll} in a loop with {@link Thread#onSpinWait()}): the ring
 *   API has no pure-spin mode, its blocking calls sleep after a while.</li>
 *   <li>{@code jipc-ring-sleep}: {@link SpscRing} with its own waits, blocking
 *   {@link Ring#put} and {@link Ring#read}: spin, yield, then sleep on a futex.</li>
 *   <li>{@code jipc-mpsc-spin}: as {@code jipc-ring-spin} over {@link MpscRing}s, one
 *   producer each: what the compare-and-set claim costs.</li>
 * </ul>
 *
 * <p>The object is named {@code /jipc-bench-<pid>-r<n>} and unlinked as soon as the peer
 * has said hello through it.
 */
public final class JipcRingTransport implements Transport {
    /** Data bytes per direction. */
    public static final int CAPACITY = 1 << 20;
    private static final long REGION = RingDescriptor.regionLength(CAPACITY);
    private static final AtomicLong COUNTER = new AtomicLong();
    /** How long a peer waits for the driver's rings to be initialised (attach's own default). */
    private static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(2);

    private final String name;
    private final boolean mpsc;
    private final boolean sleep;
    /** How the rings' blocking calls wait: the default spin, yield, then sleep, or sleep at once. */
    private final WaitStrategy strategy;

    private JipcRingTransport(String name, boolean mpsc, boolean sleep, WaitStrategy strategy) {
        this.name = name;
        this.mpsc = mpsc;
        this.sleep = sleep;
        this.strategy = strategy;
    }

    /** SPSC rings, busy-spinning sides. */
    public static JipcRingTransport spin() {
        return new JipcRingTransport("jipc-ring-spin", false, false, WaitStrategy.spinThenSleep());
    }

    /** SPSC rings with the rings' own spin-then-sleep waits. */
    public static JipcRingTransport sleep() {
        return new JipcRingTransport("jipc-ring-sleep", false, true, WaitStrategy.spinThenSleep());
    }

    /**
     * SPSC rings whose blocking calls sleep at once ({@code WaitStrategy.spinThenSleep(0, 0)}):
     * every wait of a ping-pong ends in {@code FUTEX_WAIT}, so its round trip is two futex
     * wake-ups, the case "when both sides really sleep" that bench's C futex slot ring measures.
     */
    public static JipcRingTransport futex() {
        return new JipcRingTransport("jipc-ring-futex", false, true, WaitStrategy.spinThenSleep(0, 0));
    }

    /** MPSC rings (one producer each), busy-spinning sides. */
    public static JipcRingTransport mpscSpin() {
        return new JipcRingTransport("jipc-mpsc-spin", true, false, WaitStrategy.spinThenSleep());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String waiting() {
        return name.equals("jipc-ring-futex") ? Transport.BLOCKING : sleep ? "spin-then-sleep" : "busy-spin";
    }

    @Override
    public String description() {
        if (name.equals("jipc-ring-futex")) {
            return "io.jipc.ring.SpscRing x 2, blocking put/read with WaitStrategy.spinThenSleep(0, 0): every wait "
                    + "sleeps in FUTEX_WAIT at once; C: jipc_ring_offer/jipc_ring_read with the handles' spins and "
                    + "yields set to 0";
        }
        if (sleep) {
            return "io.jipc.ring.SpscRing x 2, blocking put/read: the ring's spin, yield, then futex sleep; "
                    + "C: jipc_ring_offer/jipc_ring_read with no timeout";
        }
        return mpsc ? "io.jipc.ring.MpscRing x 2, one producer each (CAS claim), busy-spin; C: jipc_ring.c, MPSC kind"
                : "io.jipc.ring.SpscRing x 2 (" + (CAPACITY >> 20) + " MiB each), offer/poll in a busy-spin loop; "
                + "C: native/jipc_ring.c on the same layout";
    }

    @Override
    public Endpoint listen(Path scratch) throws IOException {
        String shmName = "/jipc-bench-" + ProcessHandle.current().pid() + "-r" + COUNTER.incrementAndGet();
        SharedMemory shm = SharedMemory.create(shmName, 2 * REGION);
        RingLink link;
        try {
            MemorySegment s = shm.segment();
            Ring out = mpsc ? MpscRing.create(s.asSlice(0, REGION), CAPACITY)
                    : SpscRing.create(s.asSlice(0, REGION), CAPACITY, strategy);
            Ring in = mpsc ? MpscRing.create(s.asSlice(REGION, REGION), CAPACITY)
                    : SpscRing.create(s.asSlice(REGION, REGION), CAPACITY, strategy);
            link = new RingLink(shm, out, in, sleep);
        } catch (RuntimeException e) {
            shm.close();
            SharedMemory.unlink(shmName);
            throw e;
        }
        return new Endpoint() {
            private boolean accepted;

            @Override
            public String address() {
                return shmName;
            }

            @Override
            public Link accept(Duration timeout) throws IOException {
                link.copier.target = MemorySegment.ofArray(new byte[8]);
                if (link.in.read(link.copier, 1, timeout) == 0) {
                    throw new IOException("no hello from the peer on " + shmName + " within " + timeout);
                }
                SharedMemory.unlink(shmName);
                accepted = true;
                return link;
            }

            @Override
            public void close() throws IOException {
                if (!accepted) {
                    link.close();
                }
                SharedMemory.unlink(shmName);
            }
        };
    }

    @Override
    public Link connect(String address) throws IOException {
        SharedMemory shm = SharedMemory.open(address);
        try {
            MemorySegment s = shm.segment();
            // The driver's out is our in.
            Ring in = mpsc ? MpscRing.attach(s.asSlice(0, REGION))
                    : SpscRing.attach(s.asSlice(0, REGION), ATTACH_TIMEOUT, strategy);
            Ring out = mpsc ? MpscRing.attach(s.asSlice(REGION, REGION))
                    : SpscRing.attach(s.asSlice(REGION, REGION), ATTACH_TIMEOUT, strategy);
            RingLink link = new RingLink(shm, out, in, sleep);
            out.put(s.asSlice(0, 0));
            return link;
        } catch (IOException | RuntimeException e) {
            shm.close();
            throw e;
        }
    }

    private static final class RingLink implements Link {
        private final SharedMemory shm;
        final Ring out;
        final Ring in;
        private final boolean sleep;
        final Copier copier = new Copier();
        private final SliceCache sendSlice = new SliceCache();

        RingLink(SharedMemory shm, Ring out, Ring in, boolean sleep) {
            this.shm = shm;
            this.out = out;
            this.in = in;
            this.sleep = sleep;
        }

        @Override
        public void send(MemorySegment message, int length) {
            MemorySegment m = sendSlice.of(message, length);
            if (sleep) {
                out.put(m);
                return;
            }
            while (!out.offer(m)) {
                Thread.onSpinWait();
            }
        }

        @Override
        public void receive(MemorySegment message, int length) throws IOException {
            copier.target = message;
            copier.length = -1;
            if (sleep) {
                in.read(copier, 1);
            } else {
                while (in.poll(copier, 1) == 0) {
                    Thread.onSpinWait();
                }
            }
            if (copier.length != length) {
                throw new IOException("expected a message of " + length + " bytes, got " + copier.length);
            }
        }

        @Override
        public void close() {
            // The rings are views of this segment: closing it makes them throw, never crash.
            shm.close();
        }
    }

    /**
     * Copies one message out of the ring (its space is released after the handler), from
     * the span {@link Ring#poll(RecordSpanHandler, int)} hands over: no segment per message.
     */
    private static final class Copier implements RecordSpanHandler {
        MemorySegment target;
        int length;

        @Override
        public void onRecord(int type, MemorySegment buffer, long offset, int n) {
            MemorySegment.copy(buffer, offset, target, 0, n);
            length = n;
        }
    }
}
