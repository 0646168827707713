package io.jipc.ring;

import io.jipc.WaitStrategy;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A ring buffer of variable-length messages in shared memory, read in FIFO order by one
 * consumer. Implemented by {@link SpscRing} (one producer) and {@link MpscRing} (many).
 *
 * <p><b>Producing.</b> {@link #tryClaim(int)} reserves room for a message and returns a
 * {@link Claim} whose {@link Claim#segment() segment} is the message's place in the ring;
 * the producer writes it there and calls {@link Claim#commit()}, or {@link Claim#abort()}
 * to give the room back as padding. The {@code offer}/{@code put} methods copy a message
 * in and commit it in one call. Every claim must end in exactly one commit or abort,
 * promptly: until then the consumer cannot pass it.
 * <pre>{@code
 * Claim claim = ring.tryClaim(16);
 * if (claim != null) {
 *     try {
 *         claim.segment().set(ValueLayout.JAVA_LONG, 0, orderId);
 *         claim.segment().set(ValueLayout.JAVA_LONG, 8, price);
 *         claim.type(ORDER).commit();
 *     } catch (Throwable t) {
 *         claim.abort();
 *         throw t;
 *     }
 * }
 * }</pre>
 *
 * <p><b>Consuming.</b> {@link #poll(RecordHandler, int)} hands each ready message to a
 * {@link RecordHandler} as a read-only segment of the ring itself, valid only during the
 * call; the space of a batch is released (and zeroed) once, after its handlers return.
 * {@link #poll(RecordSpanHandler, int)} hands the same message as a span of one read-only
 * view of the ring, reused for every message, and so allocates nothing even where the JIT
 * cannot inline the handler.
 *
 * <p><b>Modes.</b> Non-blocking, blocking and timed forms are defined once, in the
 * <a href="package-summary.html#modes">package documentation</a>.
 *
 * <p><b>Visibility.</b> Everything a producer wrote into a claim's segment before
 * {@code commit} is visible to the consumer's handler for that message (the commit is a
 * release store of the record header; the consumer reads it with acquire). Everything the consumer's handlers did happens-before the reuse of that space
 * by a producer that observes the released consumer position.
 *
 * <p><b>Processes.</b> Every process using a ring must share one pid namespace: a claim
 * names its producer by pid (and start time), and the consumer takes a claim whose pid it
 * cannot see for the claim of a dead producer. A named object under a ring that another
 * process shrinks makes the next check (at attach, around each sleep, and every so many
 * looks at the other side's position; never per message) throw
 * {@link java.io.UncheckedIOException} wrapping an {@link io.jipc.IpcException}
 * ({@code INCOMPATIBLE_LAYOUT}); touching the lost pages between two checks is SIGBUS,
 * which only sealed memory rules out.
 *
 * <p><b>Threads.</b> Consumer methods must be called by one thread at a time, in one
 * process at a time. Producer methods: see the implementing class. A {@link Claim}
 * belongs to the thread that made it.
 *
 * <p><b>Sizes.</b> A message may hold from 0 to {@link #maxMessageLength()} bytes
 * ({@code capacity / 8}); each takes {@link RecordDescriptor#HEADER_LENGTH} more bytes,
 * rounded up to a multiple of 8, in the ring.
 */
public interface Ring {
    /** The type of messages written without one. */
    int DEFAULT_TYPE = 0;

    /**
     * {@return how this handle's blocking and timed calls wait: spin, yield, then sleep on
     * the ring's futex word, as the strategy says} Given at {@code create} or {@code attach};
     * {@link WaitStrategy#spinThenSleep()} unless said otherwise. It changes how a call
     * waits, never what it returns; the other side of the ring may wait otherwise.
     */
    WaitStrategy waitStrategy();

    /** {@return the data capacity in bytes, a power of two} */
    int capacity();

    /** {@return the largest message this ring carries: {@code capacity() / 8} bytes} */
    int maxMessageLength();

    /**
     * Reserves room for a message of {@code length} bytes; non-blocking.
     *
     * @param length the message's length in bytes, 0 to {@link #maxMessageLength()}
     * @return the claim, or {@code null} if the ring has no room now (or, {@link MpscRing}
     *         only, another producer has held the reservation for longer than a short spin)
     * @throws IllegalArgumentException if {@code length} is negative or above {@link #maxMessageLength()}
     * @throws IllegalStateException    if the ring's memory is closed
     */
    Claim tryClaim(int length);

    /**
     * Reserves room for a message of {@code length} bytes; blocks until there is room.
     *
     * @param length the message's length in bytes, 0 to {@link #maxMessageLength()}
     * @return the claim
     * @throws IllegalArgumentException if {@code length} is negative or above {@link #maxMessageLength()}
     * @throws IllegalStateException    if the ring's memory is closed
     */
    Claim claim(int length);

    /**
     * Reserves room for a message of {@code length} bytes, waiting at most {@code timeout}.
     *
     * @param length the message's length in bytes, 0 to {@link #maxMessageLength()}
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return the claim, or {@code null} if there was no room in time
     * @throws IllegalArgumentException if {@code length} is negative or above {@link #maxMessageLength()}
     * @throws IllegalStateException    if the ring's memory is closed
     */
    Claim claim(int length, Duration timeout);

    /**
     * Copies {@code message} in as one message of {@code type} and commits it; non-blocking.
     *
     * @param type the message's type, 0 or more, handed to the consumer's {@link RecordHandler}
     * @param message the message's bytes, the whole segment; at most {@link #maxMessageLength()}
     *     bytes
     * @return {@code true} if it was written, {@code false} if the ring has no room now
     * @throws IllegalArgumentException if the message is longer than {@link #maxMessageLength()}
     *                                  or {@code type} is negative
     * @throws IllegalStateException    if the ring's memory is closed
     */
    boolean offer(int type, MemorySegment message);

    /**
     * Like {@link #offer(int, MemorySegment)} with {@link #DEFAULT_TYPE}; non-blocking.
     *
     * @param message the message's bytes, the whole segment; at most {@link #maxMessageLength()}
     *     bytes
     * @return {@code true} if it was written, {@code false} if the ring has no room now
     */
    default boolean offer(MemorySegment message) {
        return offer(DEFAULT_TYPE, message);
    }

    /**
     * Like {@link #offer(int, MemorySegment)} with {@link #DEFAULT_TYPE}; non-blocking.
     *
     * @param message the message's bytes, the whole array; at most {@link #maxMessageLength()}
     *     bytes
     * @return {@code true} if it was written, {@code false} if the ring has no room now
     */
    default boolean offer(byte[] message) {
        return offer(DEFAULT_TYPE, MemorySegment.ofArray(message));
    }

    /**
     * Like {@link #offer(int, MemorySegment)} with {@link #DEFAULT_TYPE}, for the
     * buffer's remaining bytes; non-blocking. On success the buffer's position moves to
     * its limit; otherwise the buffer is unchanged.
     *
     * @param message the message's bytes, from the buffer's position to its limit; at most
     *     {@link #maxMessageLength()}
     * @return {@code true} if it was written, {@code false} if the ring has no room now
     */
    default boolean offer(ByteBuffer message) {
        if (!offer(DEFAULT_TYPE, MemorySegment.ofBuffer(message))) {
            return false;
        }
        message.position(message.limit());
        return true;
    }

    /**
     * Copies {@code message} in as one message of {@code type} and commits it; blocks
     * until there is room.
     *
     * @param type the message's type, 0 or more, handed to the consumer's {@link RecordHandler}
     * @param message the message's bytes, the whole segment; at most {@link #maxMessageLength()}
     *     bytes
     * @throws IllegalArgumentException if the message is longer than {@link #maxMessageLength()}
     *                                  or {@code type} is negative
     * @throws IllegalStateException    if the ring's memory is closed
     */
    void put(int type, MemorySegment message);

    /**
     * Like {@link #put(int, MemorySegment)} with {@link #DEFAULT_TYPE}; blocking.
     *
     * @param message the message's bytes, the whole segment; at most {@link #maxMessageLength()}
     *     bytes
     */
    default void put(MemorySegment message) {
        put(DEFAULT_TYPE, message);
    }

    /**
     * Like {@link #put(int, MemorySegment)} with {@link #DEFAULT_TYPE}; blocking.
     *
     * @param message the message's bytes, the whole array; at most {@link #maxMessageLength()}
     *     bytes
     */
    default void put(byte[] message) {
        put(DEFAULT_TYPE, MemorySegment.ofArray(message));
    }

    /**
     * Like {@link #put(int, MemorySegment)} with {@link #DEFAULT_TYPE}, for the buffer's
     * remaining bytes; blocking. The buffer's position moves to its limit.
     *
     * @param message the message's bytes, from the buffer's position to its limit; at most
     *     {@link #maxMessageLength()}
     */
    default void put(ByteBuffer message) {
        put(DEFAULT_TYPE, MemorySegment.ofBuffer(message));
        message.position(message.limit());
    }

    /**
     * Copies {@code message} in as one message of {@code type} and commits it, waiting at
     * most {@code timeout} for room.
     *
     * @param type the message's type, 0 or more, handed to the consumer's {@link RecordHandler}
     * @param message the message's bytes, the whole segment; at most {@link #maxMessageLength()}
     *     bytes
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if it was written, {@code false} if there was no room in time
     * @throws IllegalArgumentException if the message is longer than {@link #maxMessageLength()}
     *                                  or {@code type} is negative
     * @throws IllegalStateException    if the ring's memory is closed
     */
    boolean offer(int type, MemorySegment message, Duration timeout);

    /**
     * Like {@link #offer(int, MemorySegment, Duration)} with {@link #DEFAULT_TYPE}; timed.
     *
     * @param message the message's bytes, the whole segment; at most {@link #maxMessageLength()}
     *     bytes
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if it was written, {@code false} if there was no room in time
     */
    default boolean offer(MemorySegment message, Duration timeout) {
        return offer(DEFAULT_TYPE, message, timeout);
    }

    /**
     * Like {@link #offer(int, MemorySegment, Duration)} with {@link #DEFAULT_TYPE}; timed.
     *
     * @param message the message's bytes, the whole array; at most {@link #maxMessageLength()}
     *     bytes
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if it was written, {@code false} if there was no room in time
     */
    default boolean offer(byte[] message, Duration timeout) {
        return offer(DEFAULT_TYPE, MemorySegment.ofArray(message), timeout);
    }

    /**
     * Like {@link #offer(int, MemorySegment, Duration)} with {@link #DEFAULT_TYPE}, for the
     * buffer's remaining bytes; timed. On success the buffer's position moves to its limit.
     *
     * @param message the message's bytes, from the buffer's position to its limit; at most
     *     {@link #maxMessageLength()}
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if it was written, {@code false} if there was no room in time
     */
    default boolean offer(ByteBuffer message, Duration timeout) {
        if (!offer(DEFAULT_TYPE, MemorySegment.ofBuffer(message), timeout)) {
            return false;
        }
        message.position(message.limit());
        return true;
    }

    /**
     * Hands up to {@code limit} ready messages, in order, to {@code handler}; non-blocking.
     *
     * <p>Each message is a read-only segment of the ring, valid only until the handler
     * returns: copy what must outlive the call. After the handlers of the batch have
     * returned (or one has thrown; the message it was given counts as consumed) the
     * batch's space is zeroed and released in one step, and a sleeping producer is woken.
     *
     * <p>A record claimed by a producer that has stayed uncommitted for a while (about
     * 100 ms, seen by this consumer) is checked: if its producer's process has ended, the
     * record becomes padding and {@link #deadProducerRecordsSkipped()} grows by one.
     *
     * @param handler called once per message, on this thread, before this returns
     * @param limit the most messages to hand over in this call; positive
     * @return the number of messages handled, 0 if none was ready
     * @throws IllegalArgumentException if {@code limit} is not positive
     * @throws IllegalStateException    if the ring's memory is closed, or the ring is corrupt
     */
    int poll(RecordHandler handler, int limit);

    /**
     * Like {@link #poll(RecordHandler, int)}, but blocks until at least one message has
     * been handled.
     *
     * @param handler called once per message, on this thread, before this returns
     * @param limit the most messages to hand over in this call; positive
     * @return the number of messages handled, at least 1
     */
    int read(RecordHandler handler, int limit);

    /**
     * Like {@link #poll(RecordHandler, int)}, waiting at most {@code timeout} for at
     * least one message.
     *
     * @param handler called once per message, on this thread, before this returns
     * @param limit the most messages to hand over in this call; positive
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return the number of messages handled, 0 if none came in time
     */
    int read(RecordHandler handler, int limit, Duration timeout);

    /**
     * Like {@link #poll(RecordHandler, int)}, handing each message to {@code handler} as a
     * span of one read-only view of the ring instead of a segment of its own: allocates
     * nothing per message, wherever the handler's call is compiled.
     *
     * @param handler called once per message with its span, on this thread, before this returns
     * @param limit the most messages to hand over in this call; positive
     * @return the number of messages handled, 0 if none was ready
     * @throws IllegalArgumentException if {@code limit} is not positive
     * @throws IllegalStateException    if the ring's memory is closed, or the ring is corrupt
     */
    int poll(RecordSpanHandler handler, int limit);

    /**
     * Like {@link #poll(RecordSpanHandler, int)}, but blocks until at least one message has
     * been handled.
     *
     * @param handler called once per message with its span, on this thread, before this returns
     * @param limit the most messages to hand over in this call; positive
     * @return the number of messages handled, at least 1
     */
    int read(RecordSpanHandler handler, int limit);

    /**
     * Like {@link #poll(RecordSpanHandler, int)}, waiting at most {@code timeout} for at
     * least one message.
     *
     * @param handler called once per message with its span, on this thread, before this returns
     * @param limit the most messages to hand over in this call; positive
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return the number of messages handled, 0 if none came in time
     */
    int read(RecordSpanHandler handler, int limit, Duration timeout);

    /**
     * Does at once what the consumer and the producers otherwise do on their own after a
     * short wait; non-blocking; meant for the consumer's side, never needed for progress.
     *
     * <ul>
     *   <li>A record at the consumer position claimed by a process that has ended becomes
     *   padding and is counted (the consumer does this on its own, see {@link #poll}, once
     *   the claim has stalled about 100 ms). A live claimer is never overridden.</li>
     *   <li>{@link MpscRing} only: a reservation lock held by a process that has ended is
     *   taken over and freed, after moving the producer position past what its holder
     *   wrote (producers do this on their own when they find the lock held past a spin).</li>
     * </ul>
     *
     * @return {@code true} if a record was turned into padding or a lock was recovered
     * @throws IllegalStateException if the ring's memory is closed, or the ring is corrupt
     */
    boolean unblock();

    /** {@return the producer position: bytes reserved since creation, headers and padding included} */
    long producerPosition();

    /** {@return the consumer position: bytes consumed since creation, headers and padding included} */
    long consumerPosition();

    /** {@return how many claimed records of dead producers have been skipped, since creation, by anyone} */
    long deadProducerRecordsSkipped();
}
