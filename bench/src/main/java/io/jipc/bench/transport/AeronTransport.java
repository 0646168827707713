package io.jipc.bench.transport;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.jipc.bench.Transport;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Aeron, the other Java peer a user would weigh: one {@link ExclusivePublication} and one
 * {@link Subscription} per side, stream {@link #TO_PEER} one way and {@link #FROM_PEER} the
 * other, through a media driver embedded in the driver JVM (the listening side), as the
 * harness runs Agrona. Both sides busy-spin on {@code offer} and {@code poll}, like Aeron's
 * {@code BusySpinIdleStrategy} ({@link Thread#onSpinWait()}).
 *
 * <p>The media driver runs {@link ThreadingMode#DEDICATED} (conductor, sender, receiver threads).
 * Its idle strategy is {@code backoff} unless {@code -Djipc.bench.aeron.driverIdle=busy-spin}
 * (pass it with {@code --jvm-args}): on a machine with two CPUs, three more busy-spinning
 * threads would take the CPUs from the two benchmark threads, and on IPC the sender and
 * receiver have nothing to do; the conductor moves the publication's limit, which a term of
 * {@value #TERM_LENGTH_MIB} MiB lets run far ahead of it.
 *
 * <p>The Aeron directory is {@code /dev/shm/jipc-bench-<pid>-aeron-<n>}, deleted when the media
 * driver closes (and by the harness if this JVM dies). Another Aeron transport (UDP, say) is
 * this class with other channels: see {@link #AeronTransport(String, String, String, String)}.
 */
public class AeronTransport implements Transport {
    /** Stream ids, driver to peer and back. */
    static final int TO_PEER = 1001;
    static final int FROM_PEER = 1002;
    static final int TERM_LENGTH_MIB = 16;
    /** Above {@link io.jipc.bench.Protocol#MAX_SIZE} + the frame header: no message is fragmented. */
    static final int MTU = 8192;
    public static final String DRIVER_IDLE_PROPERTY = "jipc.bench.aeron.driverIdle";
    private static final AtomicLong COUNTER = new AtomicLong();

    private final String name;
    private final String description;
    private final String toPeerChannel;
    private final String fromPeerChannel;

    /**
     * @param toPeerChannel   the Aeron channel URI of the driver-to-peer stream
     * @param fromPeerChannel the Aeron channel URI of the peer-to-driver stream
     */
    protected AeronTransport(String name, String description, String toPeerChannel, String fromPeerChannel) {
        this.name = name;
        this.description = description;
        this.toPeerChannel = toPeerChannel;
        this.fromPeerChannel = fromPeerChannel;
    }

    /** {@code aeron:ipc}: publication and subscription share log buffers in /dev/shm. */
    public static AeronTransport ipc() {
        String channel = "aeron:ipc?term-length=" + TERM_LENGTH_MIB + "m|mtu=" + MTU;
        return new AeronTransport("aeron-ipc", "Aeron " + Aeron.class.getPackage().getImplementationVersion()
                + " aeron:ipc (term " + TERM_LENGTH_MIB + " MiB), ExclusivePublication.offer / Subscription.poll, "
                + "busy-spin; embedded media driver in the driver JVM, dedicated threads", channel, channel);
    }

    /**
     * {@code aeron:udp} over loopback, one endpoint per direction: the remote transport next to
     * {@code tcp}. Both JVMs use the one media driver, so each message still crosses the kernel's
     * UDP stack twice per round trip (publication to endpoint, endpoint to subscription).
     */
    public static AeronTransport udp() {
        String to = "aeron:udp?endpoint=127.0.0.1:40461|term-length=" + TERM_LENGTH_MIB + "m|mtu=" + MTU;
        String from = "aeron:udp?endpoint=127.0.0.1:40462|term-length=" + TERM_LENGTH_MIB + "m|mtu=" + MTU;
        return new AeronTransport("aeron-udp", "Aeron " + Aeron.class.getPackage().getImplementationVersion()
                + " aeron:udp on loopback (term " + TERM_LENGTH_MIB + " MiB), ExclusivePublication.offer / "
                + "Subscription.poll, busy-spin; embedded media driver in the driver JVM, dedicated threads", to, from);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String waiting() {
        return BUSY_SPIN;
    }

    @Override
    public String description() {
        return description + ", " + System.getProperty(DRIVER_IDLE_PROPERTY, "backoff") + " idle (set with --jvm-args "
                + "-D" + DRIVER_IDLE_PROPERTY + "=busy-spin|backoff)";
    }

    @Override
    public Endpoint listen(Path scratch) throws IOException {
        AgronaTransport.checkOpens();
        String dir = "/dev/shm/jipc-bench-" + ProcessHandle.current().pid() + "-aeron-" + COUNTER.incrementAndGet();
        MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(dir)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .threadingMode(ThreadingMode.DEDICATED)
                .conductorIdleStrategy(driverIdle())
                .senderIdleStrategy(driverIdle())
                .receiverIdleStrategy(driverIdle())
                .termBufferSparseFile(false)
                .printConfigurationOnStart(false));
        AeronLink link;
        try {
            link = AeronLink.open(dir, toPeerChannel, TO_PEER, fromPeerChannel, FROM_PEER, driver);
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
        return new Endpoint() {
            private boolean accepted;

            @Override
            public String address() {
                return dir;
            }

            @Override
            public Link accept(Duration timeout) throws IOException {
                long deadline = System.nanoTime() + timeout.toNanos();
                // The peer's hello: its publication is up, and so is its subscription to ours.
                boolean hello = false;
                while (!(hello = hello || link.in.poll((buffer, offset, length, header) -> { }, 1) > 0)
                        || !link.out.isConnected()) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("no hello from the peer through " + dir + " within " + timeout);
                    }
                    Thread.onSpinWait();
                }
                accepted = true;
                return link;
            }

            @Override
            public void close() {
                if (!accepted) {
                    link.close();
                }
            }
        };
    }

    private static IdleStrategy driverIdle() {
        String idle = System.getProperty(DRIVER_IDLE_PROPERTY, "backoff");
        return switch (idle) {
            case "busy-spin" -> new BusySpinIdleStrategy();
            case "backoff" -> new BackoffIdleStrategy();
            default -> throw new IllegalArgumentException(DRIVER_IDLE_PROPERTY + " is busy-spin or backoff, not " + idle);
        };
    }

    @Override
    public Link connect(String address) throws IOException {
        AgronaTransport.checkOpens();
        AeronLink link = AeronLink.open(address, fromPeerChannel, FROM_PEER, toPeerChannel, TO_PEER, null);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        UnsafeBuffer hello = new UnsafeBuffer(new byte[8]);
        while (link.out.offer(hello, 0, 8) < 0) {
            if (System.nanoTime() - deadline > 0) {
                link.close();
                throw new IOException("the driver's subscription did not appear within 60 s in " + address);
            }
            Thread.onSpinWait();
        }
        return link;
    }

    private static final class AeronLink implements Link {
        private final Aeron aeron;
        private final MediaDriver driver;
        final ExclusivePublication out;
        final Subscription in;
        private final UnsafeBuffer message = new UnsafeBuffer(0, 0);
        private final Copier copier = new Copier();
        private MemorySegment cached;

        private AeronLink(Aeron aeron, MediaDriver driver, ExclusivePublication out, Subscription in) {
            this.aeron = aeron;
            this.driver = driver;
            this.out = out;
            this.in = in;
        }

        static AeronLink open(String dir, String outChannel, int outStream, String inChannel, int inStream,
                              MediaDriver driver) {
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
            try {
                ExclusivePublication out = aeron.addExclusivePublication(outChannel, outStream);
                Subscription in = aeron.addSubscription(inChannel, inStream);
                return new AeronLink(aeron, driver, out, in);
            } catch (RuntimeException e) {
                aeron.close();
                throw e;
            }
        }

        private UnsafeBuffer wrap(MemorySegment m) {
            if (m != cached) {
                cached = m;
                message.wrap(m.address(), (int) m.byteSize());
            }
            return message;
        }

        @Override
        public void send(MemorySegment m, int length) throws IOException {
            UnsafeBuffer src = wrap(m);
            long result;
            while ((result = out.offer(src, 0, length)) < 0) {
                if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                    throw new IOException("Aeron publication: " + Publication.errorString(result));
                }
                Thread.onSpinWait();
            }
        }

        @Override
        public void receive(MemorySegment m, int length) throws IOException {
            copier.target = wrap(m);
            copier.length = -1;
            while (in.poll(copier, 1) == 0) {
                Thread.onSpinWait();
            }
            if (copier.length != length) {
                throw new IOException("expected a message of " + length + " bytes, got " + copier.length);
            }
        }

        @Override
        public void close() {
            // The UnsafeBuffers of Aeron hold raw addresses of the log buffers: the client goes
            // before the driver that maps them.
            aeron.close();
            if (driver != null) {
                driver.close();
            }
        }
    }

    /** Copies one message out of the log buffer. */
    private static final class Copier implements FragmentHandler {
        UnsafeBuffer target;
        int length;

        @Override
        public void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
            target.putBytes(0, buffer, offset, length);
            this.length = length;
        }
    }
}
