package io.jipc.cli.demo;

import io.jipc.IpcException;
import io.jipc.channel.ChannelOptions;
import io.jipc.channel.Channels;
import io.jipc.channel.MessageChannel;
import io.jipc.channel.MessageHandler;
import io.jipc.cli.Failure;
import io.jipc.cli.Report;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * {@code jipc demo remote --transport aeron [--multicast]}: the programs of {@link RemoteDemo}
 * over {@code aeron:udp} between the two namespaces, each JVM with its own embedded media
 * driver, as two hosts would have. An Aeron channel carries one way, so the unicast pair is
 * two channels, each bound by its receiver; the multicast variant is one publication and a
 * subscriber in each namespace.
 */
final class AeronRemote {
    private static final int PORT_TO_A = 40123;
    private static final int PORT_TO_B = 40124;
    private static final int MULTICAST_PORT = 40125;
    private static final String GROUP = "224.0.1.1";

    private AeronRemote() {
    }

    static void run(PrintWriter out, NamespacePair net, int messages, int warmUp, int count, boolean multicast)
            throws IpcException, InterruptedException {
        if (multicast) {
            multicast(out, net, messages);
        } else {
            unicast(out, net, messages, warmUp, count);
        }
    }

    private static void unicast(PrintWriter out, NamespacePair net, int messages, int warmUp, int count)
            throws IpcException, InterruptedException {
        String toA = "aeron:udp?endpoint=" + net.addressA() + ":" + PORT_TO_A;
        String toB = "aeron:udp?endpoint=" + net.addressB() + ":" + PORT_TO_B;
        Report.item(out, "  3.", "The consumer binds " + toA + " in " + net.a() + " (an Aeron subscription on its "
                + "end of the cable) and connects to " + toB + " for its answers; the producer binds that one in "
                + net.b() + " and connects to the first. Each JVM runs its own Aeron media driver, embedded, in "
                + "/dev/shm/jipc-aeron-USER-PID:");
        out.flush();
        try (Pipe aOut = Pipe.open(); Pipe bOut = Pipe.open()) {
            ChildProcess consumer = net.startJava(net.a(), aOut.writeEnd(), Consumer.class, net.a(), toA, toB,
                    Integer.toString(messages), Integer.toString(warmUp + count));
            aOut.writeEnd().close();
            CountDownLatch listening = new CountDownLatch(1);
            Thread relayA = RemoteDemo.relay(out, "a", aOut.readEnd(), listening);
            RemoteDemo.awaitListening(listening, consumer);
            ChildProcess producer = net.startJava(net.b(), bOut.writeEnd(), Producer.class, net.b(), toA, toB,
                    Integer.toString(messages), Integer.toString(warmUp), Integer.toString(count));
            bOut.writeEnd().close();
            Thread relayB = RemoteDemo.relay(out, "b", bOut.readEnd(), null);
            check(RemoteDemo.finished("producer", producer), RemoteDemo.finished("consumer", consumer));
            relayA.join(60_000);
            relayB.join(60_000);
        }
    }

    private static void multicast(PrintWriter out, NamespacePair net, int messages)
            throws IpcException, InterruptedException {
        String group = "aeron:udp?endpoint=" + GROUP + ":" + MULTICAST_PORT + "|interface=";
        String inA = group + net.addressA();
        String inB = group + net.addressB();
        // Min flow control with a group of two: the publication counts as connected (and sends)
        // only once both subscribers are there, so neither joins late and misses the start.
        String publish = inB + "|fc=min,g:/2";
        Report.item(out, "  3.", "A subscriber in each namespace binds the multicast group " + GROUP + ":"
                + MULTICAST_PORT + " on its end of the cable; a publisher in " + net.b() + " connects to "
                + publish + " (fc=min,g:/2: it waits for both subscribers and goes at the slower one's pace). "
                + "One stream, sent once, reaches both:");
        out.flush();
        try (Pipe aOut = Pipe.open(); Pipe bOut = Pipe.open(); Pipe pOut = Pipe.open()) {
            ChildProcess subA = net.startJava(net.a(), aOut.writeEnd(), Subscriber.class, net.a(), inA,
                    Integer.toString(messages));
            aOut.writeEnd().close();
            CountDownLatch aListens = new CountDownLatch(1);
            Thread relayA = RemoteDemo.relay(out, "a", aOut.readEnd(), aListens);
            ChildProcess subB = net.startJava(net.b(), bOut.writeEnd(), Subscriber.class, net.b(), inB,
                    Integer.toString(messages));
            bOut.writeEnd().close();
            CountDownLatch bListens = new CountDownLatch(1);
            Thread relayB = RemoteDemo.relay(out, "b", bOut.readEnd(), bListens);
            RemoteDemo.awaitListening(aListens, subA);
            RemoteDemo.awaitListening(bListens, subB);
            ChildProcess publisher = net.startJava(net.b(), pOut.writeEnd(), Publisher.class, net.b(), publish,
                    Integer.toString(messages));
            pOut.writeEnd().close();
            Thread relayP = RemoteDemo.relay(out, "b, publisher", pOut.readEnd(), null);
            ExitStatus p = RemoteDemo.finished("publisher", publisher);
            ExitStatus a = RemoteDemo.finished("subscriber in " + net.a(), subA);
            ExitStatus b = RemoteDemo.finished("subscriber in " + net.b(), subB);
            check(p, a, b);
            relayA.join(60_000);
            relayB.join(60_000);
            relayP.join(60_000);
        }
    }

    private static void check(ExitStatus... all) {
        for (ExitStatus s : all) {
            if (RemoteDemo.interrupted(s)) {
                throw new Failure("interrupted");
            }
        }
        for (ExitStatus s : all) {
            if (!s.success()) {
                throw new Failure("a program failed: " + s + " (its errors are above)");
            }
        }
    }

    // ---------------------------------------------------------------- the programs in the namespaces

    /**
     * In namespace "a": {@code Consumer NS TO_A TO_B MESSAGES ROUND_TRIPS}. Binds TO_A,
     * connects to TO_B, acknowledges each message, then echoes the round trips.
     */
    public static final class Consumer {
        private Consumer() {
        }

        public static void main(String[] args) throws Exception {
            int messages = Integer.parseInt(args[3]);
            long roundTrips = Long.parseLong(args[4]);
            try (MessageChannel in = Channels.bind(args[1], ChannelOptions.defaults().maxMessageSize(1024));
                 MessageChannel back = Channels.connect(args[2]);
                 Arena arena = Arena.ofConfined()) {
                System.out.println("consumer, pid " + ProcessHandle.current().pid() + " in " + args[0]);
                System.out.println(RemoteDemo.LISTENING + in.address());
                System.out.flush();
                MemorySegment buffer = arena.allocate(in.maxMessageSize());
                for (int i = 1; i <= messages; i++) {
                    int n = in.receive(buffer);
                    back.send(("ack " + i + " from a: " + n + " bytes arrived").getBytes(StandardCharsets.UTF_8));
                }
                MessageHandler echo = back::send;
                for (long i = 0; i < roundTrips; i++) {
                    in.receive(echo);
                }
                System.out.println("acknowledged " + messages + " messages, echoed " + Report.grouped(roundTrips)
                        + " round trips");
            }
        }
    }

    /**
     * In namespace "b": {@code Producer NS TO_A TO_B MESSAGES WARM_UP ROUND_TRIPS}. Binds TO_B for
     * the answers, connects to TO_A, sends the messages and prints each answer, times the round trips.
     */
    public static final class Producer {
        private Producer() {
        }

        public static void main(String[] args) throws Exception {
            int messages = Integer.parseInt(args[3]);
            int warmUp = Integer.parseInt(args[4]);
            int count = Integer.parseInt(args[5]);
            try (MessageChannel answers = Channels.bind(args[2], ChannelOptions.defaults().maxMessageSize(1024));
                 MessageChannel c = Channels.connect(args[1]);
                 Arena arena = Arena.ofConfined()) {
                System.out.println("producer, pid " + ProcessHandle.current().pid() + " in " + args[0]);
                System.out.println("publishing to " + c.address() + ", answers on " + answers.address());
                RemoteDemo.greetAndTime(c, answers, arena, messages, warmUp, count);
            }
        }
    }

    /** {@code Subscriber NS GROUP MESSAGES}: binds the multicast group, prints each message. */
    public static final class Subscriber {
        private Subscriber() {
        }

        public static void main(String[] args) throws Exception {
            int messages = Integer.parseInt(args[2]);
            try (MessageChannel in = Channels.bind(args[1]); Arena arena = Arena.ofConfined()) {
                System.out.println("subscriber, pid " + ProcessHandle.current().pid() + " in " + args[0]);
                System.out.println(RemoteDemo.LISTENING + in.address());
                System.out.flush();
                MemorySegment buffer = arena.allocate(in.maxMessageSize());
                for (int i = 0; i < messages; i++) {
                    int n = in.receive(buffer);
                    System.out.println("got \"" + new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
                            StandardCharsets.UTF_8) + "\"");
                }
            }
        }
    }

    /** {@code Publisher NS ADDRESS MESSAGES}: publishes the messages, a tenth of a second apart. */
    public static final class Publisher {
        private Publisher() {
        }

        public static void main(String[] args) throws Exception {
            int messages = Integer.parseInt(args[2]);
            try (MessageChannel out = Channels.connect(args[1])) {
                System.out.println("publisher, pid " + ProcessHandle.current().pid() + " in " + args[0]);
                for (int i = 1; i <= messages; i++) {
                    String text = "tick " + i + " of " + messages + ", published once by pid "
                            + ProcessHandle.current().pid();
                    out.send(text.getBytes(StandardCharsets.UTF_8)); // the first waits for both subscribers
                    System.out.println("published \"" + text + "\"");
                    Thread.sleep(100);
                }
            }
        }
    }
}
