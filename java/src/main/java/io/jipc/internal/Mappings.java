package io.jipc.internal;

import io.jipc.IpcException;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Finds, from any segment (or slice) of a mapping of shared memory, the check that the
 * object behind it still covers the mapping.
 *
 * <p>Why: a process that can write a named object can {@code ftruncate} it smaller, and
 * touching a mapped page past the new end is SIGBUS, which kills the JVM in an atomic
 * access. Views that do not own their memory (locks, rings, channels) look the check up
 * once and call it where a system call is cheap next to what they do anyway: before they
 * sleep and after they wake. Between a check and an access a shrink still kills; only
 * sealed memory closes that window.
 */
public final class Mappings {
    /** Keys are scopes, compared by identity; a closed or unreachable mapping drops out. */
    private static final Map<MemorySegment.Scope, SizeCheck> BY_SCOPE = Collections.synchronizedMap(new WeakHashMap<>());

    private Mappings() {
    }

    /** Says whether the object behind a mapping still covers it. */
    public interface SizeCheck {
        /**
         * @throws IpcException (INCOMPATIBLE_LAYOUT) if the object is now smaller than the mapping
         */
        void check() throws IpcException;
    }

    /** Registers the check of the mapping whose segments have {@code scope}; {@code check} must not refer to it. */
    public static void register(MemorySegment.Scope scope, SizeCheck check) {
        BY_SCOPE.put(scope, check);
    }

    /** {@return the check of the mapping {@code segment} belongs to, or null if it is no jipc mapping} */
    public static SizeCheck of(MemorySegment segment) {
        return BY_SCOPE.get(segment.scope());
    }
}
