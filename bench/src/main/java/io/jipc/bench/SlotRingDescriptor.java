package io.jipc.bench;

/**
 * The slot ring of the "shm-spin" (and, in C, "futex") transports: the Java copy of
 * {@code bench/native/slotring.h}, which draws the layout and gives each field's writer
 * and ordering. {@code cbench --layout} prints the C values; the harness's test checks
 * they equal these.
 *
 * <pre>
 *   0        tail     u32  producer: release store after the slot; consumer: acquire load
 *   128      head     u32  consumer: release store after copying out; producer: acquire load
 *   256      c_wait   u32  futex twin only (consumer may sleep on tail)
 *   384      p_wait   u32  futex twin only (producer may sleep on head)
 *   512      slots    SLOT_COUNT x SLOT_STRIDE: [length u32][reserved u32][payload]
 * </pre>
 */
public final class SlotRingDescriptor {
    private SlotRingDescriptor() {
    }

    public static final int TAIL_OFFSET = 0;
    public static final int HEAD_OFFSET = 128;
    public static final int CONSUMER_WAITING_OFFSET = 256;
    public static final int PRODUCER_WAITING_OFFSET = 384;
    public static final int SLOTS_OFFSET = 512;
    public static final int SLOT_HEADER_LENGTH = 8;
    public static final int MAX_PAYLOAD = Protocol.MAX_SIZE;
    public static final int SLOT_STRIDE = 4160;
    public static final int SLOT_COUNT = 256;
    public static final int RING_LENGTH = SLOTS_OFFSET + SLOT_COUNT * SLOT_STRIDE;
    public static final int SPIN_LIMIT = 200;

    /** {@return the offset of slot {@code position % SLOT_COUNT}} */
    public static long slotOffset(int position) {
        return SLOTS_OFFSET + (long) Integer.remainderUnsigned(position, SLOT_COUNT) * SLOT_STRIDE;
    }
}
