package io.jipc.bench.transport;

// Long because two Aeron transports (aeron:ipc and aeron:udp) share one driver set-up, and
// udp carries its driver modes (invoker in the measuring thread, or dedicated threads) and
// the port hand-over to the peer: one place to read how the harness runs Aeron.

import io.aeron.Aeron;
import io.aeron.AeronVersion;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.jipc.bench.Transport;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Aeron, the other Java peer a user would weigh: one {@link ExclusivePublication} and one
 * {@link Subscription} per side, stream {@link #TO_PEER} one way and {@link #FROM_PEER} the
 * other, through a media driver embedded in the driver JVM (the listening side), as the
 * harness runs Agrona. Both sides busy-spin on {@code offer} and {@code poll}, like Aeron's
 * {@code BusySpinIdleStrategy} ({@link Thread#onSpinWait()}).
 *
 * <p><b>The media driver's threads.</b> For {@code aeron:ipc} the driver runs
 * {@link ThreadingMode#DEDICATED} (conductor, sender, receiver threads) with idle strategy
 * {@code backoff} unless {@code -Djipc.bench.aeron.driverIdle=busy-spin} (pass it with
 * {@code --jvm-args}): the messages go from log buffer to log buffer without the driver,
 * whose conductor only moves the publication's limit, which a term of {@value #TERM_LENGTH_MIB}
 * MiB lets run far ahead of it.
 *
 * <p>For {@code aeron:udp} every message passes through the driver's sender and receiver,
 * and there the driver's threads decide the result: with the harness's two sides pinned and
 * busy-spinning on a two-CPU machine, a dedicated or shared driver thread has no CPU of its
 * own, and waits for the scheduler to take one from a spinning side (milliseconds under
 * EEVDF and CFS alike; a backoff idle strategy adds its park on top): round trips of about
 * 10 ms that measured the scheduler, not Aeron. So the UDP row runs the driver
 * {@link ThreadingMode#INVOKER}, Aeron's mode for an application that lends the driver its
 * own thread: the driver JVM's side calls the driver's duty cycle
 * ({@link MediaDriver#sharedAgentInvoker()}) where it would spin, after each offer and while
 * it waits, and the driver does every sender, receiver and conductor step of both directions
 * on that pinned CPU, as it would on a spare core of its own. {@code
 * -Djipc.bench.aeron.udpDriver=dedicated} restores the driver threads (with
 * {@code driverIdle} as above), to see the difference.
 *
 * <p>The Aeron directory is {@code /dev/shm/jipc-bench-<pid>-aeron-<n>}, deleted when the media
 * driver closes (and by the harness if this JVM dies). Another Aeron transport (UDP, say) is
 * this class with other channels: see {@link #AeronTransport(String, String, String, String, boolean)}.
 * The UDP ports are free ones the driver JVM picks and hands the peer with the directory, so
 * a run never meets another's leftover or concurrent driver on a fixed port.
 */
public class AeronTransport implements Transport {
    /** Stream ids, driver to peer and back. */
    static final int TO_PEER = 1001;
    static final int FROM_PEER = 1002;
    static final int TERM_LENGTH_MIB = 16;
    /** Above {@link io.jipc.bench.Protocol#MAX_SIZE} + the frame header: no message is fragmented. */
    static final int MTU = 8192;
    public static final String DRIVER_IDLE_PROPERTY = "jipc.bench.aeron.driverIdle";
    /** {@code invoker} (the default) or {@code dedicated}: who runs the driver of the UDP row. */
    public static final String UDP_DRIVER_PROPERTY = "jipc.bench.aeron.udpDriver";
    /**
     * An invoked driver runs only while the driver JVM's side is in a send or receive: between
     * steps (the idle step's half second, a JIT or GC pause on a loaded machine) neither its
     * heartbeat nor the clients' keep-alives move, so its timeouts are generous.
     */
    private static final long INVOKED_TIMEOUT_MS = 60_000;
    /** Placeholders for the UDP ports in a channel, replaced by the ones the driver JVM picked. */
    private static final String TO_PORT = "{to}";
    private static final String FROM_PORT = "{from}";
    private static final AtomicLong COUNTER = new AtomicLong();

    private final String name;
    private final String description;
    private final String toPeerChannel;
    private final String fromPeerChannel;
    private final boolean udp;

    /**
     * @param toPeerChannel   the Aeron channel URI of the driver-to-peer stream
     * @param fromPeerChannel the Aeron channel URI of the peer-to-driver stream
     * @param udp             whether the channels go through the driver's sender and receiver
     *                        (and name their ports {@value #TO_PORT} and {@value #FROM_PORT})
     */
    protected AeronTransport(String name, String description, String toPeerChannel, String fromPeerChannel,
                             boolean udp) {
        this.name = name;
        this.description = description;
        this.toPeerChannel = toPeerChannel;
        this.fromPeerChannel = fromPeerChannel;
        this.udp = udp;
    }

    /** {@code aeron:ipc}: publication and subscription share log buffers in /dev/shm. */
    public static AeronTransport ipc() {
        String channel = "aeron:ipc?term-length=" + TERM_LENGTH_MIB + "m|mtu=" + MTU;
        return new AeronTransport("aeron-ipc", "Aeron " + AeronVersion.VERSION
                + " aeron:ipc (term " + TERM_LENGTH_MIB + " MiB), ExclusivePublication.offer / Subscription.poll, "
                + "busy-spin; embedded media driver in the driver JVM, dedicated threads", channel, channel, false);
    }

    /**
     * {@code aeron:udp} over loopback, one endpoint per direction: the remote transport next to
     * {@code tcp}. Both JVMs use the one media driver, so each message still crosses the kernel's
     * UDP stack once per direction (sender to the subscription's endpoint, whose receiver is the
     * same driver), as it would between two hosts' drivers.
     */
    public static AeronTransport udp() {
        String to = "aeron:udp?endpoint=127.0.0.1:" + TO_PORT + "|term-length=" + TERM_LENGTH_MIB + "m|mtu=" + MTU;
        String from = "aeron:udp?endpoint=127.0.0.1:" + FROM_PORT + "|term-length=" + TERM_LENGTH_MIB + "m|mtu="
                + MTU;
        return new AeronTransport("aeron-udp", "Aeron " + AeronVersion.VERSION
                + " aeron:udp on loopback (term " + TERM_LENGTH_MIB + " MiB), ExclusivePublication.offer / "
                + "Subscription.poll, busy-spin; embedded media driver in the driver JVM", to, from, true);
    }

    /** {@return whether the driver runs in the driver JVM's side (the UDP row, unless told otherwise)} */
    private boolean invoked() {
        if (!udp) {
            return false;
        }
        String mode = System.getProperty(UDP_DRIVER_PROPERTY, "invoker");
        return switch (mode) {
            case "invoker" -> true;
            case "dedicated" -> false;
            default -> throw new IllegalArgumentException(UDP_DRIVER_PROPERTY + " is invoker or dedicated, not " + mode);
        };
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
        if (invoked()) {
            return description + ", invoked by the driver JVM's side where it would spin (Aeron's INVOKER threading "
                    + "mode: the two-CPU machine has no spare core for driver threads; dedicated threads with --jvm-args "
                    + "-D" + UDP_DRIVER_PROPERTY + "=dedicated)";
        }
        return description + ", dedicated threads, " + System.getProperty(DRIVER_IDLE_PROPERTY, "backoff")
                + " idle (set with --jvm-args -D" + DRIVER_IDLE_PROPERTY + "=busy-spin|backoff)";
    }

    @Override
    public Endpoint listen(Path scratch) throws IOException {
        AgronaTransport.checkOpens();
        String dir = "/dev/shm/jipc-bench-" + ProcessHandle.current().pid() + "-aeron-" + COUNTER.incrementAndGet();
        boolean invoked = invoked();
        MediaDriver.Context ctx = new MediaDriver.Context()
                .aeronDirectoryName(dir)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .termBufferSparseFile(false)
                .printConfigurationOnStart(false);
        if (invoked) {
            ctx.threadingMode(ThreadingMode.INVOKER)
                    .clientLivenessTimeoutNs(TimeUnit.MILLISECONDS.toNanos(INVOKED_TIMEOUT_MS))
                    .publicationUnblockTimeoutNs(TimeUnit.MILLISECONDS.toNanos(2 * INVOKED_TIMEOUT_MS))
                    .imageLivenessTimeoutNs(TimeUnit.MILLISECONDS.toNanos(INVOKED_TIMEOUT_MS))
                    .publicationConnectionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(INVOKED_TIMEOUT_MS))
                    .driverTimeoutMs(INVOKED_TIMEOUT_MS);
        } else {
            ctx.threadingMode(ThreadingMode.DEDICATED)
                    .conductorIdleStrategy(driverIdle())
                    .senderIdleStrategy(driverIdle())
                    .receiverIdleStrategy(driverIdle());
        }
        MediaDriver driver = MediaDriver.launch(ctx);
        AeronLink link;
        String address;
        try {
            String to = toPeerChannel;
            String from = fromPeerChannel;
            if (udp) {
                int[] ports = freeUdpPorts();
                to = to.replace(TO_PORT, Integer.toString(ports[0]));
                from = from.replace(FROM_PORT, Integer.toString(ports[1]));
            }
            address = dir + "," + noComma(to) + "," + noComma(from);
            link = AeronLink.open(dir, to, TO_PEER, from, FROM_PEER, driver,
                    invoked ? driver.sharedAgentInvoker() : null);
        } catch (RuntimeException | IOException e) {
            driver.close();
            throw e;
        }
        return new Endpoint() {
            private boolean accepted;

            @Override
            public String address() {
                return address;
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
                    link.idle();
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

    /**
     * {@return two UDP ports of loopback free a moment ago} The driver binds them a moment later;
     * another process taking one in between makes the run fail, not measure the wrong thing.
     */
    private static int[] freeUdpPorts() throws IOException {
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket b = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }

    /** {@return a channel as the address carries it: no commas, which separate the address's parts} */
    private static String noComma(String channel) {
        if (channel.contains(",")) {
            throw new IllegalArgumentException("an Aeron channel with a comma: " + channel);
        }
        return channel;
    }

    @Override
    public Link connect(String address) throws IOException {
        AgronaTransport.checkOpens();
        String[] parts = address.split(",", 3);
        if (parts.length != 3) {
            throw new IOException("not an address of " + name + ": " + address);
        }
        AeronLink link = AeronLink.open(parts[0], parts[2], FROM_PEER, parts[1], TO_PEER, null, null);
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
        /** The driver's duty cycle, when this side runs it (INVOKER); null when the driver has threads. */
        private final AgentInvoker invoker;
        final ExclusivePublication out;
        final Subscription in;
        private final UnsafeBuffer message = new UnsafeBuffer(0, 0);
        private final Copier copier = new Copier();
        private MemorySegment cached;

        private AeronLink(Aeron aeron, MediaDriver driver, AgentInvoker invoker, ExclusivePublication out,
                          Subscription in) {
            this.aeron = aeron;
            this.driver = driver;
            this.invoker = invoker;
            this.out = out;
            this.in = in;
        }

        static AeronLink open(String dir, String outChannel, int outStream, String inChannel, int inStream,
                              MediaDriver driver, AgentInvoker invoker) {
            // The client waits for the driver's answers, which an invoked driver gives only
            // when invoked: a thread invokes it meanwhile. (Aeron's own way, the client's
            // driverAgentInvoker, needs the client's conductor invoked too, by the measured
            // thread's every idle turn: it would add its duty cycle to the measurement.)
            try (Invoking running = new Invoking(invoker)) {
                Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir)
                        .driverTimeoutMs(INVOKED_TIMEOUT_MS));
                try {
                    ExclusivePublication out = aeron.addExclusivePublication(outChannel, outStream);
                    Subscription in = aeron.addSubscription(inChannel, inStream);
                    return new AeronLink(aeron, driver, invoker, out, in);
                } catch (RuntimeException e) {
                    aeron.close();
                    throw e;
                }
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
                idle();
            }
            if (invoker != null) {
                invoker.invoke(); // the sender sends it now, not when this side next waits
            }
        }

        /** One turn of waiting: the driver's duty cycle if this side runs it, else a spin. */
        void idle() {
            if (invoker != null) {
                invoker.invoke();
            } else {
                Thread.onSpinWait();
            }
        }

        @Override
        public void receive(MemorySegment m, int length) throws IOException {
            copier.target = wrap(m);
            copier.length = -1;
            while (in.poll(copier, 1) == 0) {
                idle();
            }
            if (copier.length != length) {
                throw new IOException("expected a message of " + length + " bytes, got " + copier.length);
            }
        }

        @Override
        public void close() {
            // The UnsafeBuffers of Aeron hold raw addresses of the log buffers: the client goes
            // before the driver that maps them.
            try (Invoking running = new Invoking(invoker)) {
                aeron.close();
            }
            if (driver != null) {
                driver.close();
            }
        }
    }

    /**
     * A thread that runs an invoked driver's duty cycle until closed, while no benchmark
     * thread does (an {@link AgentInvoker} has one caller at a time). Nothing for a null invoker.
     */
    private static final class Invoking implements AutoCloseable {
        private final Thread thread;
        private volatile boolean done;

        Invoking(AgentInvoker invoker) {
            thread = invoker == null ? null : Thread.ofPlatform().daemon().name("aeron-driver-invoker").start(() -> {
                while (!done) {
                    if (invoker.invoke() == 0) {
                        Thread.onSpinWait();
                    }
                }
            });
        }

        @Override
        public void close() {
            if (thread != null) {
                done = true;
                boolean interrupted = false;
                while (true) {
                    try {
                        thread.join();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
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
