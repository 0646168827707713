package io.jipc.mq;

import io.jipc.IpcException;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.Mqueue;
import io.jipc.posix.Sysctl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a {@link MessageQueue.Builder} creates and opens a queue: the {@code mq_open} calls,
 * the check of an opened queue's sizes, and errors that name the limit a failed create ran
 * into (a {@code /proc/sys/fs/mqueue} file, {@code RLIMIT_MSGQUEUE}, the number of queues).
 */
final class QueueOpening {
    private QueueOpening() {
    }

    /** Creates the queue exclusively; sizes already checked against the hard ceilings. */
    static MessageQueue create(String name, int maxMessages, int maxMessageSize, int mode) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cname = a.allocateFrom(name);
            int mqd = Mqueue.open(cname, QueueDescriptor.OPEN_FLAGS | Fds.O_CREAT | Fds.O_EXCL, mode,
                    Mqueue.attr(a, maxMessages, maxMessageSize));
            if (mqd < 0) {
                throw createError(name, maxMessages, maxMessageSize, -mqd);
            }
            boolean ok = false;
            try {
                Errno.check(Fds.fchmod(mqd, mode), "fchmod", name);
                MessageQueue q = opened(name, mqd, maxMessages, maxMessageSize);
                ok = true;
                return q;
            } finally {
                if (!ok) {
                    Mqueue.close(mqd);
                    Mqueue.unlink(cname);
                }
            }
        }
    }

    /** Opens the existing queue; {@code minMessages} and {@code minMessageSize} are -1 when unset. */
    static MessageQueue open(String name, int minMessages, int minMessageSize) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            int mqd = Errno.check(Mqueue.open(a.allocateFrom(name), QueueDescriptor.OPEN_FLAGS, 0,
                    MemorySegment.NULL), "mq_open", name);
            boolean ok = false;
            try {
                MessageQueue q = opened(name, mqd, minMessages, minMessageSize);
                ok = true;
                return q;
            } finally {
                if (!ok) {
                    Mqueue.close(mqd);
                }
            }
        }
    }

    /** Reads the sizes the queue really has, and holds them to the builder's minimums. */
    private static MessageQueue opened(String name, int mqd, int minMessages, int minMessageSize) throws IpcException {
        Mqueue.Attributes at = Mqueue.getattr(mqd, name);
        if (at.maxMessages() < minMessages || at.messageSize() < minMessageSize) {
            throw new IpcException("mq_open", name, "queue holds " + at.maxMessages() + " messages of "
                    + at.messageSize() + " bytes; at least " + Math.max(minMessages, 0) + " of "
                    + Math.max(minMessageSize, 0) + " bytes are required", IpcException.Reason.INCOMPATIBLE_LAYOUT);
        }
        return new MessageQueue(name, mqd, (int) at.maxMessages(), (int) at.messageSize());
    }

    /**
     * Turns a failed exclusive mq_open into an error that names the limit: EINVAL for sizes
     * (below the hard ceilings, already checked) means a sysctl file's limit, which only
     * CAP_SYS_RESOURCE may exceed; EMFILE is the user's RLIMIT_MSGQUEUE (or descriptors);
     * ENOSPC the system's count of queues.
     */
    private static IpcException createError(String name, int maxMessages, int maxMessageSize, int errno) {
        String limit = null;
        if (errno == Errno.EINVAL) {
            long msgMax = Sysctl.read(Sysctl.MQ_MSG_MAX);
            long msgsizeMax = Sysctl.read(Sysctl.MQ_MSGSIZE_MAX);
            if (msgMax >= 0 && maxMessages > msgMax) {
                limit = "maxMessages " + maxMessages + " is above " + Sysctl.MQ_MSG_MAX + " (" + msgMax + ")";
            } else if (msgsizeMax >= 0 && maxMessageSize > msgsizeMax) {
                limit = "maxMessageSize " + maxMessageSize + " is above " + Sysctl.MQ_MSGSIZE_MAX + " (" + msgsizeMax
                        + ")";
            }
            if (limit != null) {
                limit += "; raise it, or create the queue from a process with CAP_SYS_RESOURCE";
            }
        } else if (errno == Errno.EMFILE) {
            limit = "the queue needs about " + kernelBytes(maxMessages, maxMessageSize)
                    + " bytes of this user's RLIMIT_MSGQUEUE (ulimit -q, " + msgqueueRlimit()
                    + "), shared by all its queues; or this process has no descriptor left (ulimit -n)";
        } else if (errno == Errno.ENOSPC) {
            limit = "the system's number of queues, " + Sysctl.MQ_QUEUES_MAX + " ("
                    + Sysctl.read(Sysctl.MQ_QUEUES_MAX) + "), is reached";
        }
        if (limit == null) {
            return Errno.exception("mq_open", name, errno);
        }
        return new IpcException("mq_open", name, errno, Errno.name(errno), Errno.description(errno) + ": " + limit,
                IpcException.Reason.LIMIT_EXCEEDED);
    }

    /** The kernel's charge against RLIMIT_MSGQUEUE (ipc/mqueue.c): data plus 48-byte bookkeeping. */
    private static long kernelBytes(long count, long size) {
        return count * (48 + size) + Math.min(count, 32_768) * 48;
    }

    private static String msgqueueRlimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max msgqueue size")) {
                    String[] f = line.substring("Max msgqueue size".length()).trim().split("\\s+");
                    return f[0] + " bytes";
                }
            }
        } catch (IOException e) {
            // Fall through: the message stays useful without the number.
        }
        return "limit unknown";
    }
}
