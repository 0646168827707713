package io.jipc.channel;

import io.jipc.IpcException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random byte streams against the frame reader, cut into random reads: it never throws
 * anything but {@link IpcException}, never hands out a frame longer than the maximum, never
 * holds more than twice what arrived (or its first small buffer), and always either makes
 * progress or asks for more bytes, so a stream of n bytes is done in at most n reads.
 */
class FrameReaderProperties {
    private static final int MAX = 1000;

    /** Feeds {@code stream} in reads of the given sizes. {@return the frames taken, or null if refused} */
    private static List<Integer> run(byte[] stream, List<Integer> cuts, boolean helloSeen) {
        FrameReader r = new FrameReader(MAX, helloSeen);
        List<Integer> frames = new ArrayList<>();
        try {
            int fed = 0;
            int cut = 0;
            while (fed < stream.length) {
                int n;
                while ((n = r.next("property")) >= 0) {
                    assertTrue(n <= MAX, "a frame of " + n + " bytes, above the maximum");
                    assertEquals(n, r.payload(n).byteSize());
                    frames.add(n);
                    r.consume(n);
                }
                r.trim();
                ByteBuffer room = r.room();
                assertTrue(room != null && room.hasRemaining(), "room for at least one more byte");
                int want = Math.max(1, cuts.isEmpty() ? 1 : cuts.get(cut++ % cuts.size()));
                int take = Math.min(Math.min(want, room.remaining()), stream.length - fed);
                room.put(stream, fed, take);
                fed += take;
                long bound = Math.max(FrameReader.INITIAL_CAPACITY, 2L * (r.buffered() + FrameDescriptor.HEADER_LENGTH));
                assertTrue(r.capacity() <= bound, r.capacity() + " bytes held for " + r.buffered() + " buffered");
            }
            int n;
            while ((n = r.next("property")) >= 0) {
                frames.add(n);
                r.consume(n);
            }
            return frames;
        } catch (IpcException refused) {
            assertTrue(refused.reason() == IpcException.Reason.INVALID_ARGUMENT
                    || refused.reason() == IpcException.Reason.INCOMPATIBLE_LAYOUT, refused.toString());
            return null;
        } finally {
            r.free();
        }
    }

    @Property(tries = 300)
    void randomBytesAreFramedOrRefusedNeverAnythingElse(@ForAll @Size(max = 3000) byte[] stream,
                                                         @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1,
                                                                 max = 5000) Integer> cuts,
                                                         @ForAll boolean helloSeen) {
        run(stream, cuts, helloSeen);
    }

    @Provide
    Arbitrary<byte[]> wellFormed() {
        Arbitrary<byte[]> frame = Arbitraries.integers().between(0, MAX).flatMap(n ->
                Arbitraries.bytes().array(byte[].class).ofSize(n).map(p ->
                        ByteBuffer.allocate(4 + n).putInt(n).put(p).array()));
        return frame.list().ofMaxSize(20).map(frames -> {
            ByteBuffer b = ByteBuffer.allocate(frames.stream().mapToInt(f -> f.length).sum());
            frames.forEach(b::put);
            return b.array();
        });
    }

    @Property(tries = 200)
    void wellFormedStreamsComeOutWholeWhateverTheCuts(@ForAll("wellFormed") byte[] stream,
                                                      @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1,
                                                              max = 3000) Integer> cuts) {
        List<Integer> frames = run(stream, cuts, true);
        int total = 0;
        for (int n : frames) {
            total += 4 + n;
        }
        assertEquals(stream.length, total, "every byte belongs to a frame handed out");
    }

    @Property(tries = 200)
    void aHeaderWithAnyLengthIsCheckedBeforeAnythingGrows(@ForAll int length,
                                                         @ForAll @Size(max = 64) byte[] tail) {
        byte[] stream = ByteBuffer.allocate(4 + tail.length).putInt(length).put(tail).array();
        List<Integer> frames = run(stream, List.of(1), true);
        if (length < 0 || length > MAX) {
            assertEquals(null, frames, "a length of " + Integer.toUnsignedLong(length) + " is refused");
        }
    }
}
