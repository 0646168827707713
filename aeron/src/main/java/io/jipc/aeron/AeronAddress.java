package io.jipc.aeron;

import io.aeron.ChannelUri;
import io.jipc.IpcException;
import io.jipc.channel.ChannelOptions;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * An {@code aeron:} address taken apart: the Aeron channel (Aeron's own URI, minus what
 * jipc reads), the stream id and the maximum message size it names.
 *
 * <p>Two parameters are jipc's and are removed before Aeron sees the channel:
 * {@code stream-id} (Aeron's own name for it, which Aeron reads only in some places) and
 * {@value #MAX_PARAM}, which a bound end puts into the address it reports so that a
 * connecting end learns the maximum message size without a handshake Aeron does not have.
 *
 * @param media          {@code udp} or {@code ipc}
 * @param channel        the channel string for Aeron
 * @param streamId       the stream id
 * @param maxMessageSize the maximum the address names, or 0
 */
record AeronAddress(String media, String channel, int streamId, int maxMessageSize) {
    static final String MAX_PARAM = "jipc-max-message";
    static final String STREAM_ID_PARAM = "stream-id";
    static final String FORMS = "aeron:udp?endpoint=host:port, aeron:udp?endpoint=224.0.1.1:port|interface=address, "
            + "aeron:ipc, each optionally with |stream-id=N";
    /** Aeron's largest message, whatever the term length. */
    static final int AERON_MAX_MESSAGE = 16 * 1024 * 1024;
    static final int MIN_TERM_LENGTH = 64 * 1024;

    /** Takes {@code uri} apart. @throws IllegalArgumentException naming the accepted forms */
    static AeronAddress parse(URI uri, AeronOptions options) {
        if (!uri.isOpaque() || uri.getRawFragment() != null) {
            throw bad(uri, "it is not of Aeron's form");
        }
        ChannelUri parsed;
        try {
            parsed = ChannelUri.parse("aeron:" + uri.getSchemeSpecificPart());
        } catch (IllegalArgumentException e) {
            throw bad(uri, e.getMessage());
        }
        String media = parsed.media();
        if (parsed.prefix() != null && !parsed.prefix().isEmpty()) {
            throw bad(uri, "prefixes such as aeron-spy: are not channels jipc makes");
        }
        if (!"udp".equals(media) && !"ipc".equals(media)) {
            throw bad(uri, "the media must be udp or ipc, not " + media);
        }
        if ("udp".equals(media) && parsed.get("endpoint") == null) {
            throw bad(uri, "a udp address needs endpoint=host:port");
        }
        int fromUri = intParam(uri, parsed.remove(STREAM_ID_PARAM), STREAM_ID_PARAM, Integer.MIN_VALUE);
        Integer fromOptions = options.streamId().orElse(null);
        if (fromOptions != null && fromUri != Integer.MIN_VALUE && fromOptions != fromUri) {
            throw new IllegalArgumentException("address " + uri + " names stream id " + fromUri
                    + " and the options " + fromOptions + ": name it once, or the same in both");
        }
        int streamId = fromOptions != null ? fromOptions : fromUri != Integer.MIN_VALUE ? fromUri
                : AeronOptions.DEFAULT_STREAM_ID;
        int max = intParam(uri, parsed.remove(MAX_PARAM), MAX_PARAM, 0);
        if (max < 0 || max > AERON_MAX_MESSAGE) {
            throw bad(uri, MAX_PARAM + " must be 1.." + AERON_MAX_MESSAGE);
        }
        return new AeronAddress(media, parsed.toString(), streamId, max);
    }

    private static int intParam(URI uri, String value, String name, int absent) {
        if (value == null) {
            return absent;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw bad(uri, name + " must be an int, not " + value);
        }
    }

    private static IllegalArgumentException bad(URI uri, String why) {
        return new IllegalArgumentException("aeron address " + uri + ": " + why + "; accepted: " + FORMS);
    }

    /** {@return the maximum message size for the receiving end: the options', or the default} */
    static int bindMax(URI uri, ChannelOptions options) {
        int max = options.maxMessageSize() > 0 ? options.maxMessageSize() : ChannelOptions.DEFAULT_MAX_MESSAGE_SIZE;
        if (max > AERON_MAX_MESSAGE) {
            throw new IllegalArgumentException("aeron address " + uri + ": maxMessageSize " + max
                    + " is above Aeron's largest message, " + AERON_MAX_MESSAGE + " bytes");
        }
        return max;
    }

    /**
     * {@return the maximum message size for a sending end: the one the address names, which
     * the options may require at least of, else the options', else the default}
     */
    int connectMax(URI uri, ChannelOptions options) throws IpcException {
        if (maxMessageSize == 0) {
            return bindMax(uri, options);
        }
        if (options.maxMessageSize() > maxMessageSize) {
            throw new IpcException("connect", uri.toString(), "the bound end's maximum message size is "
                    + maxMessageSize + " bytes, below the " + options.maxMessageSize() + " required",
                    IpcException.Reason.INCOMPATIBLE_LAYOUT);
        }
        return maxMessageSize;
    }

    /**
     * {@return the channel a publication of messages up to {@code max} bytes uses} Aeron's
     * largest message is an eighth of the term: the term is sized for {@code max} unless the
     * address sets {@code term-length}, which must then be long enough. {@code linger}, if not
     * null, is the linger timeout unless the address sets one.
     */
    String publicationChannel(URI uri, int max, String linger) {
        ChannelUri c = ChannelUri.parse(channel);
        if (linger != null && c.get("linger") == null) {
            c.put("linger", linger);
        }
        String given = c.get("term-length");
        if (given == null) {
            long term = MIN_TERM_LENGTH;
            while (term < 8L * max) {
                term <<= 1;
            }
            c.put("term-length", Long.toString(term));
        } else {
            long term;
            try {
                term = Long.parseLong(given.trim());
            } catch (NumberFormatException e) {
                throw bad(uri, "term-length must be a number");
            }
            if (term / 8 < max) {
                throw bad(uri, "term-length " + term + " carries messages of at most " + term / 8
                        + " bytes, below the maximum message size of " + max);
            }
        }
        return c.toString();
    }

    /** {@return the address a bound end reports: its channel, with the resolved endpoint, stream id and maximum} */
    URI reported(String resolvedEndpoint, int max) {
        ChannelUri c = ChannelUri.parse(channel);
        String given = c.get("endpoint");
        if (resolvedEndpoint != null && given != null && given.endsWith(":0")) {
            c.put("endpoint", resolvedEndpoint); // the port the driver picked; a multicast group stays as named
        }
        c.put(STREAM_ID_PARAM, Integer.toString(streamId));
        c.put(MAX_PARAM, Integer.toString(max));
        return uri(c.toString());
    }

    /** {@return {@code aeronChannel} as a URI, with what a URI must quote quoted} */
    static URI uri(String aeronChannel) {
        try {
            return new URI("aeron", aeronChannel.substring("aeron:".length()), null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(aeronChannel + " is no URI", e);
        }
    }
}
