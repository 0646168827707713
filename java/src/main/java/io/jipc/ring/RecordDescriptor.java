package io.jipc.ring;

/**
 * The layout of one record in a ring's data area: an 8-byte header, the message, and
 * zero padding up to the next multiple of {@link #ALIGNMENT}. {@code native/jipc_ring.h}
 * is the C twin.
 *
 * <p>The header is one 64-bit word, always read and written whole and atomically, so
 * that its two halves can never be seen out of step: the low half ({@code LENGTH}) is the
 * record length including the header, the high half holds the type; while the record is
 * claimed the word names the claimer instead (see {@link #claimWord}). The sign of the
 * low half carries the record's state:
 * <ul>
 *   <li><b>0</b> (the whole word): not written yet. The consumer zeroes every byte it
 *   consumes before it releases them, so free space always reads as zero.</li>
 *   <li><b>length &lt; 0</b>: claimed: the word is a {@link #claimWord} naming the record
 *   length and the claiming process by pid and the low {@value #CLAIM_STAMP_BITS} bits of
 *   its start time, so that a process that reuses a dead claimer's pid is not taken for it.
 *   Writer: the producer, release store, before it release-stores the producer position
 *   past the record (SPSC: the only producer; MPSC: while it holds the reservation lock,
 *   see {@link RingDescriptor}), so no byte below the producer position is ever without
 *   an owner named in a header. The message bytes are being written.</li>
 *   <li><b>length &gt; 0, type &ge; 0</b>: committed. Writer: the producer, release store
 *   over its own claimed word, so everything it wrote into the message happens-before the
 *   consumer's acquire read of the header. A positive length marks the record complete.</li>
 *   <li><b>length &gt; 0, type {@link #PADDING_TYPE}</b>: padding the consumer skips:
 *   filler to the end of the data area before a record that would straddle it (release
 *   store by the producer, just before the claimed header at index 0), an aborted claim
 *   (release store by the producer), or a claim of a producer found dead (CAS by the
 *   consumer, once the producer position is past the record).</li>
 * </ul>
 * Commit and abort are plain release stores because a claimed record is provably its
 * claimer's: nobody else writes it until the claimer is known dead, by pid and start-time
 * stamp, and a dead process commits nothing (all processes of a ring share one pid
 * namespace, or a live claimer could look dead). The producer reads its claim word back
 * before the store, which catches a ring re-created under a claim.
 *
 * <p>The claim word, bit 63 first:
 * <pre>
 *   6                   5                   4                   3
 *   3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2
 *  +-------------------+-------------------------------------------+
 *  |  Stamp bits 12..3 |              Claimer Pid (22 bits)        |  high half
 *  +-+-----+-----------+-------------------------------------------+
 *  |1|St2-0|             Record Length: header + message           |  low half
 *  +-+-----+-------------------------------------------------------+
 *    3     2                   1                   0
 *    1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0
 * </pre>
 * Linux pids stay below 2<sup>22</sup> ({@code PID_MAX_LIMIT}) and a record below
 * 2<sup>28</sup> bytes (capacity / 8 plus the header), which leaves 13 bits for the stamp:
 * the claimer's start time ({@code /proc/PID/stat} field 22, in clock ticks) modulo 8192.
 * A claim is its claimer's while a process with that pid runs whose start time has that
 * stamp; a pid reused by a process started a multiple of 8192 ticks (82 s at 100 Hz) later,
 * to the tick, would still be taken for the claimer.
 */
public final class RecordDescriptor {
    private RecordDescriptor() {
    }

    /**
     * Bytes before the message; also the size of the header word.
     * <pre>
     *   0                   1                   2                   3
     *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     *  +-+-------------------------------------------------------------+
     *  |S|       Length: header + message bytes (S: 1 = claimed)       |  0
     *  +-+-------------------------------------------------------------+
     *  |      Type (committed, padding = -1) / Claimer (claimed)       |  4
     *  +---------------------------------------------------------------+
     *  |                     Message (Length - 8 bytes)               ...  8
     * ...                                                              |
     *  +---------------------------------------------------------------+
     *  |            Zero padding to a multiple of 8 bytes             ...
     *  +---------------------------------------------------------------+
     * </pre>
     */
    public static final int HEADER_LENGTH = 8;
    /** Every record starts at a multiple of this; it is the header word's size, for atomic access. */
    public static final int ALIGNMENT = 8;
    /** Offset of the length, the low half of the header word. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the type (or claimer pid), the high half of the header word. */
    public static final int TYPE_OFFSET = 4;
    /** The type of padding records. Message types are never negative. */
    public static final int PADDING_TYPE = -1;

    /** Bits of the claimer's start time a claim word carries. */
    public static final int CLAIM_STAMP_BITS = 13;
    /** Bits of the claimer's pid a claim word carries: Linux's {@code PID_MAX_LIMIT} is 2^22. */
    public static final int CLAIM_PID_BITS = 22;
    /** Bits of the record length a claim word carries. */
    public static final int CLAIM_LENGTH_BITS = 28;

    /**
     * {@return the offset of the header word of the record at {@code recordOffset}}
     *
     * @param recordOffset the record's offset in the data area, a multiple of {@link #ALIGNMENT}
     */
    public static int lengthOffset(int recordOffset) {
        return recordOffset + LENGTH_OFFSET;
    }

    /**
     * {@return the offset of the type half of the record at {@code recordOffset}}
     *
     * @param recordOffset the record's offset in the data area, a multiple of {@link #ALIGNMENT}
     */
    public static int typeOffset(int recordOffset) {
        return recordOffset + TYPE_OFFSET;
    }

    /**
     * {@return the offset of the message of the record at {@code recordOffset}}
     *
     * @param recordOffset the record's offset in the data area, a multiple of {@link #ALIGNMENT}
     */
    public static int messageOffset(int recordOffset) {
        return recordOffset + HEADER_LENGTH;
    }

    /**
     * {@return the bytes a record of {@code recordLength} occupies: rounded up to {@link
     * #ALIGNMENT}}
     *
     * @param recordLength a record's length, header included; positive
     */
    public static int alignedLength(int recordLength) {
        return (recordLength + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /**
     * {@return the claimed header word of a record of {@code recordLength} bytes (header
     * included) claimed by process {@code pid} started at {@code startTime}}
     *
     * @param recordLength the record's length, header included; below
     *     2<sup>{@value #CLAIM_LENGTH_BITS}</sup>
     * @param pid the claimer's pid, below 2<sup>{@value #CLAIM_PID_BITS}</sup>
     * @param startTime the claimer's start time in clock ticks ({@code /proc/PID/stat} field 22);
     *     only its stamp is kept
     */
    public static long claimWord(int recordLength, int pid, long startTime) {
        int stamp = stampOf(startTime);
        long low = 0x8000_0000L | (long) (stamp & 7) << CLAIM_LENGTH_BITS
                | (recordLength & ((1L << CLAIM_LENGTH_BITS) - 1));
        long high = (pid & ((1L << CLAIM_PID_BITS) - 1)) | (long) (stamp >>> 3) << CLAIM_PID_BITS;
        return high << 32 | low;
    }

    /**
     * {@return the stamp of a start time: its low {@value #CLAIM_STAMP_BITS} bits}
     *
     * @param startTime a start time in clock ticks, {@code /proc/PID/stat} field 22
     */
    public static int stampOf(long startTime) {
        return (int) startTime & ((1 << CLAIM_STAMP_BITS) - 1);
    }

    /**
     * {@return the record length of a claimed header word}
     *
     * @param claimWord a header word that is claimed (its length half negative)
     */
    public static int claimLength(long claimWord) {
        return (int) claimWord & ((1 << CLAIM_LENGTH_BITS) - 1);
    }

    /**
     * {@return the claimer's pid in a claimed header word}
     *
     * @param claimWord a header word that is claimed (its length half negative)
     */
    public static int claimPid(long claimWord) {
        return (int) (claimWord >>> 32) & ((1 << CLAIM_PID_BITS) - 1);
    }

    /**
     * {@return the claimer's start-time stamp in a claimed header word}
     *
     * @param claimWord a header word that is claimed (its length half negative)
     */
    public static int claimStamp(long claimWord) {
        return ((int) claimWord >>> CLAIM_LENGTH_BITS & 7) | (int) (claimWord >>> 32 + CLAIM_PID_BITS) << 3;
    }

    /**
     * {@return the header word holding {@code length} and {@code typeOrPid}}
     *
     * @param length the record's length, header included
     * @param typeOrPid the message type of a committed record, or {@link #PADDING_TYPE}
     */
    public static long headerWord(int length, int typeOrPid) {
        return ((long) typeOrPid << 32) | (length & 0xFFFF_FFFFL);
    }

    /**
     * {@return the length half of a header word (negative while claimed: then see {@link
     * #claimLength})}
     *
     * @param headerWord a header word as read, whole, from the ring
     */
    public static int lengthOf(long headerWord) {
        return (int) headerWord;
    }

    /**
     * {@return the type half of a header word (not a type while claimed: see {@link #claimPid})}
     *
     * @param headerWord a header word as read, whole, from the ring
     */
    public static int typeOf(long headerWord) {
        return (int) (headerWord >>> 32);
    }

    /**
     * Checks a message type: types are not negative ({@link #PADDING_TYPE} is reserved).
     *
     * @param type a message type as a producer gave it, for a claim or an offer
     * @throws IllegalArgumentException if it is negative
     */
    public static void checkType(int type) {
        if (type < 0) {
            throw new IllegalArgumentException("message type must not be negative, not " + type);
        }
    }
}
