package io.jipc.channel;

// Long because every option of every transport is here with its limits and defaults in its
// Javadoc: one immutable value a caller builds, rather than one options class per scheme.

import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.channel.spi.TransportOptions;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

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

    /** Used when {@link #maxConnections(int)} is not set. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    /** Used when {@link #helloTimeout(Duration)} is not set. */
    public static final Duration DEFAULT_HELLO_TIMEOUT = Duration.ofSeconds(5);
    /** The least secret {@link #secret(byte[])} accepts, in bytes. */
    public static final int MIN_SECRET_LENGTH = 16;

    private static final ChannelOptions DEFAULTS = new ChannelOptions();

    private int maxMessageSize;
    private int capacity;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private int permissions = 0600;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private Duration helloTimeout = DEFAULT_HELLO_TIMEOUT;
    private long maxUnfinishedBytes;
    private byte[] secret;
    private boolean insecure;
    private boolean allowOtherUsers;
    private Consumer<IpcException> onPeerDropped;
    private WaitStrategy waitStrategy = WaitStrategy.spinThenSleep();
    /** Settings of transports outside the core, one per class. */
    private Map<Class<? extends TransportOptions>, TransportOptions> transports = Map.of();

    private ChannelOptions() {
    }

    /** {@return a copy to change: options are immutable once handed out} */
    private ChannelOptions copy() {
        ChannelOptions c = new ChannelOptions();
        c.maxMessageSize = maxMessageSize;
        c.capacity = capacity;
        c.connectTimeout = connectTimeout;
        c.permissions = permissions;
        c.maxConnections = maxConnections;
        c.helloTimeout = helloTimeout;
        c.maxUnfinishedBytes = maxUnfinishedBytes;
        c.secret = secret;
        c.insecure = insecure;
        c.allowOtherUsers = allowOtherUsers;
        c.onPeerDropped = onPeerDropped;
        c.waitStrategy = waitStrategy;
        c.transports = transports;
        return c;
    }

    /** {@return the defaults: sizes chosen by the transport, a 10 s connect timeout, permissions 0600} */
    public static ChannelOptions defaults() {
        return DEFAULTS;
    }

    /**
     * The longest message in bytes. Binding: the channel's maximum (unset: 64 KiB, or a message
     * queue's {@code /proc/sys/fs/mqueue/msgsize_max} if that is lower; a shared-memory ring's
     * is at most 128 MiB - 8). Connecting to {@code shm:} or {@code mq:}: the least maximum
     * accepted; the channel's own is adopted. Connecting to a stream ({@code unix:},
     * {@code tcp:}, {@code pipe:}): also the most this end takes (unset: 64 KiB), since a peer's
     * announcement is not to be believed; the channel carries the lesser of the two sides'
     * maximums, and the bound end must carry at least this much.
     *
     * @param bytes the longest message in bytes; 1 to {@link #MAX_MESSAGE_SIZE_LIMIT}
     * @return a copy of these options with this setting changed; these are unchanged
     * @throws IllegalArgumentException unless 1 ≤ {@code bytes} ≤ {@link #MAX_MESSAGE_SIZE_LIMIT}
     */
    public ChannelOptions maxMessageSize(int bytes) {
        if (bytes <= 0 || bytes > MAX_MESSAGE_SIZE_LIMIT) {
            throw new IllegalArgumentException("maxMessageSize must be 1.." + MAX_MESSAGE_SIZE_LIMIT + " bytes, not "
                    + bytes);
        }
        ChannelOptions c = copy();
        c.maxMessageSize = bytes;
        return c;
    }

    /**
     * How many messages the channel holds before a send waits, for transports that count in
     * messages: a message queue (unset: 64, or {@code /proc/sys/fs/mqueue/msg_max} if lower),
     * and a shared-memory ring, which holds at least this many messages of the maximum size
     * (unset: 8) and is rounded up to a power of two in bytes, so it may hold up to twice as
     * many, and more shorter ones (see the package documentation). Stream transports ignore
     * it: the kernel's socket and pipe buffers decide. Connecting: the least accepted.
     *
     * @param messages the capacity in messages; positive
     * @return a copy of these options with this setting changed; these are unchanged
     * @throws IllegalArgumentException if {@code messages} is not positive
     */
    public ChannelOptions capacity(int messages) {
        if (messages <= 0) {
            throw new IllegalArgumentException("capacity must be positive, not " + messages);
        }
        ChannelOptions c = copy();
        c.capacity = messages;
        return c;
    }

    /**
     * How long {@link Channels#connect} waits for the peer to answer (the TCP connection and
     * the peer's hello; a pipe peer's hello; a shared-memory binder that is still making its
     * ring). Default 10 s.
     *
     * @param timeout the longest wait for the peer's answer; positive
     * @return a copy of these options with this setting changed; these are unchanged
     * @throws IllegalArgumentException if {@code timeout} is negative or zero
     */
    public ChannelOptions connectTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, not " + timeout);
        }
        ChannelOptions c = copy();
        c.connectTimeout = timeout;
        return c;
    }

    /**
     * Permission bits of what binding creates with a name in the file system or the queue
     * namespace (a shared-memory object, a message queue, a Unix socket file); default 0600,
     * owner only. Applied exactly, whatever the umask.
     *
     * @param mode the permission bits, {@code 0} to {@code 0777}
     * @return a copy of these options with this setting changed; these are unchanged
     * @throws IllegalArgumentException for bits beyond 0777
     */
    public ChannelOptions permissions(int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("permissions " + Integer.toOctalString(mode) + " have bits beyond 0777");
        }
        ChannelOptions c = copy();
        c.permissions = mode;
        return c;
    }

    /**
     * Binding {@code unix:} or {@code tcp:}: how many peers may be connected at once, those
     * still saying hello included (default {@value #DEFAULT_MAX_CONNECTIONS}). One more is
     * closed as soon as it is accepted, and {@linkplain #onPeerDropped counted as dropped}.
     *
     * @param connections the most peers connected at once; positive
     * @return a copy of these options with this setting changed; these are unchanged
     * @throws IllegalArgumentException if {@code connections} is not positive
     */
    public ChannelOptions maxConnections(int connections) {
        if (connections <= 0) {
            throw new IllegalArgumentException("maxConnections must be positive, not " + connections);
        }
        ChannelOptions c = copy();
        c.maxConnections = connections;
        return c;
    }

    /**
     * Binding {@code unix:} or {@code tcp:}: how long a new peer has to complete its hello
     * (and, with a {@linkplain #secret secret}, prove it knows the secret) before it is dropped
     * (default 5 s). Until then nothing it sends is buffered beyond the hello.
     *
     * @param timeout the longest a new peer may take over its hello; positive
     * @return a copy of these options with this setting changed; these are unchanged
     * @throws IllegalArgumentException if {@code timeout} is negative or zero
     */
    public ChannelOptions helloTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("helloTimeout must be positive, not " + timeout);
        }
        ChannelOptions c = copy();
        c.helloTimeout = timeout;
        return c;
    }

    /**
     * Binding {@code unix:} or {@code tcp:}: the most memory, in bytes, that the bound end
     * holds for messages its peers have begun and not finished, all peers together (unset:
     * four maximum-size frames, at least 16 MiB). A peer whose next bytes would need more is
     * dropped. Buffers grow with the bytes that arrive, never with what a header announces.
     *
     * @param bytes the memory limit in bytes; positive
     * @return a copy of these options with this setting changed; these are unchanged
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public ChannelOptions maxUnfinishedBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxUnfinishedBytes must be positive, not " + bytes);
        }
        ChannelOptions c = copy();
        c.maxUnfinishedBytes = bytes;
        return c;
    }

    /**
     * {@code tcp:}: the shared secret both ends must know. The bound end then accepts only
     * peers that prove they know it, and a connecting end only a bound end that proves it
     * too: each side sends a random 16-byte nonce in its hello and answers with
     * HMAC-SHA256(secret, a side label, both hellos); the secret itself never crosses the wire.
     * It authenticates peers; it does not encrypt messages. The array is copied.
     *
     * @param secret the secret, at least {@value #MIN_SECRET_LENGTH} bytes; copied, so the caller
     *     may clear its array
     * @return a copy of these options with this setting changed; these are unchanged
     * @throws IllegalArgumentException if {@code secret} is shorter than {@value #MIN_SECRET_LENGTH} bytes
     */
    public ChannelOptions secret(byte[] secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length < MIN_SECRET_LENGTH) {
            throw new IllegalArgumentException("a secret must have at least " + MIN_SECRET_LENGTH + " bytes, not "
                    + secret.length);
        }
        ChannelOptions c = copy();
        c.secret = secret.clone();
        return c;
    }

    /**
     * Binding {@code tcp:} on an address other than loopback without a {@linkplain #secret
     * secret}: allowed only with {@code insecure(true)}, which says that anyone who can reach
     * the address may send messages and read replies.
     *
     * @param insecure {@code true} to allow binding a reachable address without a secret
     * @return a copy of these options with this setting changed; these are unchanged
     */
    public ChannelOptions insecure(boolean insecure) {
        ChannelOptions c = copy();
        c.insecure = insecure;
        return c;
    }

    /**
     * Binding {@code unix:}: whether peers of other users are accepted, as far as the socket
     * file's {@linkplain #permissions permissions} let them connect. Default {@code false}: a
     * peer whose credentials ({@code SO_PEERCRED}) name another user than the binder's is
     * dropped after accept, whatever the permissions.
     *
     * @param allow {@code true} to accept peers of every user the file's permissions let in
     * @return a copy of these options with this setting changed; these are unchanged
     */
    public ChannelOptions allowOtherUsers(boolean allow) {
        ChannelOptions c = copy();
        c.allowOtherUsers = allow;
        return c;
    }

    /**
     * Binding {@code unix:} or {@code tcp:}: called with the reason each time the bound end
     * drops a peer (a bad hello, a failed proof, another user, no hello in time, a protocol
     * error, too much unfinished memory, the connection limit, a peer gone in the middle of a
     * message). A bound end never reports such a peer by throwing from {@code receive}; it
     * counts it ({@link MessageChannel#peersDropped()}) and calls this, from the thread that
     * noticed (a receiving thread, or the thread that greets new peers). It must not block;
     * what it throws is ignored.
     *
     * @param listener called with an {@link IpcException} that names why a peer was dropped; must
     *     not block
     * @return a copy of these options with this setting changed; these are unchanged
     */
    public ChannelOptions onPeerDropped(Consumer<IpcException> listener) {
        ChannelOptions c = copy();
        c.onPeerDropped = Objects.requireNonNull(listener, "listener");
        return c;
    }

    /**
     * Carries the settings of one transport outside the core module (an
     * {@code io.jipc.aeron.AeronOptions}, say), replacing earlier settings of the same class;
     * transports that do not know the class ignore it.
     *
     * @param transportOptions the settings of one outside transport; not null
     * @return a copy of these options with this setting changed; these are unchanged
     */
    public ChannelOptions with(TransportOptions transportOptions) {
        Objects.requireNonNull(transportOptions, "transportOptions");
        Map<Class<? extends TransportOptions>, TransportOptions> more = new LinkedHashMap<>(transports);
        more.put(transportOptions.getClass(), transportOptions);
        ChannelOptions c = copy();
        c.transports = Collections.unmodifiableMap(more);
        return c;
    }

    /**
     * How a blocked {@code send} or {@code receive} of the channel waits: spin, then yield,
     * then (unless {@link WaitStrategy#busySpin()} or {@link WaitStrategy#yielding(int)})
     * sleep until the transport says more is possible. Unset: {@link WaitStrategy#spinThenSleep()}.
     * It changes how soon a waiter sees a message and what the wait costs in CPU, never what
     * is delivered or in which order. Transports that wait in the kernel (a queue, a pipe, a
     * socket) spin and yield on their non-blocking attempt first; an engine with its own
     * threads ({@code aeron:}) maps it onto its idle strategy, as its provider documents.
     *
     * @param strategy how to wait
     * @return a copy with the strategy set
     */
    public ChannelOptions waitStrategy(WaitStrategy strategy) {
        ChannelOptions c = copy();
        c.waitStrategy = Objects.requireNonNull(strategy, "strategy");
        return c;
    }

    /**
     * {@return the settings of class {@code type} given to {@link #with(TransportOptions)}, if any}
     *
     * @param <T> the settings' class
     * @param type the settings' class, as given to {@link #with(TransportOptions)}
     */
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

    /** {@return how blocked calls wait} */
    public WaitStrategy waitStrategy() {
        return waitStrategy;
    }

    /** {@return the connect timeout} */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** {@return the permission bits for created names} */
    public int permissions() {
        return permissions;
    }

    /** {@return the connection limit of a bound stream end} */
    public int maxConnections() {
        return maxConnections;
    }

    /** {@return how long a new peer of a bound stream end has for its hello} */
    public Duration helloTimeout() {
        return helloTimeout;
    }

    /** {@return whether a secret is set (the secret itself is not given out)} */
    public boolean hasSecret() {
        return secret != null;
    }

    /** {@return whether a non-loopback {@code tcp:} bind without a secret is allowed} */
    public boolean insecure() {
        return insecure;
    }

    /** {@return whether a bound {@code unix:} end accepts peers of other users} */
    public boolean allowOtherUsers() {
        return allowOtherUsers;
    }

    byte[] secretBytes() {
        return secret;
    }

    Consumer<IpcException> peerDroppedListener() {
        return onPeerDropped;
    }

    /** {@return the unfinished-frame memory cap for a channel of {@code maxMessageSize}} */
    long maxUnfinishedBytesFor(int maxMessageSize) {
        if (maxUnfinishedBytes > 0) {
            return maxUnfinishedBytes;
        }
        return Math.max(16L << 20, 4 * ((long) maxMessageSize + FrameDescriptor.HEADER_LENGTH));
    }

    /** {@return the most a connecting stream end takes: the size asked for, else the default} */
    int streamCapOrDefault() {
        return maxMessageSizeOrDefault();
    }

    /** {@return the maximum message size to bind with: the one asked for, else the default} */
    int maxMessageSizeOrDefault() {
        return maxMessageSize > 0 ? maxMessageSize : DEFAULT_MAX_MESSAGE_SIZE;
    }

    @Override
    public String toString() {
        return "ChannelOptions[maxMessageSize " + (maxMessageSize > 0 ? maxMessageSize : "default") + ", capacity "
                + (capacity > 0 ? capacity : "default") + ", connectTimeout " + connectTimeout + ", permissions 0"
                + Integer.toOctalString(permissions) + ", maxConnections " + maxConnections + ", helloTimeout "
                + helloTimeout + ", wait " + waitStrategy + (secret != null ? ", secret set" : "") + (insecure ? ", insecure" : "")
                + (allowOtherUsers ? ", other users allowed" : "")
                + (transports.isEmpty() ? "" : ", " + transports.values()) + "]";
    }
}
