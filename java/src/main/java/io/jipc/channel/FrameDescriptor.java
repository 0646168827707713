package io.jipc.channel;

import java.nio.ByteBuffer;

/**
 * The byte layout that stream transports ({@code pipe:}, {@code unix:}, {@code tcp:}) put
 * around messages, and nothing else. Every multi-byte field is big-endian (network order),
 * since {@code tcp:} peers may run on other machines.
 *
 * <p>Each side of a connection first writes one {@linkplain #HELLO_LENGTH hello}, then any
 * number of {@linkplain #HEADER_LENGTH frames}. A side reads its peer's hello before any
 * frame and refuses the connection if the magic or version differ. Each hello carries the
 * most its sender takes; the connection carries the lesser of the two, each side checking
 * the other's announcement against its own (an announcement is never believed beyond that).
 *
 * <p>Authentication ({@code tcp:} with a secret): the binding side sets {@link #FLAG_PROOF} in
 * its hello. The connecting side, after both hellos, writes a {@linkplain #PROOF_LENGTH proof}
 * {@code HMAC-SHA256(secret, "jipc client proof" || binder's hello || connector's hello)}; the
 * binding side checks it and answers with its own proof, labelled {@code "jipc server proof"},
 * which the connecting side checks before any frame. The nonces in the hellos make each proof
 * good for one connection only, and the labels keep one side's proof from serving as the
 * other's. A connecting side that has a secret refuses a binder that does not ask for proof.
 *
 * <p>Frames are written by one sender at a time per connection, so they never interleave;
 * a frame whose length field exceeds the agreed maximum is refused as soon as its header is
 * read, before anything is allocated for it, and the connection is dropped.
 */
final class FrameDescriptor {
    private FrameDescriptor() {
    }

    /** 'J' 'I' 'P' 'C' read as a big-endian int. */
    static final int MAGIC = 0x4A495043;
    /** Bumped on any change to this layout; peers with another version are refused. */
    static final int VERSION = 2;

    /** Offset of the magic word in a hello. */
    static final int MAGIC_OFFSET = 0;
    /** Offset of the version in a hello. */
    static final int VERSION_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    /** Offset of the maximum message size in a hello. */
    static final int MAX_MESSAGE_SIZE_OFFSET = VERSION_OFFSET + Integer.BYTES;
    /** Offset of the flags in a hello. */
    static final int FLAGS_OFFSET = MAX_MESSAGE_SIZE_OFFSET + Integer.BYTES;
    /** Offset of the sender's random nonce in a hello. */
    static final int NONCE_OFFSET = FLAGS_OFFSET + Integer.BYTES;
    /** Length of the nonce. */
    static final int NONCE_LENGTH = 16;
    /** Flag of a binder's hello: the connecting side must prove it knows the shared secret. */
    static final int FLAG_PROOF = 1;
    /** Length of a proof: an HMAC-SHA256. */
    static final int PROOF_LENGTH = 32;

    /**
     * Length of the hello each side writes once, first.
     *
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                     magic 0x4A495043 "JIPC"                   |
     * +---------------------------------------------------------------+
     * |                          version (2)                          |
     * +---------------------------------------------------------------+
     * |        maximum message size in bytes that this side takes     |
     * +---------------------------------------------------------------+
     * |                 flags (bit 0: FLAG_PROOF)                     |
     * +---------------------------------------------------------------+
     * |                                                               |
     * |             nonce: 16 random bytes (zero if unused)           |
     * |                                                               |
     * |                                                               |
     * +---------------------------------------------------------------+
     * </pre>
     */
    static final int HELLO_LENGTH = NONCE_OFFSET + NONCE_LENGTH;

    /** Offset of the payload length in a frame. */
    static final int LENGTH_OFFSET = 0;

    /**
     * Length of the header before each message's bytes.
     *
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |R|          payload length in bytes (0 .. maximum)             |
     * +-+-------------------------------------------------------------+
     * |                 payload: exactly length bytes                ...
     * +---------------------------------------------------------------+
     * </pre>
     * R (the sign bit) must be 0: a length that reads as negative is refused like one
     * above the maximum.
     */
    static final int HEADER_LENGTH = LENGTH_OFFSET + Integer.BYTES;

    /** Writes a hello at the buffer's position, which advances by {@link #HELLO_LENGTH}. */
    static void putHello(ByteBuffer b, int maxMessageSize, int flags, byte[] nonce) {
        b.putInt(MAGIC).putInt(VERSION).putInt(maxMessageSize).putInt(flags);
        if (nonce == null) {
            b.put(new byte[NONCE_LENGTH]);
        } else {
            b.put(nonce, 0, NONCE_LENGTH);
        }
    }

    /** Writes a hello without proof or nonce (pipes). */
    static void putHello(ByteBuffer b, int maxMessageSize) {
        putHello(b, maxMessageSize, 0, null);
    }

    /**
     * Checks the hello that starts at {@code offset} of {@code b} (absolute reads).
     * {@return null if it is acceptable, else what is wrong with it}
     */
    static String checkHello(ByteBuffer b, int offset) {
        int magic = b.getInt(offset + MAGIC_OFFSET);
        if (magic != MAGIC) {
            return String.format("the peer does not speak the jipc channel protocol (first bytes 0x%08x, "
                    + "expected 0x%08x \"JIPC\")", magic, MAGIC);
        }
        int version = b.getInt(offset + VERSION_OFFSET);
        if (version != VERSION) {
            return "the peer speaks version " + version + " of the jipc channel protocol; this is version " + VERSION;
        }
        if (b.getInt(offset + MAX_MESSAGE_SIZE_OFFSET) <= 0) {
            return "the peer announced a maximum message size of " + b.getInt(offset + MAX_MESSAGE_SIZE_OFFSET)
                    + " bytes";
        }
        if ((b.getInt(offset + FLAGS_OFFSET) & ~FLAG_PROOF) != 0) {
            return String.format("the peer's hello has unknown flags 0x%08x", b.getInt(offset + FLAGS_OFFSET));
        }
        return null;
    }

    /** {@return the maximum message size of the hello at {@code offset}} */
    static int helloMaxMessageSize(ByteBuffer b, int offset) {
        return b.getInt(offset + MAX_MESSAGE_SIZE_OFFSET);
    }

    /** {@return the flags of the hello at {@code offset}} */
    static int helloFlags(ByteBuffer b, int offset) {
        return b.getInt(offset + FLAGS_OFFSET);
    }
}
