package io.jipc.bench;

import io.jipc.bench.transport.AgronaTransport;
import io.jipc.bench.transport.ShmSpinTransport;
import io.jipc.bench.transport.SocketTransport;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The transports the harness knows, in report order.
 *
 * <p>TODO(lead, after merging the mechanism branches), each a small class in
 * io.jipc.bench.transport using only public API, registered in {@link #JAVA}:
 * <ul>
 *   <li>{@code pipe}: io.jipc.pipe, the driver's pipe ends handed to the peer JVM with
 *       {@code Spawn.mapDescriptor}; twin: cbench "pipe".</li>
 *   <li>{@code mq}: io.jipc.mq, two queues of 10 messages of 4096 bytes (cbench's
 *       attributes), unlinked once both sides have opened them; twin: cbench "mq".</li>
 *   <li>{@code jipc-ring}: io.jipc.ring over io.jipc.shm with its spin-then-sleep wait;
 *       twin: cbench "futex" (same spin limit, futex on the counter word). Also its
 *       busy-spin mode against cbench "shm-spin" and Agrona.</li>
 * </ul>
 * Then fill in {@link io.jipc.bench.jmh.RingCost} (claim/commit/poll in one JVM).
 */
public final class Transports {
    private Transports() {
    }

    /** Java transports, by name. */
    public static final Map<String, Transport> JAVA = new LinkedHashMap<>();

    static {
        for (Transport t : List.of(SocketTransport.unixDomain(), SocketTransport.tcpLoopback(),
                new AgronaTransport(), new ShmSpinTransport())) {
            JAVA.put(t.name(), t);
        }
    }

    /** Transports cbench implements, in report order. */
    public static final List<String> C = List.of("pipe", "mq", "uds", "tcp", "futex", "shm-spin");

    /** What each transport is, for the report. */
    public static final Map<String, String> DESCRIPTIONS = Map.of(
            "pipe", "two pipes (one per direction); blocking read/write",
            "mq", "two POSIX message queues (10 x 4096 B); blocking mq_send/mq_receive",
            "uds", "Unix domain socket, SOCK_STREAM; Java: SocketChannel (blocking)",
            "tcp", "TCP over 127.0.0.1, TCP_NODELAY; Java: SocketChannel (blocking)",
            "futex", "shared-memory slot ring, spin " + SlotRingDescriptor.SPIN_LIMIT
                    + " times then futex wait/wake on the counter (spin-then-sleep)",
            "shm-spin", "shared-memory slot ring (slotring.h), busy-spin; Java: jipc SharedMemory + VarHandles",
            "agrona", "Agrona OneToOneRingBuffer x 2 (1 MiB each) over jipc SharedMemory, busy-spin");

    /** {@return all transport names, Java's and C's, in report order} */
    public static List<String> all() {
        List<String> names = new java.util.ArrayList<>(C);
        for (String j : JAVA.keySet()) {
            if (!names.contains(j)) {
                names.add(j);
            }
        }
        return names;
    }
}
