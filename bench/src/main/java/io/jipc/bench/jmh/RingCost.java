package io.jipc.bench.jmh;

import io.jipc.ring.Claim;
import io.jipc.ring.RecordHandler;
import io.jipc.ring.RecordSpanHandler;
import io.jipc.ring.Ring;
import io.jipc.ring.RingDescriptor;
import io.jipc.ring.SpscRing;
import io.jipc.shm.SharedMemory;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * One message through a ring and out again, in one thread, so nothing waits: the cost of
 * the ring's own steps (claim, commit, poll, release) that the cross-process harness
 * hides behind cache-line transfers and copies.
 * <ul>
 *   <li>{@code jipcClaimCommitPoll}: {@link Ring#tryClaim}, write the first 8 bytes in place,
 *   {@link Claim#commit}, {@link Ring#poll} with a handler that reads the first 8 bytes;</li>
 *   <li>{@code jipcOfferPoll}: {@link Ring#offer(MemorySegment)} of the whole message
 *   (copied in), then the same poll;</li>
 *   <li>{@code jipcOfferPollCopy}: offer, then a poll whose handler copies the whole
 *   message out, as every cross-process harness transport does;</li>
 *   <li>{@code jipcOfferPollSpan} and {@code jipcOfferPollSpanCopy}: the same two polls
 *   through {@link RecordSpanHandler} (a span of one reused view, no segment per message),
 *   as the harness's jipc transport does;</li>
 *   <li>{@code agronaClaimCommitRead}, {@code agronaWriteRead} and {@code agronaWriteReadCopy}:
 *   the same with Agrona's {@link OneToOneRingBuffer} ({@code tryClaim}/{@code commit},
 *   {@code write}) and {@code read}.</li>
 * </ul>
 * Both rings have {@link #CAPACITY} data bytes in one jipc {@link SharedMemory} object
 * (unlinked at once), each at a page boundary; message sizes as in the harness. cmicro
 * (bench/native) runs {@code jipc_ring.c} through the same two jipc sequences.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
        "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RingCost {
    /** Data bytes of each ring: 64 KiB, in the L2 cache of the core that runs both sides. */
    public static final int CAPACITY = 1 << 16;
    private static final long PAGE = 4096;
    private static final int AGRONA_TYPE = 1;

    @Param({"8", "64", "1024", "4096"})
    public int size;

    private SharedMemory shm;
    private Ring ring;
    private OneToOneRingBuffer agrona;
    private MemorySegment message;
    private UnsafeBuffer agronaMessage;
    private long sequence;
    private long sink;
    private final RecordHandler readFirstWord = (type, m) -> sink += m.get(ValueLayout.JAVA_LONG, 0);
    private final MessageHandler agronaReadFirstWord = (type, buffer, index, length) -> sink += buffer.getLong(index);
    private final RecordSpanHandler spanReadFirstWord = (type, b, offset, length) ->
            sink += b.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
    private final RecordSpanHandler spanCopyOut = (type, b, offset, length) -> {
        MemorySegment.copy(b, offset, this.copyTarget, 0, length);
        sink += length;
    };
    private MemorySegment copyTarget;
    private UnsafeBuffer agronaCopyTarget;
    private final RecordHandler copyOut = (type, m) -> {
        MemorySegment.copy(m, 0, copyTarget, 0, m.byteSize());
        sink += m.byteSize();
    };
    private final MessageHandler agronaCopyOut = (type, buffer, index, length) -> {
        agronaCopyTarget.putBytes(0, buffer, index, length);
        sink += length;
    };

    @Setup
    public void setUp() throws Exception {
        long jipcLength = align(RingDescriptor.regionLength(CAPACITY));
        long agronaLength = CAPACITY + RingBufferDescriptor.TRAILER_LENGTH;
        String name = "/jipc-bench-" + ProcessHandle.current().pid() + "-jmh";
        shm = SharedMemory.create(name, jipcLength + align(agronaLength));
        SharedMemory.unlink(name);
        ring = SpscRing.create(shm.segment().asSlice(0, jipcLength), CAPACITY);
        agrona = new OneToOneRingBuffer(new UnsafeBuffer(shm.segment().address() + jipcLength, (int) agronaLength));
        message = Arena.ofAuto().allocate(size, 64);
        for (long i = 0; i < size; i += 8) {
            message.set(ValueLayout.JAVA_LONG, i, 0x9E3779B97F4A7C15L * (i + 1));
        }
        agronaMessage = new UnsafeBuffer(message.address(), size);
        copyTarget = Arena.ofAuto().allocate(size, 64);
        agronaCopyTarget = new UnsafeBuffer(copyTarget.address(), size);
    }

    private static long align(long n) {
        return (n + PAGE - 1) / PAGE * PAGE;
    }

    @TearDown
    public void tearDown() {
        // Agrona's buffers hold raw addresses: nothing touches them after this.
        shm.close();
    }

    /*
     * The ring is empty before each call and after it. A poll stops at the end of the data
     * area: after a wrap it returns 0 having skipped only the padding, so each read loops
     * until it has handled the message (both rings behave so). A full ring would be a bug
     * here, and throws.
     */

    @Benchmark
    public long jipcClaimCommitPoll() {
        Claim claim = ring.tryClaim(size);
        if (claim == null) {
            throw new IllegalStateException("full");
        }
        claim.segment().set(ValueLayout.JAVA_LONG, 0, ++sequence);
        claim.commit();
        while (ring.poll(readFirstWord, 1) == 0) {
            // The padding before a wrapped message.
        }
        return sink;
    }

    @Benchmark
    public long jipcOfferPoll() {
        if (!ring.offer(message)) {
            throw new IllegalStateException("full");
        }
        while (ring.poll(readFirstWord, 1) == 0) {
            // The padding before a wrapped message.
        }
        return sink;
    }

    @Benchmark
    public long jipcOfferPollCopy() {
        if (!ring.offer(message)) {
            throw new IllegalStateException("full");
        }
        while (ring.poll(copyOut, 1) == 0) {
            // The padding before a wrapped message.
        }
        return sink;
    }

    @Benchmark
    public long jipcOfferPollSpan() {
        if (!ring.offer(message)) {
            throw new IllegalStateException("full");
        }
        while (ring.poll(spanReadFirstWord, 1) == 0) {
            // The padding before a wrapped message.
        }
        return sink;
    }

    @Benchmark
    public long jipcOfferPollSpanCopy() {
        if (!ring.offer(message)) {
            throw new IllegalStateException("full");
        }
        while (ring.poll(spanCopyOut, 1) == 0) {
            // The padding before a wrapped message.
        }
        return sink;
    }

    @Benchmark
    public long agronaClaimCommitRead() {
        int index = agrona.tryClaim(AGRONA_TYPE, size);
        if (index < 0) {
            throw new IllegalStateException("full");
        }
        agrona.buffer().putLong(index, ++sequence);
        agrona.commit(index);
        while (agrona.read(agronaReadFirstWord, 1) == 0) {
            // The padding before a wrapped message.
        }
        return sink;
    }

    @Benchmark
    public long agronaWriteRead() {
        if (!agrona.write(AGRONA_TYPE, agronaMessage, 0, size)) {
            throw new IllegalStateException("full");
        }
        while (agrona.read(agronaReadFirstWord, 1) == 0) {
            // The padding before a wrapped message.
        }
        return sink;
    }

    @Benchmark
    public long agronaWriteReadCopy() {
        if (!agrona.write(AGRONA_TYPE, agronaMessage, 0, size)) {
            throw new IllegalStateException("full");
        }
        while (agrona.read(agronaCopyOut, 1) == 0) {
            // The padding before a wrapped message.
        }
        return sink;
    }
}
