package io.jipc.cli.objects;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Recognises the layout of a shared-memory object from its first bytes, for
 * {@code jipc ls} and {@code jipc rm --stale}. An inspector must only claim an object
 * whose bytes it can verify (a magic word and a version it knows, sizes that fit the
 * object); for anything else it returns empty, and the object is shown as a plain
 * segment. The bytes come from a read of the file, not a mapping, so inspecting never
 * makes {@code jipc} a holder; they may be changing while they are read, and may be
 * hostile: check before trusting, never throw.
 */
public interface ObjectInspector {
    /** At most this many bytes from the start of the object are given to an inspector. */
    int HEAD_LENGTH = 4096;

    /**
     * What an inspector found in a header.
     *
     * @param layout           a short name for the layout, such as "jipc ring v2"
     * @param creatorPid       the pid the header names as its creator, if it names one
     * @param creatorStartTime that process's start time (clock ticks after boot,
     *                         /proc/PID/stat field 22), if the header records it, so a
     *                         recycled pid is not taken for the creator
     * @param details          short facts to show, such as "capacity 4096" or "fill 12 %"
     */
    record Header(String layout, OptionalLong creatorPid, OptionalLong creatorStartTime, List<String> details) {
    }

    /**
     * Looks at the start of a shared-memory object (not a semaphore).
     *
     * @param head       up to {@link #HEAD_LENGTH} bytes from offset 0, read-only, position 0,
     *                   native byte order; fewer if the object is shorter
     * @param objectSize the object's size in bytes
     * @return the header, if this inspector recognises the layout for certain
     */
    Optional<Header> inspect(ByteBuffer head, long objectSize);

    /**
     * {@return the inspectors {@code jipc ls} and {@code jipc rm} use, in the order they are tried}
     */
    static List<ObjectInspector> standard() {
        return List.of(new RingInspector());
    }
}
