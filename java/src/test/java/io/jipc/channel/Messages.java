package io.jipc.channel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The test messages both sides of a test (and child JVMs) can regenerate: message {@code i}
 * has a length from a cycle that covers the edges (0, 1, a few bytes, the maximum and one
 * below it) and bytes that depend on {@code i} and the position, so a message swapped,
 * merged, cut or shifted fails the comparison.
 */
final class Messages {
    private Messages() {
    }

    /** {@return the length of message {@code i} for a channel carrying up to {@code max} bytes} */
    static int length(int i, int max) {
        int[] cycle = {0, 1, 5, max, 3, 100, max - 1, 4096, 2, 1000, 64 * 1024 + 3, 7};
        return Math.max(0, Math.min(max, cycle[i % cycle.length]));
    }

    /** {@return message {@code i}} */
    static byte[] message(int i, int max) {
        return sized(i, length(i, max));
    }

    /** {@return message {@code i} made {@code length} bytes long} */
    static byte[] sized(int i, int length) {
        byte[] b = new byte[length];
        for (int j = 0; j < b.length; j++) {
            b[j] = (byte) (i * 131 + j * 7 + (j >>> 8));
        }
        return b;
    }

    /** {@return message {@code i} with its bytes reversed: what an echo sends back} */
    static byte[] reply(int i, int max) {
        byte[] b = message(i, max);
        for (int l = 0, r = b.length - 1; l < r; l++, r--) {
            byte t = b[l];
            b[l] = b[r];
            b[r] = t;
        }
        return b;
    }

    /** {@return whether the first {@code length} bytes of {@code got} are exactly {@code expected}} */
    static boolean equal(byte[] expected, MemorySegment got, int length) {
        return length == expected.length
                && Arrays.equals(expected, got.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE));
    }

    static String describe(byte[] expected, MemorySegment got, int length) {
        if (length != expected.length) {
            return "length " + length + ", expected " + expected.length;
        }
        byte[] g = got.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        return "bytes differ first at " + Arrays.mismatch(expected, g);
    }
}
