package io.jipc.aeron;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.exceptions.AeronException;
import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The media drivers of this JVM's Aeron channels, and the one it may run itself.
 *
 * <p><b>Which driver a channel uses.</b> If {@link AeronOptions#driverDirectory(Path)} or the
 * {@code aeron.dir} system property names a directory, the driver running there: start one
 * with {@code java -cp <aeron-driver and agrona jars> --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED
 * -Daeron.dir=DIR io.aeron.driver.MediaDriver}, Aeron's recommended layout for production and
 * what {@code aeron:ipc} between processes needs. Otherwise this JVM's <em>embedded</em>
 * driver: started when the first such channel is made, in
 * {@code /dev/shm/jipc-aeron-USER-PID}, shut down and its directory deleted when the last
 * channel using it closes (or at JVM exit, by a shutdown hook). Directories of this form whose
 * process is gone (a JVM that was killed) are deleted when the next embedded driver starts.
 * Each directory has one Aeron client per JVM, shared by its channels.
 *
 * <p><b>Threads: the channel's {@link WaitStrategy}.</b> The embedded driver's threading mode
 * and idle strategies follow {@link io.jipc.channel.ChannelOptions#waitStrategy(WaitStrategy)}
 * of the channel that starts it:
 * <table class="striped">
 *   <caption>Wait strategy to media driver</caption>
 *   <thead><tr><th>wait strategy</th><th>threading mode</th><th>idle strategy</th><th>cores while idle</th></tr></thead>
 *   <tbody>
 *   <tr><td>{@link WaitStrategy#busySpin()}</td><td>{@code DEDICATED}: conductor, sender and
 *       receiver threads</td><td>{@code BusySpinIdleStrategy} for each, as Aeron's
 *       {@code LowLatencyMediaDriver}</td><td>three</td></tr>
 *   <tr><td>{@link WaitStrategy#yielding(int) yielding(spins)}</td><td>{@code SHARED}: one
 *       thread</td><td>{@code YieldingIdleStrategy} if {@code spins} is 0, otherwise
 *       {@code BackoffIdleStrategy(spins, Long.MAX_VALUE, …)}: spins, then yields, never
 *       parks</td><td>one, given up to any other runnable thread</td></tr>
 *   <tr><td>{@link WaitStrategy#spinThenSleep(int, int) spinThenSleep(spins, yields)} (the
 *       default)</td><td>{@code SHARED}: one thread</td><td>{@code BackoffIdleStrategy(spins,
 *       yields, 1 µs, 1 ms)}: spins, yields, then parks that double up to 1 ms</td><td>almost
 *       none (a thousand wake-ups a second)</td></tr>
 *   </tbody>
 * </table>
 * The client adds its conductor thread, which Aeron idles itself. The channel's own
 * {@code send} and {@code receive} wait with the same strategy: see the
 * {@linkplain io.jipc.aeron package documentation}. A driver that is not embedded (a named
 * directory) runs with the threads its own start gave it; only the channel's waits follow the
 * strategy then.
 *
 * <p><b>Settings.</b> The first channel that starts the embedded driver gives it its
 * {@linkplain AeronOptions#livenessTimeout(Duration) liveness timeout} and its threads (above):
 * neither can change while the driver runs. A later channel that asks for another liveness
 * timeout is refused ({@link IllegalArgumentException}) rather than silently given the first;
 * a later channel with another wait strategy is not (every channel has one, if only the
 * default, so refusing would make a JVM's channels agree on it): it gets the running driver's
 * threads, and its own waits follow its own strategy. A JVM that wants busy-spinning driver
 * threads makes its first {@code aeron:} channel with {@link WaitStrategy#busySpin()}, or runs
 * a driver of its own.
 */
public final class EmbeddedDriver {
    /** What every embedded driver directory's name starts with. */
    public static final String PREFIX = "jipc-aeron-";
    /** The flag every JVM running Aeron needs: Agrona 2 uses {@code jdk.internal.misc.Unsafe}. */
    public static final String JVM_FLAG = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED";

    private static final ReentrantLock LOCK = new ReentrantLock();
    /** Shared clients by driver directory; the embedded one under {@link #embeddedKey}. */
    private static final Map<String, Shared> CLIENTS = new HashMap<>();
    private static String embeddedKey;

    private EmbeddedDriver() {
    }

    /** {@return the directory of this JVM's embedded driver while it runs} */
    public static Optional<Path> directory() {
        LOCK.lock();
        try {
            return Optional.ofNullable(embeddedKey).map(Path::of);
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * {@return the directory an embedded driver of process {@code pid} uses}
     *
     * @param pid the process id of the JVM that runs the embedded driver
     */
    public static Path directoryOf(long pid) {
        return shmRoot().resolve(PREFIX + user() + "-" + pid);
    }

    /** One driver connection in use by one channel; closing the last one closes the client (and the embedded driver). */
    static final class Lease implements AutoCloseable {
        private final Shared shared;
        private boolean closed;

        private Lease(Shared shared) {
            this.shared = shared;
        }

        Aeron aeron() {
            return shared.aeron;
        }

        /** {@return whether this is the last channel using the driver} */
        boolean last() {
            LOCK.lock();
            try {
                return shared.users == 1;
            } finally {
                LOCK.unlock();
            }
        }

        /** {@return whether the driver is this JVM's own, which dies with it} */
        boolean embedded() {
            return shared.driver != null;
        }

        @Override
        public void close() {
            LOCK.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                if (--shared.users == 0) {
                    shared.close();
                }
            } finally {
                LOCK.unlock();
            }
        }
    }

    /** A client, and the driver if it is embedded, with the number of channels using them. */
    private static final class Shared {
        final String key;
        final MediaDriver driver;
        final Aeron aeron;
        final Duration liveness;
        final Thread hook;
        int users;

        Shared(String key, MediaDriver driver, Aeron aeron, Duration liveness) {
            this.key = key;
            this.driver = driver;
            this.aeron = aeron;
            this.liveness = liveness;
            this.hook = new Thread(this::shutDown, "jipc-aeron-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        /** Called with the lock held, by the last lease. */
        void close() {
            CLIENTS.remove(key);
            if (key.equals(embeddedKey)) {
                embeddedKey = null;
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException exiting) {
                // The JVM is exiting: the hook runs (or ran) anyway.
            }
            shutDown();
        }

        private void shutDown() {
            aeron.close();
            if (driver != null) {
                driver.close(); // dirDeleteOnShutdown: the directory goes with it
            }
        }
    }

    /**
     * Leases the driver {@code options} name (or the embedded one) for a channel.
     *
     * @param address for messages
     * @throws IpcException             if no driver answers in the named directory, or the embedded one
     *                                  cannot start
     * @throws IllegalArgumentException if the options ask the embedded driver for other settings
     *                                  than it runs with, or give a running driver a liveness timeout
     */
    static Lease lease(AeronOptions options, WaitStrategy wait, String call, String address) throws IpcException {
        String named = options.driverDirectory().map(Path::toString).orElse(System.getProperty("aeron.dir"));
        LOCK.lock();
        try {
            Shared s;
            if (named != null) {
                if (options.livenessTimeout().isPresent()) {
                    throw new IllegalArgumentException(address + ": a liveness timeout is a setting of the driver; "
                            + "the driver in " + named + " has its own (-Daeron.image.liveness.timeout=… where it starts)");
                }
                s = CLIENTS.get(named);
                if (s == null) {
                    s = new Shared(named, null, connect(named, options, call, address), null);
                    CLIENTS.put(named, s);
                }
            } else {
                s = embeddedKey == null ? null : CLIENTS.get(embeddedKey);
                Duration liveness = options.livenessTimeout().orElse(null);
                if (s == null) {
                    s = startEmbedded(liveness, wait, options, call, address);
                    CLIENTS.put(s.key, s);
                    embeddedKey = s.key;
                } else if (liveness != null && !liveness.equals(s.liveness)) {
                    throw new IllegalArgumentException(address + ": this JVM's embedded Aeron driver runs with a "
                            + "liveness timeout of " + (s.liveness == null ? "Aeron's default" : s.liveness)
                            + ", not " + liveness + "; close its channels first, or run a driver of your own");
                }
            }
            s.users++;
            return new Lease(s);
        } catch (LinkageError e) {
            // Agrona reaches jdk.internal.misc.Unsafe, which the JVM hides unless told otherwise.
            IpcException x = new IpcException(call, address, 0, null, "Aeron cannot run in this JVM (" + e
                    + "): start it with " + JVM_FLAG + " (on the module path: =org.agrona)", IpcException.Reason.OTHER);
            x.initCause(e);
            throw x;
        } finally {
            LOCK.unlock();
        }
    }

    private static Aeron connect(String dir, AeronOptions options, String call, String address) throws IpcException {
        Aeron.Context ctx = new Aeron.Context().aeronDirectoryName(dir).clientName("jipc");
        options.driverTimeout().ifPresent(t -> ctx.driverTimeoutMs(t.toMillis()));
        if (!CommonContext.isDriverActive(new File(dir), ctx.driverTimeoutMs(), m -> { })) {
            throw new IpcException(call, address, "no Aeron media driver runs in " + dir + ": start one "
                    + "(java … -Daeron.dir=" + dir + " io.aeron.driver.MediaDriver), or name no directory to use an "
                    + "embedded driver", IpcException.Reason.DOES_NOT_EXIST);
        }
        try {
            return Aeron.connect(ctx);
        } catch (AeronException | IllegalStateException e) {
            throw failed(call, address, "connecting to the Aeron media driver in " + dir, e);
        }
    }

    /**
     * Gives {@code ctx} the threading mode and idle strategies that {@code wait} maps to (the
     * table in the class documentation).
     *
     * @return {@code ctx}
     */
    static MediaDriver.Context threads(MediaDriver.Context ctx, WaitStrategy wait) {
        if (!wait.sleeps() && wait.yields() == 0) { // busy spin
            return ctx.threadingMode(ThreadingMode.DEDICATED)
                    .conductorIdleStrategy(new BusySpinIdleStrategy())
                    .senderIdleStrategy(new BusySpinIdleStrategy())
                    .receiverIdleStrategy(new BusySpinIdleStrategy());
        }
        return ctx.threadingMode(ThreadingMode.SHARED).sharedIdleStrategy(idleStrategy(wait));
    }

    private static IdleStrategy idleStrategy(WaitStrategy wait) {
        if (wait.sleeps()) {
            return new BackoffIdleStrategy(wait.spins(), wait.yields(), Backoff.MIN_PARK_NANOS, Backoff.MAX_PARK_NANOS);
        }
        // Yielding: never parks (a count of yields no duty cycle reaches).
        return wait.spins() == 0 ? new YieldingIdleStrategy()
                : new BackoffIdleStrategy(wait.spins(), Long.MAX_VALUE, Backoff.MIN_PARK_NANOS, Backoff.MAX_PARK_NANOS);
    }

    /** {@return the settings the embedded driver runs with, while it runs} For tests. */
    static Optional<MediaDriver.Context> embeddedContext() {
        LOCK.lock();
        try {
            Shared s = embeddedKey == null ? null : CLIENTS.get(embeddedKey);
            return s == null ? Optional.empty() : Optional.of(s.driver.context());
        } finally {
            LOCK.unlock();
        }
    }

    private static Shared startEmbedded(Duration liveness, WaitStrategy wait, AeronOptions options, String call,
                                        String address) throws IpcException {
        reclaimDead();
        Path dir = directoryOf(ProcessHandle.current().pid());
        MediaDriver.Context ctx = threads(new MediaDriver.Context()
                .aeronDirectoryName(dir.toString())
                .dirDeleteOnStart(true) // a dead JVM's, whose pid this one got
                .dirDeleteOnShutdown(true)
                .warnIfDirectoryExists(false)
                .termBufferSparseFile(true), wait);
        if (liveness != null) {
            ctx.imageLivenessTimeoutNs(liveness.toNanos()).publicationConnectionTimeoutNs(liveness.toNanos());
        }
        options.driverTimeout().ifPresent(t -> ctx.driverTimeoutMs(t.toMillis()));
        MediaDriver driver;
        try {
            driver = MediaDriver.launch(ctx);
        } catch (RuntimeException e) {
            IoUtil.delete(dir.toFile(), true);
            throw failed(call, address, "starting an embedded Aeron media driver in " + dir, e);
        }
        try {
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir.toString()).clientName("jipc")
                    .driverTimeoutMs(ctx.driverTimeoutMs()));
            return new Shared(dir.toString(), driver, aeron, liveness);
        } catch (RuntimeException e) {
            driver.close();
            throw failed(call, address, "connecting to the embedded Aeron media driver in " + dir, e);
        }
    }

    /** Deletes the embedded driver directories of this user whose process is gone. */
    static void reclaimDead() {
        String mine = PREFIX + user() + "-";
        try (Stream<Path> all = Files.list(shmRoot())) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String name = p.getFileName().toString();
                if (!name.startsWith(mine)) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(name.substring(mine.length()));
                } catch (NumberFormatException other) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                IoUtil.delete(p.toFile(), true);
            }
        } catch (IOException | RuntimeException e) {
            // Reclaiming is housekeeping: a directory we cannot list or delete stays for the next start.
        }
    }

    static IpcException failed(String call, String address, String what, Exception e) {
        IpcException x = new IpcException(call, address, what + " failed: " + e.getMessage(),
                IpcException.Reason.OTHER);
        x.initCause(e);
        return x;
    }

    private static Path shmRoot() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** The user's name as a file name can hold it. */
    private static String user() {
        return System.getProperty("user.name", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
