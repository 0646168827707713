package io.jipc.bench.transport;

import java.lang.foreign.MemorySegment;

/**
 * The first {@code length} bytes of the harness's message segment, as one reused slice:
 * the jipc APIs take a message as a whole segment, and a step sends one size over and
 * over, so the slice is made once per step instead of once per message (the JIT does not
 * always scalar-replace it, and an allocation per message would be the harness's cost,
 * not jipc's).
 */
final class SliceCache {
    private MemorySegment base;
    private int length = -1;
    private MemorySegment slice;

    MemorySegment of(MemorySegment message, int length) {
        if (message != base || length != this.length) {
            base = message;
            this.length = length;
            slice = message.asSlice(0, length);
        }
        return slice;
    }
}
