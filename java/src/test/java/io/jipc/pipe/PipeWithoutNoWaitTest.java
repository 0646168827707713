package io.jipc.pipe;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every {@link PipeTest} again, on the path of a kernel whose pipes refuse
 * {@code RWF_NOWAIT} (before Linux 5.x): a blocking-mode try is {@code poll(0)} and the plain
 * call, and a try right after a sleep trusts the readiness that poll reported. This machine's
 * kernel takes RWF_NOWAIT, so without this class that path would never run.
 */
class PipeWithoutNoWaitTest extends PipeTest {
    @BeforeAll
    static void pollThenCall() {
        EndDescriptor.useNoWait(false);
    }

    @AfterAll
    static void backToNoWait() {
        EndDescriptor.useNoWait(true);
    }
}
