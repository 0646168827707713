package io.jipc.channel;

import java.nio.ByteBuffer;

/**
 * The byte layout that stream transports ({@code pipe:}, {@code unix:}, {@code tcp:}) put
 * around messages, and nothing else. Every multi-byte field is big-endian (network order),
 * since {@code tcp:} peers may run on other machines.
 *
 * <p>Each side of a connection first writes one {@linkplain #HELLO_LENGTH hello}, then any
 * number of {@linkplain #HEADER_LENGTH frames}. A side reads its peer's hello before any
 * frame and refuses the connection if the magic or version differ. The binding side's hello
 * carries the maximum message size of the channel, which the connecting side adopts; the
 * connecting side's hello carries the least maximum it asked for (0: any), for the record.
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
    static final int VERSION = 1;

    /** Offset of the magic word in a hello. */
    static final int MAGIC_OFFSET = 0;
    /** Offset of the version in a hello. */
    static final int VERSION_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    /** Offset of the maximum message size in a hello. */
    static final int MAX_MESSAGE_SIZE_OFFSET = VERSION_OFFSET + Integer.BYTES;

    /**
     * Length of the hello each side writes once, first.
     *
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                     magic 0x4A495043 "JIPC"                   |
     * +---------------------------------------------------------------+
     * |                          version (1)                          |
     * +---------------------------------------------------------------+
     * |   maximum message size in bytes (binder: the channel's;       |
     * |   connector: the least it requires, 0 for any)                |
     * +---------------------------------------------------------------+
     * </pre>
     */
    static final int HELLO_LENGTH = MAX_MESSAGE_SIZE_OFFSET + Integer.BYTES;

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
    static void putHello(ByteBuffer b, int maxMessageSize) {
        b.putInt(MAGIC).putInt(VERSION).putInt(maxMessageSize);
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
        if (b.getInt(offset + MAX_MESSAGE_SIZE_OFFSET) < 0) {
            return "the peer announced a negative maximum message size";
        }
        return null;
    }

    /** {@return the maximum message size of the hello at {@code offset}} */
    static int helloMaxMessageSize(ByteBuffer b, int offset) {
        return b.getInt(offset + MAX_MESSAGE_SIZE_OFFSET);
    }
}
