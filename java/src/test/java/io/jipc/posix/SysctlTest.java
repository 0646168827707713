package io.jipc.posix;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SysctlTest {
    @Test
    void readsTheWholeNumberNotItsFirstDigit() {
        // pipe-max-size is at least a page; a reader that probes with a 1-byte read sees "1".
        long max = Sysctl.read(Sysctl.PIPE_MAX_SIZE);
        assertTrue(max >= 4096, "pipe-max-size read as " + max);
    }

    @Test
    void aMissingFileIsMinusOne() {
        assertEquals(-1, Sysctl.read(Path.of("/proc/sys/fs/no-such-limit")));
    }
}
