package io.jipc.channel;

import io.jipc.IpcException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a peer's bytes can make the reader do: the framing rules, at the level of the buffer. */
class FrameReaderTest {
    /** Feeds {@code bytes} as reads would, then asks for the next frame. */
    private static int feed(FrameReader r, byte[] bytes) throws IpcException {
        int next = r.next("test");
        for (byte b : bytes) {
            ByteBuffer room = r.room();
            room.put(b);
            next = r.next("test");
        }
        return next;
    }

    private static byte[] hello(int max) {
        ByteBuffer b = ByteBuffer.allocate(FrameDescriptor.HELLO_LENGTH);
        FrameDescriptor.putHello(b, max);
        return b.array();
    }

    private static byte[] header(int length) {
        return ByteBuffer.allocate(4).putInt(length).array();
    }

    @Test
    void aLengthAboveTheMaximumIsRefusedBeforeTheBufferGrows() throws Exception {
        for (int length : new int[] {(1 << 20) + 1, Integer.MAX_VALUE, -1}) {
            FrameReader fresh = new FrameReader(1 << 20, true);
            try {
                IpcException e = assertThrows(IpcException.class, () -> feed(fresh, header(length)));
                assertEquals(IpcException.Reason.INVALID_ARGUMENT, e.reason());
                assertEquals(FrameReader.INITIAL_CAPACITY, fresh.capacity(), "nothing was allocated for it");
            } finally {
                fresh.free();
            }
        }
    }

    @Test
    void memoryFollowsTheBytesThatArriveNotTheLengthAnnounced() throws Exception {
        FrameReader r = new FrameReader(16 << 20, false);
        try {
            assertEquals(0, r.capacity(), "nothing before the first read");
            assertEquals(-1, feed(r, hello(16 << 20)));
            // A header announcing 8 MiB, and 9 bytes of it: still the first small buffer.
            assertEquals(-1, feed(r, header(8 << 20)));
            assertEquals(-1, feed(r, new byte[9]));
            assertEquals(FrameReader.INITIAL_CAPACITY, r.capacity());
            // The buffer doubles only as bytes fill it: never more than twice what came.
            int came = 9;
            for (int chunk = 0; chunk < 40; chunk++) {
                feed(r, new byte[5000]);
                came += 5000;
                int header = FrameDescriptor.HEADER_LENGTH;
                assertTrue(r.capacity() <= Math.max(FrameReader.INITIAL_CAPACITY, 2 * (came + header)),
                        r.capacity() + " bytes held after " + came + " came");
            }
        } finally {
            r.free();
        }
    }

    @Test
    void aBudgetCapsWhatTheReaderMayHold() throws Exception {
        long[] held = {0};
        FrameReader.Budget budget = new FrameReader.Budget() {
            @Override
            public boolean reserve(long bytes) {
                if (held[0] + bytes > 10_000) {
                    return false;
                }
                held[0] += bytes;
                return true;
            }

            @Override
            public void release(long bytes) {
                held[0] -= bytes;
            }
        };
        FrameReader r = new FrameReader(1 << 20, true, budget);
        feed(r, header(100_000));
        int n = 0;
        while (r.room() != null && n < 100_000) {
            r.room().put((byte) 1);
            n++;
        }
        assertTrue(n < 100_000, "the reader stopped asking for room at the cap");
        assertTrue(held[0] <= 10_000, "held " + held[0]);
        r.free();
        assertEquals(0, held[0], "everything given back");
    }

    @Test
    void framesComeOutWholeWhateverTheReadsCutThemInto() throws Exception {
        FrameReader r = new FrameReader(100, false);
        try {
            ByteBuffer stream = ByteBuffer.allocate(200);
            stream.put(hello(100)).put(header(3)).put(new byte[] {1, 2, 3}).put(header(0)).put(header(100))
                    .put(new byte[100]);
            byte[] all = java.util.Arrays.copyOf(stream.array(), stream.position());
            int[] lengths = new int[3];
            int found = 0;
            for (byte b : all) {
                r.room().put(b);
                int n;
                while ((n = r.next("test")) >= 0) {
                    lengths[found++] = n;
                    r.consume(n);
                }
            }
            assertEquals(3, found);
            assertEquals(3, lengths[0]);
            assertEquals(0, lengths[1]);
            assertEquals(100, lengths[2]);
            assertEquals(0, r.buffered());
        } finally {
            r.free();
        }
    }

    @Test
    void aForeignHelloIsRefused() {
        FrameReader r = new FrameReader(100, false);
        try {
            byte[] http = "GET / HTTP/1.1\r\nHost: example\r\n\r\n".getBytes();
            IpcException e = assertThrows(IpcException.class, () -> feed(r, http));
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());
            assertTrue(e.getMessage().contains("0x47455420"), e.getMessage());
        } finally {
            r.free();
        }
    }
}
