package io.jipc.bench;

import io.jipc.process.Spawn;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A way for two processes to exchange messages, as the harness sees it. The driver
 * {@link #listen listens}, spawns the peer with {@link Endpoint#address()}, and
 * {@link Endpoint#accept accepts} it; the peer {@link #connect connects}. Both then hold
 * a {@link Link}.
 *
 * <p><b>Adding a transport</b> is one file and one line: implement this interface in
 * {@code io.jipc.bench.transport} (public API only: jipc's, the JDK's or the peer library's),
 * and add an instance to the list in {@link Transports}, where its place is its row in the
 * report. Everything else (the command line's {@code --transports}, the tables, the charts,
 * the starvation check of busy-spinning sides, the "÷ raw" column) follows from the methods
 * below. A C twin in cbench.c of the same {@link #name()} is paired with it automatically.
 */
public interface Transport {
    /** {@return the name used on the command line and in reports, shared with the C twin} */
    String name();

    /**
     * {@return how a side waits for the other: {@link #BLOCKING} (in the kernel),
     * {@link #BUSY_SPIN} or {@link #SPIN_THEN_SLEEP}} Busy-spinning sides that get less
     * than half a CPU are flagged in the report: they measured the scheduler.
     */
    String waiting();

    /** {@return one sentence for the report's list of transports: what it is, how it is set up} */
    String description();

    /**
     * {@return the transport this one is built on, or null} A row with one (the channel API
     * over a ring, a queue, a socket) gets a "÷ raw" column: its cost over that transport's,
     * same implementation, same run.
     */
    default String builtOn() {
        return null;
    }

    String BLOCKING = "blocking";
    String BUSY_SPIN = "busy-spin";
    String SPIN_THEN_SLEEP = "spin-then-sleep";

    /**
     * Creates the driver's end: a listening socket, a shared-memory object, ...
     * Anything with a name in the file system lives under {@code scratch} or, for shared
     * memory, is named {@code /jipc-bench-<pid>-...} and removed once the peer is in.
     */
    Endpoint listen(Path scratch) throws IOException;

    /** Connects the peer's end to an {@link Endpoint#address()}. */
    Link connect(String address) throws IOException;

    /** The driver's end before the peer has connected. */
    interface Endpoint extends AutoCloseable {
        /** {@return what the peer passes to {@link Transport#connect}} */
        String address();

        /**
         * Adds to the peer's command what it inherits besides the address: descriptors
         * mapped with {@link Spawn#mapDescriptor}. Called once, before the peer starts.
         * Most transports hand over nothing.
         */
        default void handOver(Spawn peer) {
        }

        /**
         * Called once the peer has started: closes what {@link #handOver} gave it, which
         * now belongs to the peer alone (a pipe's far ends, so that end of stream works).
         */
        default void peerStarted() throws IOException {
        }

        /** Waits at most {@code timeout} for the peer. */
        Link accept(Duration timeout) throws IOException;

        @Override
        void close() throws IOException;
    }

    /**
     * One end of a two-way message channel. Both methods copy: {@code send} copies the
     * first {@code length} bytes of {@code message} into the channel, {@code receive}
     * copies exactly one message of {@code length} bytes out of it into {@code message}, as
     * {@code write}/{@code read} do; a zero-copy claim/commit path is a ring's feature and
     * gets its own microbenchmark. Both wait as {@link #waiting()} says. {@code message}
     * is a native segment of at least {@link Protocol#MAX_SIZE} bytes, 64-byte aligned,
     * the same one on every call.
     */
    interface Link extends AutoCloseable {
        void send(MemorySegment message, int length) throws IOException;

        void receive(MemorySegment message, int length) throws IOException;

        @Override
        void close() throws IOException;
    }
}
