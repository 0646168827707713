package io.jipc.poll;

// Long because registration, the wake-up pipe, the close state machine and the translation
// of readiness share one lock and are easiest to check together.

import io.jipc.posix.Poll;

import io.jipc.IpcException;
import io.jipc.Pollable;
import io.jipc.WaitStrategy;
import io.jipc.internal.Blocker;
import io.jipc.internal.Deadline;
import io.jipc.internal.Lifetime;
import io.jipc.internal.Wait;
import io.jipc.internal.WakePipe;
import io.jipc.posix.Clocks;
import io.jipc.posix.Errno;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Waits until any of several registered objects is ready, with {@code poll(2)}.
 *
 * <p>{@link #register} an object with the events it should be watched for and keep the
 * returned {@link Key}; then wait in one of three ways, each returning how many keys are
 * ready, which {@link #readyKeys()} then lists:
 * <ul>
 * <li>{@link #await()} blocks until at least one is ready;</li>
 * <li>{@link #await(Duration)} waits at most the timeout (at least the timeout, rounded up
 *     to the millisecond, before it returns 0);</li>
 * <li>{@link #poll()} looks once and never waits.</li>
 * </ul>
 * A key is ready when any event it is interested in, or {@link Event#HANG_UP} or
 * {@link Event#ERROR}, holds. Waiting is level-triggered: a pipe that still holds data is
 * reported again by the next wait.
 *
 * <pre>{@code
 * try (Poller poller = new Poller()) {
 *     Poller.Key a = poller.register(pipeA.readEnd(), Event.READABLE);
 *     Poller.Key b = poller.register(pipeB.readEnd(), Event.READABLE);
 *     while (poller.await(Duration.ofSeconds(1)) > 0) {
 *         for (Poller.Key k : poller.readyKeys()) {
 *             ReadEnd end = (ReadEnd) k.pollable();
 *             if (end.read(buffer) < 0) {   // end of stream: stop watching it
 *                 k.cancel();
 *                 end.close();
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>No allocation in the steady state: the {@code struct pollfd} array, the keys and the
 * ready list are reused; a wait allocates only when the number of registrations has grown.
 *
 * <p>Objects closed between waits are noticed and their keys cancelled at the start of the
 * next wait, which is why {@link Pollable#isOpen()} exists. Closing an object while another
 * thread waits on it is a race jipc cannot detect (its descriptor number may be reused at
 * once); close objects from the waiting thread, or between waits.
 *
 * <p>Thread safety: methods are synchronized, so a poller is safe to share, but it is meant
 * for one thread at a time: {@code register} or {@code cancel} called by another thread while
 * a wait is in progress waits for that wait to end. A poller owns none of the objects
 * registered with it; {@link #close()} only cancels their keys.
 */
public final class Poller implements AutoCloseable {
    private static final int ALWAYS_REPORTED = Poll.POLLHUP | Poll.POLLERR;
    /** Each look is a poll system call: sleep at once rather than spin on syscalls. */
    private static final WaitStrategy WAIT = WaitStrategy.spinThenSleep(0, 0);
    /** sizeof(struct pollfd) on Linux. */
    private static final long POLLFD_BYTES = 8;

    private Key[] keys = new Key[8];
    private int count;
    private MemorySegment pollfds;
    private final ArrayList<Key> ready = new ArrayList<>(8);
    private final List<Key> readyView = Collections.unmodifiableList(ready);
    private boolean open = true;
    /** A wait inside; the close wakes it (through {@link #wake}) and the last one out closes {@link #wake}. */
    private final Lifetime lifetime = new Lifetime("Poller", this::wakeUp, this::releaseWake);
    private final WakePipe wake = new WakePipe();
    private final Sleep sleep = new Sleep();
    private volatile int waitingCount;

    /** Makes an empty poller. */
    public Poller() {
        pollfds = Poll.allocate(Arena.ofAuto(), keys.length);
    }

    private void wakeUp() {
        sleep.wake();
    }

    private void releaseWake() {
        wake.close();
    }

    /**
     * The kernel sleep of a wait: poll on a copy of the prepared entries plus the wake pipe,
     * so that a close ends it and the waiting thread's own looks (poll with timeout 0 on the
     * original array) never race the sleeper's revents, which matters when a jipc waiter
     * thread sleeps for a virtual thread.
     */
    private final class Sleep extends Blocker {
        private MemorySegment copy = MemorySegment.NULL;

        Sleep() {
            super(lifetime);
        }

        @Override
        protected synchronized void block(long maxNanos) {
            int wakeFd = wake.fd();
            if (wakeFd < 0) {
                return;
            }
            int n = waitingCount;
            if (copy.byteSize() < (n + 1) * POLLFD_BYTES) {
                copy = Poll.allocate(Arena.ofAuto(), n + 1);
            }
            MemorySegment.copy(pollfds, 0, copy, 0, n * POLLFD_BYTES);
            Poll.set(copy, n, wakeFd, Poll.POLLIN);
            Poll.poll(copy, n + 1, (int) Math.max(1, Math.min(Integer.MAX_VALUE, (maxNanos + 999_999) / 1_000_000)));
        }

        @Override
        protected void wakeKernel() {
            wake.signal();
        }
    }

    /**
     * Watches {@code object} for the given events.
     *
     * @param interest {@link Event#READABLE}, {@link Event#WRITABLE}, both, or none (then only
     *                 hang-up and error are reported)
     * @param object the pipe end, queue or channel to watch; open, and not registered with this
     *     poller yet
     * @return the key, valid until cancelled, until the object is seen closed, or until this poller is closed
     * @throws IllegalArgumentException if {@code object} is registered already, or {@code interest}
     *                                  holds HANG_UP or ERROR (they are always reported)
     * @throws IllegalStateException    if {@code object} or this poller is closed
     */
    public synchronized Key register(Pollable object, Set<Event> interest) {
        Objects.requireNonNull(object, "object");
        int mask = mask(interest);
        ensureOpen();
        if (!object.isOpen()) {
            throw new IllegalStateException("cannot register " + object + ": it is closed");
        }
        for (int i = 0; i < count; i++) {
            if (keys[i].pollable == object) {
                throw new IllegalArgumentException(object + " is registered already; change its key's interest instead");
            }
        }
        if (count == keys.length) {
            keys = java.util.Arrays.copyOf(keys, count * 2);
            pollfds = Poll.allocate(Arena.ofAuto(), keys.length);
            ready.ensureCapacity(keys.length);
        }
        Key k = new Key(this, object, mask, count);
        keys[count++] = k;
        return k;
    }

    /**
     * Watches {@code object} for {@code first} and {@code more}; see
     * {@link #register(Pollable, Set)}.
     *
     * @param object the pipe end, queue or channel to watch; open, and not registered with this
     *     poller yet
     * @param first an event to watch for, {@link Event#READABLE} or {@link Event#WRITABLE}
     * @param more more events to watch for, of the same two
     * @return the key, valid until cancelled, until the object is seen closed, or until this poller
     *     is closed
     */
    public Key register(Pollable object, Event first, Event... more) {
        return register(object, EnumSet.of(first, more));
    }

    /**
     * Blocks until at least one key is ready. Not interruptible. A virtual thread parks
     * while it waits (a jipc platform thread polls for it).
     *
     * @return the number of ready keys, at least 1
     * @throws IllegalStateException if nothing is registered (the wait would never end), or the
     *                               poller is closed (also when another thread closes it during the wait)
     * @throws IpcException          if {@code poll(2)} fails
     */
    public synchronized int await() throws IpcException {
        return select(true, 0);
    }

    /**
     * Waits at most {@code timeout} for a key to be ready. {@link Duration#ZERO} or a negative
     * duration looks once, like {@link #poll()}.
     *
     * @param timeout the longest wait; zero or negative looks once without waiting; not null
     * @return the number of ready keys, 0 if none became ready in time
     * @throws IllegalStateException if the poller is closed (also when another thread closes it during the wait)
     * @throws IpcException          if {@code poll(2)} fails
     */
    public synchronized int await(Duration timeout) throws IpcException {
        return select(false, Clocks.toNanos(Objects.requireNonNull(timeout, "timeout")));
    }

    /**
     * Looks once and never waits.
     *
     * @return the number of ready keys, perhaps 0
     * @throws IllegalStateException if the poller is closed
     * @throws IpcException          if {@code poll(2)} fails
     */
    public synchronized int poll() throws IpcException {
        return select(false, 0);
    }

    /**
     * {@return the keys found ready by the last wait} The list is a read-only view that the
     * next wait refills; its keys' ready events are those of that wait.
     */
    public synchronized List<Key> readyKeys() {
        return readyView;
    }

    /** {@return how many keys are registered} */
    public synchronized int size() {
        return count;
    }

    /**
     * Cancels every key. Idempotent; the registered objects stay open. A wait in progress on
     * another thread ends with {@link IllegalStateException}; this call returns once it has.
     */
    @Override
    public void close() {
        lifetime.close();
        synchronized (this) {
            while (count > 0) {
                remove(keys[count - 1]);
            }
            ready.clear();
            open = false;
        }
    }

    private int select(boolean forever, long budget) throws IpcException {
        ensureOpen();
        ready.clear();
        for (int i = 0; i < count; i++) {
            keys[i].ready = 0;
        }
        // Drop what was closed since the last wait, then describe the rest to the kernel.
        for (int i = count - 1; i >= 0; i--) {
            if (!keys[i].pollable.isOpen()) {
                remove(keys[i]);
            }
        }
        if (forever && count == 0) {
            throw new IllegalStateException("nothing is registered: a blocking wait would never return");
        }
        for (int i = 0; i < count; i++) {
            Key k = keys[i];
            int fd;
            try {
                fd = k.pollable.fd();
            } catch (IllegalStateException closed) {
                remove(k);
                i--;
                continue;
            }
            Poll.set(pollfds, i, fd, k.interest);
        }
        Integer found = pollNow();
        if (found != null || (!forever && budget == 0)) {
            return found == null ? 0 : found;
        }
        if (!lifetime.tryEnter()) {
            throw new IllegalStateException("poller is closed");
        }
        waitingCount = count;
        try {
            found = Wait.until(this::pollNow, sleep, WAIT, forever ? Deadline.FOREVER : Deadline.afterNanos(budget),
                    lifetime, Wait.Interrupts.IGNORE);
            return found == null ? 0 : found;
        } catch (AsynchronousCloseException e) {
            throw new IllegalStateException("poller was closed while this thread waited on it");
        } catch (IpcException e) {
            throw e;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("an uninterruptible poll without I/O of its own failed", e);
        } finally {
            lifetime.exit();
        }
    }

    /** One look, never waiting. {@return the number of ready keys, or null if none is ready} */
    private Integer pollNow() throws IpcException {
        while (true) {
            int r = Poll.poll(pollfds, count, 0);
            if (r > 0) {
                return collect();
            }
            if (r == 0) {
                return null;
            }
            if (r != -Errno.EINTR) {
                throw Errno.exception("poll", null, -r);
            }
        }
    }

    private int collect() {
        for (int i = 0; i < count; i++) {
            int revents = Poll.revents(pollfds, i);
            if (revents == 0) {
                continue;
            }
            Key k = keys[i];
            if ((revents & Poll.POLLNVAL) != 0) {
                throw new IllegalStateException(k.pollable + " was closed while the poller waited on it");
            }
            k.ready = revents & (k.interest | ALWAYS_REPORTED);
            if (k.ready != 0) {
                ready.add(k);
            }
        }
        return ready.size();
    }

    /** Swap-removes {@code k} from the arrays; the pollfd entry is rewritten at the next wait. */
    private void remove(Key k) {
        int i = k.index;
        int last = --count;
        keys[i] = keys[last];
        keys[i].index = i;
        keys[last] = null;
        k.index = -1;
    }

    private void ensureOpen() {
        if (!open) {
            throw new IllegalStateException("poller is closed");
        }
    }

    private static int mask(Set<Event> interest) {
        Objects.requireNonNull(interest, "interest");
        int mask = 0;
        for (Event e : interest) {
            if (e != Event.READABLE && e != Event.WRITABLE) {
                throw new IllegalArgumentException(e + " is always reported; register READABLE and/or WRITABLE");
            }
            mask |= e.bit;
        }
        return mask;
    }

    @Override
    public synchronized String toString() {
        return "Poller[" + count + " registered" + (open ? "" : ", closed") + "]";
    }

    /**
     * One object's registration with a {@link Poller}: what it is watched for and, after a
     * wait, what was found. The ready events are those of the last wait of the poller.
     */
    public static final class Key {
        private final Poller poller;
        private final Pollable pollable;
        private int interest;
        private int ready;
        /** Position in the poller's arrays, -1 once cancelled. */
        private int index;

        private Key(Poller poller, Pollable pollable, int interest, int index) {
            this.poller = poller;
            this.pollable = pollable;
            this.interest = interest;
            this.index = index;
        }

        /** {@return the registered object} */
        public Pollable pollable() {
            return pollable;
        }

        /** {@return the events this key is watched for (a new set)} */
        public Set<Event> interest() {
            synchronized (poller) {
                return toSet(interest);
            }
        }

        /**
         * Changes what this key is watched for, from the next wait on.
         *
         * @param events {@link Event#READABLE}, {@link Event#WRITABLE}, both, or none (then only
         *     hang-up and error are reported)
         * @throws IllegalArgumentException if {@code events} holds HANG_UP or ERROR
         * @throws IllegalStateException    if the key is cancelled
         */
        public void interest(Set<Event> events) {
            int mask = mask(events);
            synchronized (poller) {
                ensureValid();
                interest = mask;
            }
        }

        /**
         * {@return whether the last wait found {@code event}}
         *
         * @param event the event asked about; HANG_UP and ERROR are reported whatever the interest
         */
        public boolean isReady(Event event) {
            synchronized (poller) {
                return (ready & event.bit) != 0;
            }
        }

        /** {@return whether the last wait found the object readable} */
        public boolean isReadable() {
            return isReady(Event.READABLE);
        }

        /** {@return whether the last wait found the object writable} */
        public boolean isWritable() {
            return isReady(Event.WRITABLE);
        }

        /** {@return whether the last wait found the other side gone} */
        public boolean isHangUp() {
            return isReady(Event.HANG_UP);
        }

        /** {@return whether the last wait found an error condition} */
        public boolean isError() {
            return isReady(Event.ERROR);
        }

        /** {@return the events the last wait found (a new set)} */
        public Set<Event> readyEvents() {
            synchronized (poller) {
                return toSet(ready);
            }
        }

        /** Stops watching the object. Idempotent; the object stays open. */
        public void cancel() {
            synchronized (poller) {
                if (index >= 0) {
                    poller.remove(this);
                }
            }
        }

        /** {@return whether the key is still registered} */
        public boolean isValid() {
            synchronized (poller) {
                return index >= 0;
            }
        }

        private void ensureValid() {
            if (index < 0) {
                throw new IllegalStateException("key of " + pollable + " is cancelled");
            }
        }

        private static Set<Event> toSet(int mask) {
            EnumSet<Event> set = EnumSet.noneOf(Event.class);
            for (Event e : Event.values()) {
                if ((mask & e.bit) != 0) {
                    set.add(e);
                }
            }
            return set;
        }

        @Override
        public String toString() {
            return "Key[" + pollable + ", interest " + interest() + ", ready " + readyEvents()
                    + (isValid() ? "" : ", cancelled") + "]";
        }
    }
}
