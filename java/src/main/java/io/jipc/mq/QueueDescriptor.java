package io.jipc.mq;

import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.internal.Deadline;
import io.jipc.internal.DescriptorBlocker;
import io.jipc.internal.Lifetime;
import io.jipc.internal.Wait;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.Mqueue;
import io.jipc.posix.Poll;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * The machinery behind one {@link MessageQueue}: the queue descriptor and its
 * {@link Lifetime}, and the one send and one receive every public overload ends in.
 *
 * <p>A blocked call does what the JDK's channels do: try the kernel call without sleeping,
 * and only when the queue is full (empty) sleep in poll on the descriptor and a wake-up pipe
 * (which close and interrupts signal), then try again. The descriptor is opened
 * {@code O_NONBLOCK} (its own open file description, shared with no other process), so a
 * try is the kernel's cheapest path: no deadline to copy in, no timer, {@code EAGAIN} at once.
 * On a platform thread a receive that waits for the other side's send is three system calls,
 * one that finds a message one:
 * <pre>
 * mq_timedreceive(mqd, buf, n, &amp;prio, NULL) = -1 EAGAIN
 * poll([{mqd, POLLIN}, {wake, POLLIN}], 2, 100) = 1 ([{mqd, revents=POLLIN}])
 * mq_timedreceive(mqd, buf, n, &amp;prio, NULL) = 8
 * </pre>
 * and a send with room is one {@code mq_timedsend}. The kernel never blocks the thread
 * itself, so a close or an interrupt always finds it in poll, and the wall clock (which the
 * kernel's queue deadlines run on) cannot stretch a wait.
 */
final class QueueDescriptor {
    /** Flags of every {@code mq_open}: see the class comment for {@code O_NONBLOCK}. */
    static final int OPEN_FLAGS = Fds.O_RDWR | Fds.O_CLOEXEC | Fds.O_NONBLOCK;
    /**
     * A queue operation is a system call: spinning on it would burn a core on syscalls, so a
     * waiter sleeps in poll at once (the latency of the old blocking call).
     */
    private static final WaitStrategy WAIT = WaitStrategy.spinThenSleep(0, 0);
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    final String name;
    final int mqd;
    final int maxMessageSize;
    final Lifetime use;
    private final DescriptorBlocker readable;
    private final DescriptorBlocker writable;

    QueueDescriptor(String name, int mqd, int maxMessageSize) {
        this.name = name;
        this.mqd = mqd;
        this.maxMessageSize = maxMessageSize;
        this.use = new Lifetime("MessageQueue[" + name + "]", this::wakeAll, this::release);
        this.readable = new DescriptorBlocker(use, mqd, Poll.POLLIN);
        this.writable = readable.sharing(Poll.POLLOUT);
    }

    private void wakeAll() {
        readable.wake();
        writable.wake();
    }

    private void release() {
        Mqueue.close(mqd);
        readable.close();
    }

    /**
     * Native memory each thread reuses: a message buffer for heap data (grown to the largest
     * queue it served), and the priority out-parameter. With these, sends and receives
     * allocate nothing but the result they return.
     */
    private static final class Scratch {
        final MemorySegment priority = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
        MemorySegment buffer = MemorySegment.NULL;

        MemorySegment buffer(long size) {
            if (buffer.byteSize() < size) {
                // Its own arena, so the outgrown buffer is freed once unreachable.
                buffer = Arena.ofAuto().allocate(Math.max(size, 256), 16);
            }
            return buffer;
        }
    }

    /** {@return this thread's scratch buffer, which a receive into null just filled} */
    static MemorySegment scratchBuffer() {
        return SCRATCH.get().buffer;
    }

    /**
     * One send in any mode ({@code timeout} null: blocking): a try, then (unless the timeout
     * is not positive) the one wait loop, sleeping in poll for POLLOUT. The deadline is made
     * after the first try fails, so a call that needs no wait allocates nothing.
     */
    boolean send(MemorySegment message, int priority, Duration timeout, Wait.Interrupts interrupts)
            throws IOException, InterruptedException {
        long length = message.byteSize();
        if (length > maxMessageSize) {
            throw new IllegalArgumentException("message of " + length + " bytes is longer than " + name
                    + "'s maximum message size of " + maxMessageSize + " bytes");
        }
        int maxPriority = MessageQueue.maxPriority();
        if (priority < 0 || priority > maxPriority) {
            throw new IllegalArgumentException("priority " + priority + " is outside 0.." + maxPriority
                    + " (sysconf(_SC_MQ_PRIO_MAX) - 1)");
        }
        use.enter();
        try {
            MemorySegment src = message;
            if (!message.isNative()) {
                src = SCRATCH.get().buffer(length);
                MemorySegment.copy(message, 0, src, 0, length);
            }
            if (sendOnce(src, length, priority)) {
                return true;
            }
            Deadline deadline = timeout == null ? Deadline.FOREVER : Deadline.after(timeout);
            if (deadline.isNow()) {
                return false;
            }
            MemorySegment from = src;
            return Wait.until(() -> sendOnce(from, length, priority) ? Boolean.TRUE : null,
                    writable, WAIT, deadline, use, interrupts) != null;
        } finally {
            use.exit();
        }
    }

    private boolean sendOnce(MemorySegment src, long length, int priority) throws IpcException {
        while (true) {
            int r = Mqueue.timedsend(mqd, src, length, priority, MemorySegment.NULL);
            if (r == 0) {
                return true;
            }
            if (r == -Errno.EAGAIN || r == -Errno.ETIMEDOUT) {
                return false;
            }
            if (r != -Errno.EINTR) {
                throw Errno.exception("mq_timedsend", name, -r);
            }
        }
    }

    /**
     * One receive in any mode, into {@code into} or, when null, into this thread's scratch
     * buffer (see {@link #scratchBuffer()}); waits as {@link #send} does, for POLLIN.
     * {@return the packed result or {@link Received#NOTHING}}
     */
    long receive(MemorySegment into, Duration timeout, Wait.Interrupts interrupts)
            throws IOException, InterruptedException {
        use.enter();
        try {
            MemorySegment dst = into != null && into.isNative() ? into : SCRATCH.get().buffer(maxMessageSize);
            long r = receiveOnce(into, dst);
            if (r != Received.NOTHING) {
                return r;
            }
            Deadline deadline = timeout == null ? Deadline.FOREVER : Deadline.after(timeout);
            if (deadline.isNow()) {
                return r;
            }
            Long got = Wait.until(() -> {
                long once = receiveOnce(into, dst);
                return once == Received.NOTHING ? null : once;
            }, readable, WAIT, deadline, use, interrupts);
            return got == null ? Received.NOTHING : got;
        } finally {
            use.exit();
        }
    }

    private long receiveOnce(MemorySegment into, MemorySegment dst) throws IpcException {
        MemorySegment priority = SCRATCH.get().priority;
        while (true) {
            long r = Mqueue.timedreceive(mqd, dst, dst.byteSize(), priority, MemorySegment.NULL);
            if (r >= 0) {
                if (into != null && dst != into) {
                    MemorySegment.copy(dst, 0, into, 0, r);
                }
                return Received.pack(r, priority.get(ValueLayout.JAVA_INT, 0));
            }
            if (r == -Errno.EAGAIN || r == -Errno.ETIMEDOUT) {
                return Received.NOTHING;
            }
            if (r != -Errno.EINTR) {
                throw Errno.exception("mq_timedreceive", name, (int) -r);
            }
        }
    }
}
