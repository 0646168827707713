package io.jipc.channel;

import io.jipc.aeron.AeronOptions;
import io.jipc.aeron.EmbeddedDriver;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared {@link ChannelContract} (from the jipc test-jar) over Aeron. It lives in package
 * {@code io.jipc.channel} because the suite is package-private there: the suite is reused
 * as it is, not copied. What Aeron does differently is what the suite asks its subclasses:
 * one-way, not a stream, a bound end that outlives its publishers.
 *
 * <p>Child processes use this JVM's embedded driver (its directory as {@code aeron.dir}),
 * as production code shares a standalone driver: then what a killed child had sent is still
 * sent, which the suite expects of every transport. Separate drivers per process are tested
 * in {@code io.jipc.aeron.AeronFailureTest}.
 */
abstract class AeronContract extends ChannelContract {
    /** Short, so that a receiver's close reaches a UDP publisher within the suite's "promptly". */
    static final AeronOptions AERON = AeronOptions.defaults().livenessTimeout(Duration.ofSeconds(2));
    static final String ADD_OPENS = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED";

    @Override
    MessageChannel connect(MessageChannel receiver) throws IOException {
        return Channels.connect(receiver.address(), ChannelOptions.defaults().with(AERON));
    }

    @Override
    ChildProcess startPeer(MessageChannel receiver, Pipe ready, String scenario, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(scenario, receiver.address().toString()));
        all.addAll(List.of(args));
        String dir = EmbeddedDriver.directory().orElseThrow().toString();
        Spawn s = Spawn.java(List.of(ADD_OPENS, "-Daeron.dir=" + dir), ChannelPeer.class, all.toArray(String[]::new));
        if (ready != null) {
            s.mapDescriptor(ChannelPeer.READY_FD, ready.writeEnd().fd());
        }
        return s.start();
    }

    /** Aeron's waits are its own polling, not jipc's wait loop; the base class turns an interrupt into a close. */
    @Override
    boolean waitsInJipc() {
        return false;
    }

    @Override
    boolean stream() {
        return false;
    }

    @Override
    boolean duplex() {
        return false;
    }
}
