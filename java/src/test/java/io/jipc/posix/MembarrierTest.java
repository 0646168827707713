package io.jipc.posix;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MembarrierTest {
    @Test
    void aRegisteredProcessGetsGlobalExpeditedBarriers() {
        int supported = Membarrier.query();
        assumeTrue(supported >= 0, () -> "membarrier refused here (" + Errno.name(-supported) + ")");
        assumeTrue((supported & Membarrier.CMD_GLOBAL_EXPEDITED) != 0, "kernel without MEMBARRIER_CMD_GLOBAL_EXPEDITED");
        assertTrue((supported & Membarrier.CMD_REGISTER_GLOBAL_EXPEDITED) != 0, "query: " + supported);
        assertEquals(0, Membarrier.registerGlobalExpedited());
        assertEquals(0, Membarrier.globalExpedited());
    }

    @Test
    void anUnknownCommandIsEinvalNotACrash() {
        int supported = Membarrier.query();
        assumeTrue(supported >= 0);
        // The commands are single bits, and the query's answer names only those.
        assertEquals(1, Integer.bitCount(Membarrier.CMD_GLOBAL_EXPEDITED));
        assertEquals(1, Integer.bitCount(Membarrier.CMD_REGISTER_GLOBAL_EXPEDITED));
        assertEquals(-Errno.EINVAL, Membarrier.command(1 << 30));
    }
}
