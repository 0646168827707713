package io.jipc.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The deterministic test messages shared with native/test/ring_peer.c: message {@code seq}
 * of producer {@code id} has type {@code id}, a size from {@link #size} and bytes from
 * {@link #byteAt}, so a consumer can check every message for loss, duplication, order and
 * content without being told what was sent. Change both files together.
 */
final class TestMessages {
    private TestMessages() {
    }

    /** Every 16th message is as large as allowed, the next one as small; the rest vary. */
    static int size(long seq, int min, int max) {
        if (seq % 16 == 0) {
            return max;
        }
        if (seq % 16 == 1) {
            return min;
        }
        long z = (seq + 1) * 0x9E3779B97F4A7C15L;
        z ^= z >>> 29;
        return min + (int) Long.remainderUnsigned(z, (long) max - min + 1);
    }

    /** The first 8 bytes are the sequence number, little-endian; the rest a pattern of (id, seq, k). */
    static byte byteAt(int id, long seq, int k) {
        if (k < 8) {
            return (byte) (seq >>> (8 * k));
        }
        return (byte) (seq * 31 + k * 7L + id * 13L);
    }

    static void fill(MemorySegment message, int id, long seq) {
        int size = (int) message.byteSize();
        for (int k = 0; k < size; k++) {
            message.set(ValueLayout.JAVA_BYTE, k, byteAt(id, seq, k));
        }
    }

    static byte[] bytes(int id, long seq, int size) {
        byte[] b = new byte[size];
        for (int k = 0; k < size; k++) {
            b[k] = byteAt(id, seq, k);
        }
        return b;
    }

    /** FNV-1a 64 over the type and length (4 bytes each, little-endian), then the bytes. */
    static long hash(int type, MemorySegment message) {
        long h = 0xCBF29CE484222325L;
        int length = (int) message.byteSize();
        for (int i = 0; i < 4; i++) {
            h = (h ^ ((type >>> (8 * i)) & 0xFF)) * 0x100000001B3L;
        }
        for (int i = 0; i < 4; i++) {
            h = (h ^ ((length >>> (8 * i)) & 0xFF)) * 0x100000001B3L;
        }
        for (int k = 0; k < length; k++) {
            h = (h ^ (message.get(ValueLayout.JAVA_BYTE, k) & 0xFF)) * 0x100000001B3L;
        }
        return h;
    }

    /** The checksum a consumer of {@code count} messages from each of {@code producers} should report. */
    static long expectedChecksum(int producers, long count, int min, int max) {
        long sum = 0;
        for (int id = 0; id < producers; id++) {
            for (long seq = 0; seq < count; seq++) {
                sum += hash(id, MemorySegment.ofArray(bytes(id, seq, size(seq, min, max))));
            }
        }
        return sum;
    }

    /** Checks each message against the generator; remembers the first failure. */
    static final class Verifier implements RecordHandler {
        private final int producers;
        private final int min;
        private final int max;
        private final long[] next;
        long received;
        long checksum;
        String failure;

        Verifier(int producers, int min, int max) {
            this.producers = producers;
            this.min = min;
            this.max = max;
            this.next = new long[producers];
        }

        @Override
        public void onRecord(int type, MemorySegment message) {
            received++;
            if (failure != null) {
                return;
            }
            if (!message.isReadOnly()) {
                failure = "message " + received + " was handed over writable";
                return;
            }
            if (type < 0 || type >= producers) {
                failure = "message " + received + ": type " + type + " is no producer";
                return;
            }
            long seq = next[type]++;
            int size = size(seq, min, max);
            if (message.byteSize() != size) {
                failure = "producer " + type + " message " + seq + ": " + message.byteSize() + " bytes, expected "
                        + size + " (lost, repeated or reordered)";
                return;
            }
            for (int k = 0; k < size; k++) {
                byte b = message.get(ValueLayout.JAVA_BYTE, k);
                if (b != byteAt(type, seq, k)) {
                    failure = "producer " + type + " message " + seq + ": byte " + k + " is " + b + ", expected "
                            + byteAt(type, seq, k);
                    return;
                }
            }
            checksum += hash(type, message);
        }

        /** {@return how many messages producer {@code id} delivered so far} */
        long delivered(int id) {
            return next[id];
        }
    }
}
