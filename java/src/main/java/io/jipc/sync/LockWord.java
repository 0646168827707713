package io.jipc.sync;

import io.jipc.posix.Procs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.jipc.sync.LockWordDescriptor.OWNER_MASK;

/** The atomic accessors of a lock word, shared by the lock classes. */
final class LockWord {
    /** (MemorySegment, long offset) → int, with atomic access modes on aligned memory. */
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    static final int PID = Procs.getpid();

    static {
        if ((PID & ~OWNER_MASK) != 0) {
            throw new ExceptionInInitializerError("pid " + PID + " does not fit the lock word");
        }
    }

    private LockWord() {
    }

    static String describe(int word) {
        int owner = word & OWNER_MASK;
        return owner == 0 ? "unlocked" : "held by pid " + owner;
    }

    static IllegalStateException notHeld(String what, MemorySegment segment, long offset, int word) {
        return new IllegalStateException("unlock of a " + what + " this thread does not hold (pid " + PID
                + "; the lock at offset " + offset + " is " + describe(word) + ")");
    }

    static int get(MemorySegment s, long offset) {
        return (int) INT.getVolatile(s, offset);
    }
}
