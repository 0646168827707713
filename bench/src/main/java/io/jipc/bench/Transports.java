package io.jipc.bench;

import io.jipc.bench.transport.AgronaTransport;
import io.jipc.bench.transport.JipcRingTransport;
import io.jipc.bench.transport.MqTransport;
import io.jipc.bench.transport.PipeTransport;
import io.jipc.bench.transport.ShmSpinTransport;
import io.jipc.bench.transport.SocketTransport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The transports the harness knows, in report order. A Java transport and its C twin share
 * a name; the report puts them in one row.
 */
public final class Transports {
    private Transports() {
    }

    /** Java transports, by name. */
    public static final Map<String, Transport> JAVA = new LinkedHashMap<>();

    static {
        for (Transport t : List.of(new PipeTransport(), new MqTransport(), SocketTransport.unixDomain(),
                SocketTransport.tcpLoopback(), new ShmSpinTransport(), JipcRingTransport.spin(),
                JipcRingTransport.sleep(), JipcRingTransport.mpscSpin(), new AgronaTransport())) {
            JAVA.put(t.name(), t);
        }
    }

    /** Transports cbench implements, in report order. */
    public static final List<String> C = List.of("pipe", "mq", "uds", "tcp", "futex", "shm-spin",
            "jipc-ring-spin", "jipc-ring-sleep", "jipc-mpsc-spin");

    /** Transports whose sides busy-spin: a starved side is flagged in the report. */
    public static final Set<String> SPINNING = Set.of("shm-spin", "agrona", "jipc-ring-spin", "jipc-mpsc-spin");

    /**
     * For jipc's rings, besides their own C twin: the C transport of another design they are
     * measured against (bench's slot ring, busy-spin or futex), shown as "Java÷C ref".
     */
    public static final Map<String, String> C_REFERENCE = Map.of(
            "jipc-ring-spin", "shm-spin",
            "jipc-mpsc-spin", "shm-spin",
            "jipc-ring-sleep", "futex");

    /** What each transport is, for the report. */
    public static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry("pipe", "two pipes (one per direction); blocking read/write; Java: io.jipc.pipe, the peer's "
                    + "ends mapped into its JVM with Spawn.mapDescriptor"),
            Map.entry("mq", "two POSIX message queues (" + MqTransport.MAX_MESSAGES + " x " + Protocol.MAX_SIZE
                    + " B); blocking mq_send/mq_receive; Java: io.jipc.mq.MessageQueue"),
            Map.entry("uds", "Unix domain socket, SOCK_STREAM; Java: SocketChannel (blocking)"),
            Map.entry("tcp", "TCP over 127.0.0.1, TCP_NODELAY; Java: SocketChannel (blocking)"),
            Map.entry("futex", "bench's slot ring (slotring.h), spin " + SlotRingDescriptor.SPIN_LIMIT
                    + " times then futex wait/wake on the counter (spin-then-sleep); the reference of Java's "
                    + "jipc-ring-sleep in the Java÷C-ref column"),
            Map.entry("shm-spin", "bench's slot ring (slotring.h), busy-spin; Java: jipc SharedMemory + VarHandles"),
            Map.entry("jipc-ring-spin", "io.jipc.ring.SpscRing x 2 (" + (JipcRingTransport.CAPACITY >> 20)
                    + " MiB each), offer/poll in a busy-spin loop; C: native/jipc_ring.c on the same layout"),
            Map.entry("jipc-ring-sleep", "io.jipc.ring.SpscRing x 2, blocking put/read: the ring's spin, yield, "
                    + "then futex sleep; C: jipc_ring_offer/jipc_ring_read with no timeout"),
            Map.entry("jipc-mpsc-spin", "io.jipc.ring.MpscRing x 2, one producer each (CAS claim), busy-spin; "
                    + "C: jipc_ring.c, MPSC kind"),
            Map.entry("agrona", "Agrona OneToOneRingBuffer x 2 (1 MiB each) over jipc SharedMemory, busy-spin"));

    /** {@return all transport names, Java's and C's, in report order} */
    public static List<String> all() {
        List<String> names = new ArrayList<>(C);
        for (String j : JAVA.keySet()) {
            if (!names.contains(j)) {
                names.add(j);
            }
        }
        return names;
    }
}
