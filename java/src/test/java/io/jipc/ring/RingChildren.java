package io.jipc.ring;

import io.jipc.IpcException;
import io.jipc.shm.SharedMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Entry point of the child JVMs the ring tests spawn: {@code RingChildren <scenario> args...}.
 * Exit code 0 means the scenario ran and its checks passed; results are printed as
 * {@code key=value} words on standard output.
 */
public final class RingChildren {
    /** Set to 1 (volatile) by a child when it reached the state a test waits for. */
    static final VarHandle FLAG = ValueLayout.JAVA_INT.varHandle();
    static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(20);

    private RingChildren() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "produce" -> produce(args);
            case "consume" -> System.exit(consume(args));
            case "claim-and-hang" -> claimAndHang(args);
            case "pong" -> pong(args);
            case "slow-consume" -> slowConsume(args);
            case "source" -> source(args);
            default -> {
                System.err.println("unknown scenario " + args[0]);
                System.exit(64);
            }
        }
    }

    static Ring attach(MemorySegment region, String kind) throws IpcException {
        return kind.equals("mpsc") ? MpscRing.attach(region, ATTACH_TIMEOUT) : SpscRing.attach(region, ATTACH_TIMEOUT);
    }

    /**
     * {@code produce shm offset kind id count min max}: sends the test messages of producer
     * {@code id}, blocking when full; two in three through claim/commit, the rest through put.
     */
    private static void produce(String[] a) throws IpcException {
        try (SharedMemory shm = SharedMemory.open(a[1])) {
            Ring ring = attach(shm.segment().asSlice(Long.parseLong(a[2])), a[3]);
            int id = Integer.parseInt(a[4]);
            long count = Long.parseLong(a[5]);
            int min = Integer.parseInt(a[6]);
            int max = Integer.parseInt(a[7]);
            long checksum = 0;
            for (long seq = 0; seq < count; seq++) {
                int size = TestMessages.size(seq, min, max);
                if (seq % 3 == 2) {
                    byte[] bytes = TestMessages.bytes(id, seq, size);
                    ring.put(id, MemorySegment.ofArray(bytes));
                    checksum += TestMessages.hash(id, MemorySegment.ofArray(bytes));
                } else {
                    Claim claim = ring.claim(size);
                    TestMessages.fill(claim.segment(), id, seq);
                    checksum += TestMessages.hash(id, claim.segment());
                    claim.type(id).commit();
                }
            }
            System.out.println("ok count=" + count + " checksum=" + Long.toHexString(checksum));
        }
    }

    /** {@code consume shm offset kind producers count min max}: receives and checks every message. */
    private static int consume(String[] a) throws IpcException {
        try (SharedMemory shm = SharedMemory.open(a[1])) {
            Ring ring = attach(shm.segment().asSlice(Long.parseLong(a[2])), a[3]);
            int producers = Integer.parseInt(a[4]);
            long count = Long.parseLong(a[5]);
            TestMessages.Verifier v = new TestMessages.Verifier(producers, Integer.parseInt(a[6]),
                    Integer.parseInt(a[7]));
            while (v.received < producers * count && v.failure == null) {
                ring.read(v, 256);
            }
            if (v.failure != null) {
                System.err.println(v.failure);
                return 1;
            }
            System.out.println("ok count=" + v.received + " checksum=" + Long.toHexString(v.checksum));
            return 0;
        }
    }

    /**
     * {@code claim-and-hang shm offset kind flagOffset}: claims a record, half writes it,
     * raises the flag and sleeps until killed.
     */
    private static void claimAndHang(String[] a) throws Exception {
        SharedMemory shm = SharedMemory.open(a[1]);
        Ring ring = attach(shm.segment().asSlice(Long.parseLong(a[2])), a[3]);
        Claim claim = ring.claim(40);
        claim.segment().fill((byte) 0x5A);
        FLAG.setVolatile(shm.segment(), Long.parseLong(a[4]), 1);
        Thread.sleep(Long.MAX_VALUE);
    }

    /**
     * {@code pong shm in out count spin|sleep delayMicros}: echoes {@code count} messages
     * from the SPSC ring at {@code in} to the one at {@code out}, after a delay if asked.
     */
    private static void pong(String[] a) throws Exception {
        try (SharedMemory shm = SharedMemory.open(a[1])) {
            Ring in = attach(shm.segment().asSlice(Long.parseLong(a[2])), "spsc");
            Ring out = attach(shm.segment().asSlice(Long.parseLong(a[3])), "spsc");
            long count = Long.parseLong(a[4]);
            boolean spin = a[5].equals("spin");
            long delayNanos = Long.parseLong(a[6]) * 1000;
            RecordHandler echo = (type, message) -> {
                if (delayNanos > 0) {
                    sleepNanos(delayNanos);
                }
                if (spin) {
                    while (!out.offer(type, message)) {
                        Thread.onSpinWait();
                    }
                } else {
                    out.put(type, message);
                }
            };
            for (long i = 0; i < count; i++) {
                if (spin) {
                    while (in.poll(echo, 1) == 0) {
                        Thread.onSpinWait();
                    }
                } else {
                    in.read(echo, 1);
                }
            }
        }
    }

    /** {@code slow-consume shm offset count delayMicros}: reads one message at a time, pausing between. */
    private static void slowConsume(String[] a) throws Exception {
        try (SharedMemory shm = SharedMemory.open(a[1])) {
            Ring ring = attach(shm.segment().asSlice(Long.parseLong(a[2])), "spsc");
            long count = Long.parseLong(a[3]);
            long delayNanos = Long.parseLong(a[4]) * 1000;
            long[] sum = new long[1];
            for (long i = 0; i < count; i++) {
                sleepNanos(delayNanos);
                ring.read((type, message) -> sum[0] += message.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), 1);
            }
            System.out.println("ok count=" + count + " sum=" + sum[0]);
        }
    }

    /** {@code source shm offset count size}: sends {@code count} messages of {@code size} bytes, blocking when full. */
    private static void source(String[] a) throws IpcException {
        try (SharedMemory shm = SharedMemory.open(a[1])) {
            Ring ring = attach(shm.segment().asSlice(Long.parseLong(a[2])), "spsc");
            long count = Long.parseLong(a[3]);
            MemorySegment message = MemorySegment.ofArray(new byte[Integer.parseInt(a[4])]);
            for (long i = 0; i < count; i++) {
                message.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                ring.put(message);
            }
        }
    }

    private static void sleepNanos(long nanos) {
        LockSupport.parkNanos(nanos);
    }
}
