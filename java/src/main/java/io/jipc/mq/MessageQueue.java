package io.jipc.mq;

// Long because the whole public API lives here: about thirty methods over three modes,
// interruptible forms and three kinds of buffer, each with its contract in Javadoc; the
// machinery is in QueueDescriptor (send, receive, waiting) and QueueOpening (mq_open).

import io.jipc.IpcException;
import io.jipc.Pollable;
import io.jipc.internal.Wait;
import io.jipc.posix.Creation;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.Mqueue;
import io.jipc.posix.Names;
import io.jipc.posix.Sysctl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A named POSIX message queue ({@code mq_open}): a kernel-held list of whole messages,
 * each with a priority, that any process knowing the name (and allowed by its mode) can
 * send to and receive from.
 *
 * <p>Messages keep their boundaries: one send, one receive, the same bytes. A receive takes
 * the oldest message of the highest priority present (priority first, FIFO within a
 * priority). The queue holds at most {@link #maxMessages()} messages of at most
 * {@link #maxMessageSize()} bytes each, both fixed when it is created. Each operation comes
 * in the three modes the {@linkplain io.jipc.mq package documentation} defines; every
 * method's first sentence names its mode.
 *
 * <p>Memory visibility: everything a sender did before a successful send happens-before
 * everything its receiver does after the receive returns that message (the kernel's
 * queue lock orders them, in this process and across processes).
 *
 * <p>Sizes and priorities are checked before any system call: a message longer than
 * {@link #maxMessageSize()} or a priority outside 0…{@link #maxPriority()} is an
 * {@link IllegalArgumentException} naming both numbers, never an {@code EMSGSIZE} or
 * {@code EINVAL} from the kernel; the queue's limits are fixed, so a too-long message is
 * a programming error rather than a run-time condition.
 *
 * <p>This object owns one queue descriptor, close-on-exec. {@link #close()} releases it;
 * the queue and its messages live on until {@link #unlink(String)} removes the name and
 * the last descriptor is closed. All methods may be called from any thread, concurrently.
 * {@code close()} never waits and never fails: calls blocked on this object end with
 * {@link AsynchronousCloseException}, and the descriptor is closed when the last of them
 * has left, so no call ever finds its number reused for another file.
 *
 * <p>Waiting: a blocking or timed call tries the kernel at once and, if the queue is empty
 * (full), sleeps in {@code poll} on the queue descriptor until it may succeed. A virtual
 * thread parks instead, and a jipc platform thread polls for it, so waiting virtual threads
 * never hold their carriers. {@code receive}/{@code send} ignore interrupts like
 * {@code java.util.concurrent}'s uninterruptible methods; {@link #receiveInterruptibly()}
 * and {@link #sendInterruptibly(byte[], int)} end on one with {@link InterruptedException}.
 *
 * <pre>{@code
 * try (MessageQueue q = MessageQueue.create("/jobs", 10, 1024)) {
 *     q.send("hello".getBytes(UTF_8), 0);
 *     Message m = q.receive();
 * } finally {
 *     MessageQueue.unlink("/jobs");
 * }
 * }</pre>
 */
public final class MessageQueue implements AutoCloseable, Pollable {
    /** Default mode of a created queue: read and write for the owner only. */
    public static final int DEFAULT_MODE = 0600;
    /** The longest name after the leading slash (NAME_MAX). */
    public static final int MAX_NAME_BYTES = 255;
    /** The kernel's ceiling on {@code maxMessages}, even with CAP_SYS_RESOURCE (HARD_MSGMAX). */
    public static final int HARD_MAX_MESSAGES = 65_536;
    /** The kernel's ceiling on {@code maxMessageSize}, even with CAP_SYS_RESOURCE (HARD_MSGSIZEMAX). */
    public static final int HARD_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

    private static final String KIND = "message queue name";

    private final String name;
    private final int maxMessages;
    private final int maxMessageSize;
    /** The descriptor, its lifetime, and the one send and receive every overload ends in. */
    private final QueueDescriptor q;

    MessageQueue(String name, int mqd, int maxMessages, int maxMessageSize) {
        this.name = name;
        this.maxMessages = maxMessages;
        this.maxMessageSize = maxMessageSize;
        this.q = new QueueDescriptor(name, mqd, maxMessageSize);
    }

    // ---- creating, opening, removing ----

    /**
     * Creates a new queue for {@code maxMessages} messages of up to {@code maxMessageSize}
     * bytes, mode 0600; fails if the name exists.
     *
     * @param name the queue's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8,
     *     no further {@code '/'} and no NUL
     * @param maxMessages how many messages the queue holds before a send waits; 1 to
     *     {@value #HARD_MAX_MESSAGES}
     * @param maxMessageSize the longest message in bytes; 1 to {@value #HARD_MAX_MESSAGE_SIZE}
     * @return the new queue, open for sending and receiving; the caller closes it
     * @throws IllegalArgumentException for a bad name, or a size that is not positive or above
     *                                  the kernel's hard ceilings
     * @throws IpcException             with {@code ALREADY_EXISTS} if the name is taken;
     *                                  {@code LIMIT_EXCEEDED} if a size is above
     *                                  {@code /proc/sys/fs/mqueue/msg_max} or {@code msgsize_max} (the
     *                                  message names the file), or the user's {@code RLIMIT_MSGQUEUE}
     *                                  or the system's {@code queues_max} is used up
     */
    public static MessageQueue create(String name, int maxMessages, int maxMessageSize) throws IpcException {
        return builder(name).maxMessages(maxMessages).maxMessageSize(maxMessageSize).create();
    }

    /**
     * Opens an existing queue, for sending and receiving, with the sizes it was created with.
     *
     * @param name the queue's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8,
     *     no further {@code '/'} and no NUL
     * @return the queue, open for sending and receiving; the caller closes it
     * @throws IllegalArgumentException for a bad name
     * @throws IpcException             with {@code DOES_NOT_EXIST}, {@code PERMISSION_DENIED}, ...
     */
    public static MessageQueue open(String name) throws IpcException {
        return builder(name).open();
    }

    /**
     * Opens the queue if it exists (and holds at least {@code maxMessages} messages of at least
     * {@code maxMessageSize} bytes), else creates it with those sizes. Processes racing here
     * end up with the same queue.
     *
     * @param name the queue's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8,
     *     no further {@code '/'} and no NUL
     * @param maxMessages the capacity to create with, and the least accepted of an existing queue
     * @param maxMessageSize the longest message to create with, and the least accepted of an
     *     existing queue
     * @return the queue, open for sending and receiving; the caller closes it
     * @throws IpcException with {@code INCOMPATIBLE_LAYOUT} if an existing queue is smaller,
     *                      or as {@link #create} and {@link #open} do
     */
    public static MessageQueue openOrCreate(String name, int maxMessages, int maxMessageSize) throws IpcException {
        return builder(name).maxMessages(maxMessages).maxMessageSize(maxMessageSize).openOrCreate();
    }

    /**
     * {@return a builder for the queue called {@code name}}
     *
     * @param name the queue's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8,
     *     no further {@code '/'} and no NUL
     * @throws IllegalArgumentException for a bad name
     */
    public static Builder builder(String name) {
        return new Builder(Names.check(KIND, name, MAX_NAME_BYTES));
    }

    /**
     * Removes the name. Processes that have the queue open keep using it; it is freed when the
     * last of them closes it.
     *
     * @param name the queue's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8,
     *     no further {@code '/'} and no NUL
     * @return {@code true} if the name existed and was removed, {@code false} if it did not exist
     * @throws IllegalArgumentException for a bad name
     * @throws IpcException             for any other failure, such as {@code PERMISSION_DENIED}
     */
    public static boolean unlink(String name) throws IpcException {
        Names.check(KIND, name, MAX_NAME_BYTES);
        try (Arena a = Arena.ofConfined()) {
            int r = Mqueue.unlink(a.allocateFrom(name));
            if (r == -Errno.ENOENT) {
                return false;
            }
            Errno.check(r, "mq_unlink", name);
            return true;
        }
    }

    /** {@return the highest priority a message may have: {@code sysconf(_SC_MQ_PRIO_MAX) - 1}, 32767 on Linux} */
    public static int maxPriority() {
        return Limits.MAX_PRIORITY;
    }

    private static final class Limits {
        static final int MAX_PRIORITY = (int) Math.min(Integer.MAX_VALUE, Sysctl.sysconf(Sysctl.SC_MQ_PRIO_MAX)) - 1;
    }

    // ---- facts ----

    /** {@return the name, with its leading slash} */
    public String name() {
        return name;
    }

    /** {@return how many messages the queue holds at most; fixed at creation} */
    public int maxMessages() {
        return maxMessages;
    }

    /** {@return the longest message in bytes; fixed at creation, and the least size of a receive buffer} */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** {@return whether {@link #close()} has not yet succeeded} */
    @Override
    public boolean isOpen() {
        return q.use.isOpen();
    }

    /**
     * The queue descriptor, for readiness polling. On Linux a queue descriptor is a file
     * descriptor: {@code poll}, {@code select} and {@code epoll} report it readable
     * ({@code POLLIN}) while a message is waiting and writable ({@code POLLOUT}) while there is
     * room. Readiness is a hint: another thread or process may take the message or the room
     * first, so follow it with a non-blocking {@link #tryReceive()} or {@link #trySend}. The
     * descriptor stays owned by this object: do not close it, and stop polling it before
     * {@link #close()}, after which the number may name another file.
     *
     * @return the descriptor
     * @throws IllegalStateException if closed
     */
    public int fd() {
        q.use.enter();
        q.use.exit();
        return q.mqd;
    }

    /**
     * What {@code mq_getattr} reports about a queue.
     *
     * @param maxMessages how many messages the queue holds ({@code mq_maxmsg})
     * @param maxMessageSize the longest message in bytes ({@code mq_msgsize})
     * @param currentMessages how many messages were waiting when asked ({@code mq_curmsgs})
     * @param nonBlocking whether this descriptor has {@code O_NONBLOCK} set; jipc always sets it
     */
    public record Attributes(int maxMessages, int maxMessageSize, int currentMessages, boolean nonBlocking) {
    }

    /**
     * Asks the kernel for the queue's sizes and the number of messages waiting now; non-blocking.
     * {@code currentMessages} may be stale by the time it is read. {@code nonBlocking} is the
     * descriptor's {@code O_NONBLOCK} flag, which jipc always sets: its blocking calls wait in
     * {@code poll}, never in the kernel's queue call.
     *
     * @return the queue's attributes as the kernel reported them
     * @throws IllegalStateException if closed
     * @throws IpcException          if {@code mq_getattr} fails
     */
    public Attributes attributes() throws IpcException {
        q.use.enter();
        try {
            Mqueue.Attributes a = Mqueue.getattr(q.mqd, name);
            return new Attributes((int) a.maxMessages(), (int) a.messageSize(), (int) a.currentMessages(),
                    (a.flags() & Fds.O_NONBLOCK) != 0);
        } finally {
            q.use.exit();
        }
    }

    // ---- sending ----

    /**
     * Blocking: sends {@code message} with {@code priority}, waiting while the queue is full.
     * Not interruptible: {@link Thread#interrupt()} does not end the wait; use the timed form
     * when a wait must be bounded.
     *
     * @param message the message, at most {@link #maxMessageSize()} bytes; possibly empty
     * @param priority 0 (lowest) to {@link #maxPriority()}; higher priorities are received first
     * @throws IllegalArgumentException if the message is longer than {@link #maxMessageSize()} or
     *                                  the priority is outside 0…{@link #maxPriority()}
     * @throws IllegalStateException    if closed
     * @throws IpcException             if the kernel refuses the send
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     */
    public void send(byte[] message, int priority) throws IOException {
        send0(MemorySegment.ofArray(message), priority, null);
    }

    /**
     * Non-blocking: sends {@code message} if there is room now.
     *
     * @param message the message, at most {@link #maxMessageSize()} bytes; possibly empty
     * @param priority 0 (lowest) to {@link #maxPriority()}; higher priorities are received first
     * @return {@code true} if sent, {@code false} if the queue was full
     * @throws IllegalArgumentException as {@link #send(byte[], int)}
     * @throws IllegalStateException    if closed
     * @throws IpcException             if the kernel refuses the send
     */
    public boolean trySend(byte[] message, int priority) throws IOException {
        return send0(MemorySegment.ofArray(message), priority, Duration.ZERO);
    }

    /**
     * Timed: sends {@code message}, waiting at most {@code timeout} while the queue is full;
     * a zero or negative timeout tries once, like {@link #trySend(byte[], int)}.
     *
     * @param message the message, at most {@link #maxMessageSize()} bytes; possibly empty
     * @param priority 0 (lowest) to {@link #maxPriority()}; higher priorities are received first
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if sent, {@code false} if the queue stayed full until the timeout
     * @throws IllegalArgumentException as {@link #send(byte[], int)}
     * @throws IllegalStateException    if closed
     * @throws IpcException             if the kernel refuses the send
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     */
    public boolean send(byte[] message, int priority, Duration timeout) throws IOException {
        return send0(MemorySegment.ofArray(message), priority, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Blocking: sends the bytes between the buffer's position and limit, waiting while the
     * queue is full; then sets the position to the limit. A direct buffer is passed to the
     * kernel as is; a heap buffer is copied once into native memory first.
     *
     * @param message the bytes to send, from the buffer's position to its limit; at most
     *     {@link #maxMessageSize()}
     * @param priority 0 (lowest) to {@link #maxPriority()}; higher priorities are received first
     * @throws IllegalArgumentException as {@link #send(byte[], int)}
     * @throws IllegalStateException    if closed
     * @throws IpcException             if the kernel refuses the send
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     */
    public void send(ByteBuffer message, int priority) throws IOException {
        send0(MemorySegment.ofBuffer(message), priority, null);
        message.position(message.limit());
    }

    /**
     * Non-blocking: sends the bytes between the buffer's position and limit if there is room
     * now; on success sets the position to the limit, else leaves the buffer unchanged.
     *
     * @param message the bytes to send, from the buffer's position to its limit; at most
     *     {@link #maxMessageSize()}
     * @param priority 0 (lowest) to {@link #maxPriority()}; higher priorities are received first
     * @return {@code true} if sent, {@code false} if the queue was full
     * @throws IllegalArgumentException as {@link #send(byte[], int)}
     * @throws IllegalStateException    if closed
     * @throws IpcException             if the kernel refuses the send
     */
    public boolean trySend(ByteBuffer message, int priority) throws IOException {
        return advanceIf(message, send0(MemorySegment.ofBuffer(message), priority, Duration.ZERO));
    }

    /**
     * Timed: sends the bytes between the buffer's position and limit, waiting at most
     * {@code timeout} for room; on success sets the position to the limit, else leaves the
     * buffer unchanged.
     *
     * @param message the bytes to send, from the buffer's position to its limit; at most
     *     {@link #maxMessageSize()}
     * @param priority 0 (lowest) to {@link #maxPriority()}; higher priorities are received first
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if sent, {@code false} if the queue stayed full until the timeout
     * @throws IllegalArgumentException as {@link #send(byte[], int)}
     * @throws IllegalStateException    if closed
     * @throws IpcException             if the kernel refuses the send
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     */
    public boolean send(ByteBuffer message, int priority, Duration timeout) throws IOException {
        return advanceIf(message, send0(MemorySegment.ofBuffer(message), priority, Objects.requireNonNull(timeout, "timeout")));
    }

    /**
     * Blocking: sends the whole segment, waiting while the queue is full. A native segment is
     * passed to the kernel as is (no copy); a heap segment is copied once into native memory.
     *
     * @param message the bytes to send, the whole segment; at most {@link #maxMessageSize()}
     * @param priority 0 (lowest) to {@link #maxPriority()}; higher priorities are received first
     * @throws IllegalArgumentException as {@link #send(byte[], int)}
     * @throws IllegalStateException    if this queue or the segment's arena is closed
     * @throws IpcException             if the kernel refuses the send
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     */
    public void send(MemorySegment message, int priority) throws IOException {
        send0(message, priority, null);
    }

    /**
     * Non-blocking: sends the whole segment if there is room now.
     *
     * @param message the bytes to send, the whole segment; at most {@link #maxMessageSize()}
     * @param priority 0 (lowest) to {@link #maxPriority()}; higher priorities are received first
     * @return {@code true} if sent, {@code false} if the queue was full
     * @throws IllegalArgumentException as {@link #send(byte[], int)}
     * @throws IllegalStateException    if this queue or the segment's arena is closed
     * @throws IpcException             if the kernel refuses the send
     */
    public boolean trySend(MemorySegment message, int priority) throws IOException {
        return send0(message, priority, Duration.ZERO);
    }

    /**
     * Timed: sends the whole segment, waiting at most {@code timeout} for room.
     *
     * @param message the bytes to send, the whole segment; at most {@link #maxMessageSize()}
     * @param priority 0 (lowest) to {@link #maxPriority()}; higher priorities are received first
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if sent, {@code false} if the queue stayed full until the timeout
     * @throws IllegalArgumentException as {@link #send(byte[], int)}
     * @throws IllegalStateException    if this queue or the segment's arena is closed
     * @throws IpcException             if the kernel refuses the send
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     */
    public boolean send(MemorySegment message, int priority, Duration timeout) throws IOException {
        return send0(message, priority, Objects.requireNonNull(timeout, "timeout"));
    }

    private static boolean advanceIf(ByteBuffer message, boolean sent) {
        if (sent) {
            message.position(message.limit());
        }
        return sent;
    }

    // ---- receiving ----

    /**
     * Blocking: takes the oldest message of the highest priority, waiting while the queue is
     * empty. Not interruptible: {@link Thread#interrupt()} does not end the wait (see
     * {@link #receiveInterruptibly()}).
     *
     * @return the message, in a new array
     * @throws IllegalStateException if closed
     * @throws IpcException          if the kernel refuses the receive
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     */
    public Message receive() throws IOException {
        return toMessage(receive0(null, null));
    }

    /**
     * Non-blocking: takes the next message if one is waiting now.
     *
     * @return the message, or empty if the queue was empty
     * @throws IllegalStateException if closed
     * @throws IpcException          if the kernel refuses the receive
     */
    public Optional<Message> tryReceive() throws IOException {
        return Optional.ofNullable(toMessage(receive0(null, Duration.ZERO)));
    }

    /**
     * Timed: takes the next message, waiting at most {@code timeout} while the queue is empty;
     * a zero or negative timeout tries once, like {@link #tryReceive()}.
     *
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return the message, or empty if none came before the timeout
     * @throws IllegalStateException if closed
     * @throws IpcException          if the kernel refuses the receive
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     */
    public Optional<Message> receive(Duration timeout) throws IOException {
        return Optional.ofNullable(toMessage(receive0(null, Objects.requireNonNull(timeout, "timeout"))));
    }

    /**
     * Blocking: takes the next message into {@code into}, starting at its offset 0, waiting
     * while the queue is empty; allocates nothing. A native segment receives straight from
     * the kernel; a heap segment through one copy. Bytes of {@code into} past the message
     * are left as they were.
     *
     * @param into at least {@link #maxMessageSize()} bytes, writable (the kernel refuses
     *             smaller buffers, since any message might be that long)
     * @return the length and priority, packed: read them with {@link Received}
     * @throws IllegalArgumentException if {@code into} is read-only or smaller than {@link #maxMessageSize()}
     * @throws IllegalStateException    if this queue or the segment's arena is closed
     * @throws IpcException             if the kernel refuses the receive
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     */
    public long receive(MemorySegment into) throws IOException {
        return receive0(checkInto(into), null);
    }

    /**
     * Non-blocking: takes the next message into {@code into} if one is waiting now;
     * allocates nothing. See {@link #receive(MemorySegment)}.
     *
     * @param into where the message is copied, from its start: writable and at least
     *     {@link #maxMessageSize()} bytes
     * @return the packed length and priority (see {@link Received}), or {@link Received#NOTHING}
     *         if the queue was empty ({@code into} is then unchanged)
     * @throws IllegalArgumentException if {@code into} is read-only or smaller than {@link #maxMessageSize()}
     * @throws IllegalStateException    if this queue or the segment's arena is closed
     * @throws IpcException             if the kernel refuses the receive
     */
    public long tryReceive(MemorySegment into) throws IOException {
        return receive0(checkInto(into), Duration.ZERO);
    }

    /**
     * Timed: takes the next message into {@code into}, waiting at most {@code timeout} while
     * the queue is empty; allocates nothing. See {@link #receive(MemorySegment)}.
     *
     * @param into where the message is copied, from its start: writable and at least
     *     {@link #maxMessageSize()} bytes
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return the packed length and priority (see {@link Received}), or {@link Received#NOTHING}
     *         if none came before the timeout ({@code into} is then unchanged)
     * @throws IllegalArgumentException if {@code into} is read-only or smaller than {@link #maxMessageSize()}
     * @throws IllegalStateException    if this queue or the segment's arena is closed
     * @throws IpcException             if the kernel refuses the receive
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     */
    public long receive(MemorySegment into, Duration timeout) throws IOException {
        return receive0(checkInto(into), Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Blocking, interruptible: as {@link #receive()}, but an interrupt ends the wait.
     *
     * @return the message, in a new array
     * @throws InterruptedException       if the thread is interrupted while waiting (the flag is cleared)
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     * @throws IllegalStateException      if closed
     * @throws IpcException               if the kernel refuses the receive
     */
    public Message receiveInterruptibly() throws IOException, InterruptedException {
        return toMessage(receive0(null, null, Wait.Interrupts.THROW));
    }

    /**
     * Blocking, interruptible: as {@link #receive(MemorySegment)}, but an interrupt ends the wait.
     *
     * @param into where the message is copied, from its start: writable and at least
     *     {@link #maxMessageSize()} bytes
     * @return the packed length and priority (see {@link Received})
     * @throws InterruptedException       if the thread is interrupted while waiting (the flag is cleared)
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     * @throws IllegalArgumentException   if {@code into} is read-only or smaller than {@link #maxMessageSize()}
     * @throws IllegalStateException      if this queue or the segment's arena is closed
     * @throws IpcException               if the kernel refuses the receive
     */
    public long receiveInterruptibly(MemorySegment into) throws IOException, InterruptedException {
        return receive0(checkInto(into), null, Wait.Interrupts.THROW);
    }

    /**
     * Blocking, interruptible: as {@link #send(byte[], int)}, but an interrupt ends the wait.
     *
     * @param message the message, at most {@link #maxMessageSize()} bytes; possibly empty
     * @param priority 0 (lowest) to {@link #maxPriority()}; higher priorities are received first
     * @throws InterruptedException       if the thread is interrupted while waiting (the flag is
     *                                    cleared); the message was not sent
     * @throws AsynchronousCloseException if the queue is closed while this call waits
     * @throws IllegalArgumentException   as {@link #send(byte[], int)}
     * @throws IllegalStateException      if closed
     * @throws IpcException               if the kernel refuses the send
     */
    public void sendInterruptibly(byte[] message, int priority) throws IOException, InterruptedException {
        send0(MemorySegment.ofArray(message), priority, null, Wait.Interrupts.THROW);
    }

    private MemorySegment checkInto(MemorySegment into) {
        Objects.requireNonNull(into, "into");
        if (into.isReadOnly()) {
            throw new IllegalArgumentException("receive buffer for " + name + " is read-only");
        }
        if (into.byteSize() < maxMessageSize) {
            throw new IllegalArgumentException("receive buffer of " + into.byteSize() + " bytes is smaller than "
                    + name + "'s maximum message size of " + maxMessageSize + " bytes");
        }
        return into;
    }

    private Message toMessage(long received) {
        if (received == Received.NOTHING) {
            return null;
        }
        byte[] bytes = new byte[Received.length(received)];
        MemorySegment.copy(QueueDescriptor.scratchBuffer(), ValueLayout.JAVA_BYTE, 0, bytes, 0, bytes.length);
        return new Message(bytes, Received.priority(received));
    }

    /**
     * Closes this process's descriptor; idempotent, never blocks, never fails. The queue, its
     * messages and its name stay (see {@link #unlink(String)}). Calls blocked on this object
     * end with {@link AsynchronousCloseException}; the descriptor is closed when the last of
     * them has left. Afterwards every method but {@code close}, {@code isOpen}, {@code name}
     * and the size getters throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        q.use.close();
    }

    @Override
    public String toString() {
        return "MessageQueue[" + name + ", " + maxMessages + " x " + maxMessageSize + " bytes"
                + (isOpen() ? "" : ", closed") + "]";
    }

    // ---- the calls everything above goes through ----

    private boolean send0(MemorySegment message, int priority, Duration timeout) throws IOException {
        try {
            return q.send(message, priority, timeout, Wait.Interrupts.IGNORE);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible send was interrupted", e);
        }
    }

    private void send0(MemorySegment message, int priority, Duration timeout, Wait.Interrupts interrupts)
            throws IOException, InterruptedException {
        q.send(message, priority, timeout, interrupts);
    }

    private long receive0(MemorySegment into, Duration timeout) throws IOException {
        try {
            return q.receive(into, timeout, Wait.Interrupts.IGNORE);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible receive was interrupted", e);
        }
    }

    private long receive0(MemorySegment into, Duration timeout, Wait.Interrupts interrupts)
            throws IOException, InterruptedException {
        return q.receive(into, timeout, interrupts);
    }

    /**
     * Chooses how to create or open a queue. {@link #maxMessages(int)} and
     * {@link #maxMessageSize(int)} are the sizes to create with and, on open, the least sizes
     * accepted; {@link #mode(int)} applies on create.
     */
    public static final class Builder {
        private final String name;
        private int maxMessages = -1;
        private int maxMessageSize = -1;
        private int mode = DEFAULT_MODE;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Capacity in messages: used on create, required as a minimum on open.
         *
         * @param count the capacity in messages; 1 to {@value #HARD_MAX_MESSAGES}
         * @return this builder
         * @throws IllegalArgumentException unless 1 ≤ {@code count} ≤ {@link #HARD_MAX_MESSAGES}
         */
        public Builder maxMessages(int count) {
            if (count <= 0 || count > HARD_MAX_MESSAGES) {
                throw new IllegalArgumentException("maxMessages of " + name + " must be 1.." + HARD_MAX_MESSAGES
                        + " (the kernel's hard limit), not " + count);
            }
            this.maxMessages = count;
            return this;
        }

        /**
         * Longest message in bytes: used on create, required as a minimum on open.
         *
         * @param bytes the longest message in bytes; 1 to {@value #HARD_MAX_MESSAGE_SIZE}
         * @return this builder
         * @throws IllegalArgumentException unless 1 ≤ {@code bytes} ≤ {@link #HARD_MAX_MESSAGE_SIZE}
         */
        public Builder maxMessageSize(int bytes) {
            if (bytes <= 0 || bytes > HARD_MAX_MESSAGE_SIZE) {
                throw new IllegalArgumentException("maxMessageSize of " + name + " must be 1.."
                        + HARD_MAX_MESSAGE_SIZE + " bytes (the kernel's hard limit), not " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * Permission bits for a created queue (default 0600), applied exactly, whatever the
         * umask. Read permission lets others receive, write permission lets them send; jipc
         * opens queues for both, so an opener needs both.
         *
         * @param mode the permission bits, {@code 0} to {@code 0777}
         * @return this builder
         * @throws IllegalArgumentException for bits beyond 0777
         */
        public Builder mode(int mode) {
            this.mode = Creation.checkMode(mode);
            return this;
        }

        /**
         * Creates the queue; fails if the name is taken.
         *
         * @return the new queue, open for sending and receiving; the caller closes it
         * @throws IllegalStateException if {@link #maxMessages(int)} or {@link #maxMessageSize(int)} was not set
         * @throws IpcException          as {@link MessageQueue#create(String, int, int)}
         */
        public MessageQueue create() throws IpcException {
            requireSizes();
            return QueueOpening.create(name, maxMessages, maxMessageSize, mode);
        }

        /**
         * Opens the existing queue; fails if there is none.
         *
         * @return the queue, open for sending and receiving; the caller closes it
         * @throws IpcException with {@code DOES_NOT_EXIST}, {@code PERMISSION_DENIED}, or
         *                      {@code INCOMPATIBLE_LAYOUT} if it is smaller than the sizes set here
         */
        public MessageQueue open() throws IpcException {
            return QueueOpening.open(name, maxMessages, maxMessageSize);
        }

        /**
         * Opens the queue, or creates it if there is none.
         *
         * @return the queue, open for sending and receiving; the caller closes it
         * @throws IllegalStateException if {@link #maxMessages(int)} or {@link #maxMessageSize(int)} was not set
         * @throws IpcException          as {@link #create()} and {@link #open()}
         */
        public MessageQueue openOrCreate() throws IpcException {
            requireSizes();
            return Creation.openOrCreate(this::create, this::open);
        }

        private void requireSizes() {
            if (maxMessages < 0 || maxMessageSize < 0) {
                throw new IllegalStateException("creating " + name
                        + " needs both sizes: call maxMessages(count) and maxMessageSize(bytes) first");
            }
        }
    }
}
