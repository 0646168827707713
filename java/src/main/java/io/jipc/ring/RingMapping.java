package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.internal.Mappings;

import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;

/**
 * The check that the shared-memory object under a ring still covers it (issue 12, finding
 * 1: a peer that can write a named object can {@code ftruncate} it, and touching a mapped
 * page past the new end is SIGBUS). One {@code fstat}, so it is made where a system call
 * is cheap next to what the ring does anyway: at create and attach, before each sleep and
 * after each wake-up, and every so many looks at the other side's position
 * ({@link RingProducer#SHRINK_CHECK_EVERY}, {@link RingConsumer#SHRINK_CHECK_EVERY}); never
 * per message. A shrink between two checks still kills the process that touches the lost
 * pages: only sealed memory ({@code SharedMemory}'s memfd kind) closes that race. A ring
 * over memory jipc did not map (an arena of its own) has nothing to check.
 */
final class RingMapping {
    private final Mappings.SizeCheck check;

    RingMapping(MemorySegment region) {
        this.check = Mappings.of(region);
    }

    /**
     * @throws UncheckedIOException wrapping an {@link IpcException} ({@code INCOMPATIBLE_LAYOUT})
     *                              if a peer shrank the object under the ring
     */
    void check() {
        if (check != null) {
            try {
                check.check();
            } catch (IpcException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** {@link #check()} for the calls that declare {@link IpcException}. */
    void checkAttach() throws IpcException {
        if (check != null) {
            check.check();
        }
    }
}
