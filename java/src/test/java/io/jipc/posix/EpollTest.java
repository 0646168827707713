package io.jipc.posix;

import io.jipc.testing.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeaks.class)
class EpollTest {
    @Test
    void anEventComesBackWithItsDataWord() {
        int ep = Epoll.create(Epoll.EPOLL_CLOEXEC);
        int a = EventFd.create(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        int b = EventFd.create(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        assertTrue(ep >= 0 && a >= 0 && b >= 0, ep + " " + a + " " + b);
        try (Arena arena = Arena.ofConfined()) {
            // Data words above 2^32 and negative ones: the packed struct keeps all 64 bits.
            assertEquals(0, Epoll.ctl(ep, Epoll.CTL_ADD, a, Epoll.EPOLLIN, 0x1234_5678_9abc_def0L));
            assertEquals(0, Epoll.ctl(ep, Epoll.CTL_ADD, b, Epoll.EPOLLIN, -7L));
            MemorySegment events = Epoll.allocate(arena, 4);
            assertEquals(0, Epoll.await(ep, events, 4, 0), "nothing ready yet");

            assertEquals(0, EventFd.signal(b, 1));
            assertEquals(1, Epoll.await(ep, events, 4, 1000));
            assertEquals(Epoll.EPOLLIN, Epoll.events(events, 0));
            assertEquals(-7L, Epoll.data(events, 0));

            assertEquals(0, EventFd.signal(a, 1));
            assertEquals(2, Epoll.await(ep, events, 4, 1000));
            long sum = Epoll.data(events, 0) + Epoll.data(events, 1);
            assertEquals(0x1234_5678_9abc_def0L - 7L, sum);

            assertEquals(0, Epoll.ctl(ep, Epoll.CTL_DEL, b, 0, 0));
            assertEquals(1, Epoll.await(ep, events, 4, 1000));
            assertEquals(0x1234_5678_9abc_def0L, Epoll.data(events, 0));
            assertEquals(-Errno.ENOENT, Epoll.ctl(ep, Epoll.CTL_DEL, b, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> Epoll.await(ep, events, 5, 0));
        } finally {
            Fds.close(a);
            Fds.close(b);
            Fds.close(ep);
        }
    }
}
