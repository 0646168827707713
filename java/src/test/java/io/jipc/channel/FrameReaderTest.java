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
        FrameReader r = new FrameReader(1 << 20, false);
        try {
            int before = r.capacity();
            assertEquals(FrameReader.INITIAL_CAPACITY, before);
            assertEquals(-1, feed(r, hello(0)));
            for (int length : new int[] {(1 << 20) + 1, Integer.MAX_VALUE, -1}) {
                FrameReader fresh = new FrameReader(1 << 20, true);
                try {
                    IpcException e = assertThrows(IpcException.class, () -> feed(fresh, header(length)));
                    assertEquals(IpcException.Reason.INVALID_ARGUMENT, e.reason());
                    assertEquals(before, fresh.capacity(), "nothing was allocated for a refused frame");
                } finally {
                    fresh.free();
                }
            }
            // An allowed long frame grows the buffer to exactly that frame, once its header is in.
            assertEquals(-1, feed(r, header(200_000)));
            assertEquals(before, r.capacity());
            r.room();
            assertEquals(FrameDescriptor.HEADER_LENGTH + 200_000, r.capacity());
        } finally {
            r.free();
        }
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
            IpcException e = assertThrows(IpcException.class, () -> feed(r, "GET / HTTP/1.1\r\n".getBytes()));
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());
            assertTrue(e.getMessage().contains("0x47455420"), e.getMessage());
        } finally {
            r.free();
        }
    }
}
