package io.jipc.aeron;

import io.jipc.channel.spi.TransportOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of an Aeron channel that {@link io.jipc.channel.ChannelOptions} has no field
 * for; immutable, each method returns a changed copy. Give them to a channel with
 * {@code ChannelOptions.defaults().with(AeronOptions.defaults().streamId(7))}.
 *
 * <p>What each setting means, and its default when unset:
 * <ul>
 *   <li><b>stream id</b>: Aeron's stream id, which tells apart several streams on one
 *       address. Also accepted as {@code stream-id=N} in the address; if both name one they
 *       must agree. Default {@value #DEFAULT_STREAM_ID}.</li>
 *   <li><b>driver directory</b>: the directory of a media driver already running, which the
 *       channel uses (Aeron's recommended layout for production, and what {@code aeron:ipc}
 *       between processes needs). Default: the {@code aeron.dir} system property if set,
 *       otherwise this JVM's own embedded driver (see {@link EmbeddedDriver}).</li>
 *   <li><b>liveness timeout</b>: how long a silent peer still counts as alive, for the
 *       embedded driver: a publisher's image at the subscriber (Aeron's image liveness
 *       timeout) and the subscriber's status messages at the publisher (the publication
 *       connection timeout). Default: Aeron's, 10 s and 5 s. A running driver has its own;
 *       set it there ({@code -Daeron.image.liveness.timeout=…}).</li>
 *   <li><b>driver timeout</b>: how long the client waits for the driver to answer before it
 *       gives up on it. Default: Aeron's, 10 s.</li>
 * </ul>
 *
 * <p>The embedded driver's threading mode and idle strategies have no setting here: they
 * follow {@link io.jipc.channel.ChannelOptions#waitStrategy(io.jipc.WaitStrategy)}, the one
 * place every transport takes how to wait from (busy spin: dedicated busy-spinning threads;
 * yielding or spin-then-sleep: one shared thread idling likewise; see {@link EmbeddedDriver}).
 */
public final class AeronOptions implements TransportOptions {
    /** The stream id used when neither the address nor the options name one. */
    public static final int DEFAULT_STREAM_ID = 1;

    private static final AeronOptions DEFAULTS = new AeronOptions(null, null, null, null);

    private final Integer streamId;
    private final Path driverDirectory;
    private final Duration livenessTimeout;
    private final Duration driverTimeout;

    private AeronOptions(Integer streamId, Path driverDirectory, Duration livenessTimeout, Duration driverTimeout) {
        this.streamId = streamId;
        this.driverDirectory = driverDirectory;
        this.livenessTimeout = livenessTimeout;
        this.driverTimeout = driverTimeout;
    }

    /** {@return nothing set: every setting at its default} */
    public static AeronOptions defaults() {
        return DEFAULTS;
    }

    /**
     * The Aeron stream id; any int Aeron accepts (0 included).
     *
     * @param id the stream id both ends use; any int
     * @return a copy of these options with this setting changed; these are unchanged
     */
    public AeronOptions streamId(int id) {
        return new AeronOptions(id, driverDirectory, livenessTimeout, driverTimeout);
    }

    /**
     * Use the media driver running in {@code directory} instead of an embedded one.
     *
     * @param directory the running driver's Aeron directory; not null
     * @return a copy of these options with this setting changed; these are unchanged
     */
    public AeronOptions driverDirectory(Path directory) {
        return new AeronOptions(streamId, Objects.requireNonNull(directory, "directory"), livenessTimeout,
                driverTimeout);
    }

    /**
     * How long a silent peer counts as alive (the embedded driver's image liveness and
     * publication connection timeouts). Only for the embedded driver.
     *
     * @param timeout how long a silent peer counts as alive; 100 ms to one hour
     * @return a copy of these options with this setting changed; these are unchanged
     * @throws IllegalArgumentException unless it is between 100 ms and one hour
     */
    public AeronOptions livenessTimeout(Duration timeout) {
        return new AeronOptions(streamId, driverDirectory, between("livenessTimeout", timeout), driverTimeout);
    }

    /**
     * How long the client waits for the driver's answer.
     *
     * @param timeout how long the client waits for the driver's answer; 100 ms to one hour
     * @return a copy of these options with this setting changed; these are unchanged
     * @throws IllegalArgumentException unless it is between 100 ms and one hour
     */
    public AeronOptions driverTimeout(Duration timeout) {
        return new AeronOptions(streamId, driverDirectory, livenessTimeout, between("driverTimeout", timeout));
    }

    /** {@return the stream id, if set} */
    public Optional<Integer> streamId() {
        return Optional.ofNullable(streamId);
    }

    /** {@return the driver directory, if set} */
    public Optional<Path> driverDirectory() {
        return Optional.ofNullable(driverDirectory);
    }

    /** {@return the liveness timeout, if set} */
    public Optional<Duration> livenessTimeout() {
        return Optional.ofNullable(livenessTimeout);
    }

    /** {@return the driver timeout, if set} */
    public Optional<Duration> driverTimeout() {
        return Optional.ofNullable(driverTimeout);
    }

    private static Duration between(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException(what + " must be between 100 ms and 1 h, not " + d);
        }
        return d;
    }

    @Override
    public String toString() {
        return "AeronOptions[streamId " + (streamId != null ? streamId : "default") + ", driver "
                + (driverDirectory != null ? driverDirectory : "default") + ", livenessTimeout "
                + (livenessTimeout != null ? livenessTimeout : "default") + ", driverTimeout "
                + (driverTimeout != null ? driverTimeout : "default") + "]";
    }
}
