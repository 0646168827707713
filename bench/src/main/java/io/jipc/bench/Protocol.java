package io.jipc.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The message protocol both the Java harness and its C twin ({@code bench/native/cbench.c})
 * speak; the constants here and there must agree.
 *
 * <p>Word 0 of every message is {@code phase << 56 | sequence}; words 1.. are a fixed
 * pattern, {@link #pattern(int)}. A step (one metric at one size) is: warm-up messages,
 * one {@link #SYNC} round trip (the peer starts its CPU clock, the driver its wall clock),
 * the measured messages, one {@link #END} round trip. In {@code tput} the END answer's word
 * 0 is the consumer's checksum: the sum, modulo 2<sup>64</sup>, of every 64-bit word of
 * every measured message, so the consumer must read every byte.
 */
public final class Protocol {
    public static final int WARMUP = 0;
    public static final int MEASURE = 1;
    public static final int SYNC = 2;
    public static final int END = 3;
    /** The largest message; sizes are multiples of 8 from 8 to this. */
    public static final int MAX_SIZE = 4096;

    private static final long SEQUENCE_MASK = (1L << 56) - 1;
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG;

    private Protocol() {
    }

    public static long word0(int phase, long sequence) {
        return ((long) phase << 56) | sequence;
    }

    public static int phaseOf(long word0) {
        return (int) (word0 >>> 56);
    }

    public static long sequenceOf(long word0) {
        return word0 & SEQUENCE_MASK;
    }

    /** {@return word {@code i} (i >= 1) of every payload: golden-ratio multiples, as in C} */
    public static long pattern(int i) {
        return 0x9E3779B97F4A7C15L * (i + 1);
    }

    /** Writes the pattern into words 1.. of a message of {@code size} bytes. */
    public static void fill(MemorySegment message, int size) {
        for (int i = 1; i < size / 8; i++) {
            message.set(WORD, i * 8L, pattern(i));
        }
    }

    /** {@return the sum of words 1.. of a message of {@code size} bytes} */
    public static long patternSum(int size) {
        long s = 0;
        for (int i = 1; i < size / 8; i++) {
            s += pattern(i);
        }
        return s;
    }

    /** {@return the sum of all words of the first {@code size} bytes} */
    public static long sumWords(MemorySegment message, int size) {
        long s = 0;
        for (long off = 0; off < size; off += 8) {
            s += message.get(WORD, off);
        }
        return s;
    }

    public static long getWord0(MemorySegment message) {
        return message.get(WORD, 0);
    }

    public static void setWord0(MemorySegment message, long word0) {
        message.set(WORD, 0, word0);
    }

    /** Checks a size the way cbench does. */
    public static int checkSize(int size) {
        if (size < 8 || size > MAX_SIZE || size % 8 != 0) {
            throw new IllegalArgumentException("message sizes are multiples of 8 from 8 to " + MAX_SIZE
                    + ", not " + size);
        }
        return size;
    }
}
