package io.jipc.channel;

import io.jipc.channel.spi.TransportOptions;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to make a channel: immutable; each {@code with}-style method returns a changed copy.
 *
 * <pre>{@code
 * ChannelOptions opts = ChannelOptions.defaults().maxMessageSize(1 << 20).connectTimeout(Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>Like the builders of the mechanism packages, a size means "use" when binding and
 * "require at least" when connecting: a connecting end adopts the size of the channel it
 * reaches and fails with {@link io.jipc.IpcException.Reason#INCOMPATIBLE_LAYOUT} if that is
 * smaller than asked for. Options a transport has no use for are ignored; the table in the
 * {@linkplain io.jipc.channel package documentation} says which transport uses which.
 *
 * @see Channels
 */
public final class ChannelOptions {
    /** Used when {@link #maxMessageSize(int)} is not set, except where a transport's limit is lower. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;
    /** Used when {@link #capacity(int)} is not set, except where a transport's limit is lower. */
    public static final int DEFAULT_CAPACITY = 64;
    /** The largest message size any transport is asked for: a frame's length field is a signed int. */
    public static final int MAX_MESSAGE_SIZE_LIMIT = Integer.MAX_VALUE - FrameDescriptor.HEADER_LENGTH;

    private static final ChannelOptions DEFAULTS = new ChannelOptions(0, 0, Duration.ofSeconds(10), 0600, Map.of());

    private final int maxMessageSize;
    private final int capacity;
    private final Duration connectTimeout;
    private final int permissions;
    /** Settings of transports outside the core, one per class. */
    private final Map<Class<? extends TransportOptions>, TransportOptions> transports;

    private ChannelOptions(int maxMessageSize, int capacity, Duration connectTimeout, int permissions,
                           Map<Class<? extends TransportOptions>, TransportOptions> transports) {
        this.maxMessageSize = maxMessageSize;
        this.capacity = capacity;
        this.connectTimeout = connectTimeout;
        this.permissions = permissions;
        this.transports = transports;
    }

    /** {@return the defaults: sizes chosen by the transport, a 10 s connect timeout, permissions 0600} */
    public static ChannelOptions defaults() {
        return DEFAULTS;
    }

    /**
     * The longest message in bytes. Binding: the channel's maximum (unset: 64 KiB, or a message
     * queue's {@code /proc/sys/fs/mqueue/msgsize_max} if that is lower; a shared-memory ring's
     * is at most 128 MiB - 8). Connecting: the least maximum accepted.
     *
     * @throws IllegalArgumentException unless 1 ≤ {@code bytes} ≤ {@link #MAX_MESSAGE_SIZE_LIMIT}
     */
    public ChannelOptions maxMessageSize(int bytes) {
        if (bytes <= 0 || bytes > MAX_MESSAGE_SIZE_LIMIT) {
            throw new IllegalArgumentException("maxMessageSize must be 1.." + MAX_MESSAGE_SIZE_LIMIT + " bytes, not "
                    + bytes);
        }
        return new ChannelOptions(bytes, capacity, connectTimeout, permissions, transports);
    }

    /**
     * How many messages the channel holds before a send waits, for transports that count in
     * messages: a message queue (unset: 64, or {@code /proc/sys/fs/mqueue/msg_max} if lower),
     * and a shared-memory ring, which holds at least this many messages of the maximum size
     * (unset: 8) and is rounded up to a power of two in bytes, so it may hold up to twice as
     * many, and more shorter ones (see the package documentation). Stream transports ignore
     * it: the kernel's socket and pipe buffers decide. Connecting: the least accepted.
     *
     * @throws IllegalArgumentException if {@code messages} is not positive
     */
    public ChannelOptions capacity(int messages) {
        if (messages <= 0) {
            throw new IllegalArgumentException("capacity must be positive, not " + messages);
        }
        return new ChannelOptions(maxMessageSize, messages, connectTimeout, permissions, transports);
    }

    /**
     * How long {@link Channels#connect} waits for the peer to answer (the TCP connection and
     * the peer's hello; a pipe peer's hello; a shared-memory binder that is still making its
     * ring). Default 10 s.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative or zero
     */
    public ChannelOptions connectTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, not " + timeout);
        }
        return new ChannelOptions(maxMessageSize, capacity, timeout, permissions, transports);
    }

    /**
     * Permission bits of what binding creates with a name in the file system or the queue
     * namespace (a shared-memory object, a message queue, a Unix socket file); default 0600,
     * owner only. Applied exactly, whatever the umask.
     *
     * @throws IllegalArgumentException for bits beyond 0777
     */
    public ChannelOptions permissions(int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("permissions " + Integer.toOctalString(mode) + " have bits beyond 0777");
        }
        return new ChannelOptions(maxMessageSize, capacity, connectTimeout, mode, transports);
    }

    /**
     * Carries the settings of one transport outside the core module (an
     * {@code io.jipc.aeron.AeronOptions}, say), replacing earlier settings of the same class;
     * transports that do not know the class ignore it.
     */
    public ChannelOptions with(TransportOptions transportOptions) {
        Objects.requireNonNull(transportOptions, "transportOptions");
        Map<Class<? extends TransportOptions>, TransportOptions> more = new LinkedHashMap<>(transports);
        more.put(transportOptions.getClass(), transportOptions);
        return new ChannelOptions(maxMessageSize, capacity, connectTimeout, permissions,
                Collections.unmodifiableMap(more));
    }

    /** {@return the settings of class {@code type} given to {@link #with(TransportOptions)}, if any} */
    public <T extends TransportOptions> Optional<T> transport(Class<T> type) {
        return Optional.ofNullable(type.cast(transports.get(Objects.requireNonNull(type, "type"))));
    }

    /** {@return the maximum message size asked for, or 0 if unset} */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** {@return the capacity in messages asked for, or 0 if unset} */
    public int capacity() {
        return capacity;
    }

    /** {@return the connect timeout} */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** {@return the permission bits for created names} */
    public int permissions() {
        return permissions;
    }

    /** {@return the maximum message size to bind with: the one asked for, else the default} */
    int maxMessageSizeOrDefault() {
        return maxMessageSize > 0 ? maxMessageSize : DEFAULT_MAX_MESSAGE_SIZE;
    }

    @Override
    public String toString() {
        return "ChannelOptions[maxMessageSize " + (maxMessageSize > 0 ? maxMessageSize : "default") + ", capacity "
                + (capacity > 0 ? capacity : "default") + ", connectTimeout " + connectTimeout + ", permissions 0"
                + Integer.toOctalString(permissions) + (transports.isEmpty() ? "" : ", " + transports.values()) + "]";
    }
}
