package io.jipc.bench;

import io.jipc.bench.transport.AeronTransport;
import io.jipc.bench.transport.AgronaTransport;
import io.jipc.bench.transport.ChannelTransport;
import io.jipc.bench.transport.JipcRingTransport;
import io.jipc.bench.transport.MqTransport;
import io.jipc.bench.transport.PipeTransport;
import io.jipc.bench.transport.ShmSpinTransport;
import io.jipc.bench.transport.SocketTransport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The transports the harness knows, in report order. A Java transport and its C twin share
 * a name; the report puts them in one row.
 */
public final class Transports {
    private Transports() {
    }

    /**
     * Java transports in report order: each channel row right after the transport it is
     * built on. <b>A new transport is one line here</b> (and its file in
     * {@code io.jipc.bench.transport}).
     */
    private static final List<Transport> JAVA_TRANSPORTS = List.of(
            new PipeTransport(), ChannelTransport.pipe(),
            new MqTransport(), ChannelTransport.mq(),
            SocketTransport.unixDomain(), ChannelTransport.unix(),
            SocketTransport.tcpLoopback(), ChannelTransport.tcp(), AeronTransport.udp(),
            new ShmSpinTransport(),
            JipcRingTransport.spin(),
            JipcRingTransport.sleep(), JipcRingTransport.futex(), ChannelTransport.shm(),
            JipcRingTransport.mpscSpin(),
            new AgronaTransport(),
            AeronTransport.ipc());

    /** Java transports, by name, in report order. */
    public static final Map<String, Transport> JAVA = new LinkedHashMap<>();

    static {
        for (Transport t : JAVA_TRANSPORTS) {
            if (JAVA.put(t.name(), t) != null) {
                throw new IllegalStateException("two transports are named " + t.name());
            }
        }
    }

    /** Transports cbench implements, in report order. */
    public static final List<String> C = List.of("pipe", "mq", "uds", "tcp", "shm-spin", "futex",
            "jipc-ring-spin", "jipc-ring-sleep", "jipc-ring-futex", "jipc-mpsc-spin");

    /** What the transports cbench alone has are. */
    private static final Map<String, String> C_ONLY = Map.of(
            "futex", "bench's slot ring (slotring.h), spin " + SlotRingDescriptor.SPIN_LIMIT
                    + " times then futex wait/wake on the counter (spin-then-sleep); the reference of Java's "
                    + "jipc-ring-sleep and jipc-ring-futex in the Java÷C-ref column");

    /**
     * For jipc's rings, besides their own C twin: the C transport of another design they are
     * measured against (bench's slot ring, busy-spin or futex), shown as "Java÷C ref".
     */
    public static final Map<String, String> C_REFERENCE = Map.of(
            "jipc-ring-spin", "shm-spin",
            "jipc-mpsc-spin", "shm-spin",
            "jipc-ring-sleep", "futex",
            "jipc-ring-futex", "futex");

    /** {@return the Java transport called {@code name}} @throws IllegalArgumentException if there is none */
    public static Transport java(String name) {
        Transport t = JAVA.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no Java transport " + name + "; there are " + JAVA.keySet());
        }
        return t;
    }

    /** {@return what {@code name} is, for the report} */
    public static String description(String name) {
        Transport t = JAVA.get(name);
        return t != null ? t.description() : C_ONLY.getOrDefault(name, "");
    }

    /** {@return how the sides of {@code name} wait: one of Transport's BLOCKING, BUSY_SPIN, SPIN_THEN_SLEEP} */
    public static String waiting(String name) {
        Transport t = JAVA.get(name);
        return t != null ? t.waiting() : name.equals("futex") ? Transport.SPIN_THEN_SLEEP : Transport.BLOCKING;
    }

    /** {@return whether both sides of {@code name} busy-spin: a starved side is flagged in the report} */
    public static boolean spinning(String name) {
        return waiting(name).equals(Transport.BUSY_SPIN);
    }

    /** {@return the transport {@code name} is built on (a channel's raw transport), or null} */
    public static String builtOn(String name) {
        Transport t = JAVA.get(name);
        return t == null ? null : t.builtOn();
    }

    /** The group name on the command line for every channel row with the transport it is built on. */
    public static final String CHANNELS = "channels";

    /** {@return {@code names} with {@link #CHANNELS} replaced by its rows, in report order} */
    public static List<String> expand(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n.equals(CHANNELS)) {
                for (Transport t : JAVA_TRANSPORTS) {
                    if (t.builtOn() != null) {
                        out.add(t.builtOn());
                        out.add(t.name());
                    }
                }
            } else {
                out.add(n);
            }
        }
        return out.stream().distinct().toList();
    }

    /** {@return all transport names, Java's and C's: Java's order, each C-only one after its C predecessor} */
    public static List<String> all() {
        List<String> names = new ArrayList<>(JAVA.keySet());
        for (int i = 0; i < C.size(); i++) {
            String c = C.get(i);
            if (!names.contains(c)) {
                names.add(i == 0 ? 0 : names.indexOf(C.get(i - 1)) + 1, c);
            }
        }
        return names;
    }
}
