package io.jipc.posix;

import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeaks.class)
class EventFdTest {
    @Test
    void signalsAddUpAndAReadTakesThemAll() {
        int fd = EventFd.create(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        assertTrue(fd >= 0, "eventfd: " + fd);
        try {
            long[] value = new long[1];
            assertEquals(-Errno.EAGAIN, EventFd.read(fd, value), "nothing signalled yet");
            assertEquals(0, EventFd.signal(fd, 2));
            assertEquals(0, EventFd.signal(fd, 40));
            assertEquals(Poll.POLLIN, Poll.one(fd, Poll.POLLIN, 0));
            assertEquals(0, EventFd.read(fd, value));
            assertEquals(42, value[0]);
            assertEquals(-Errno.EAGAIN, EventFd.read(fd, value), "the read took the whole count");
            assertThrows(IllegalArgumentException.class, () -> EventFd.signal(fd, 0));
        } finally {
            Fds.close(fd);
        }
    }
}
