package io.jipc.sync;

// Long because the three wait modes, the futex sleep on glibc's sem_t word and
// close-while-waiting must agree on one protocol.

import io.jipc.posix.Semaphores;

import io.jipc.IpcException;
import io.jipc.posix.Creation;
import io.jipc.posix.Names;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.WaitStrategy;
import io.jipc.internal.Blocker;
import io.jipc.internal.Deadline;
import io.jipc.internal.Futex;
import io.jipc.internal.Lifetime;
import io.jipc.internal.Wait;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * A named POSIX counting semaphore ({@code sem_open}), shared by every process that opens
 * the name.
 *
 * <p>The value is a count of permits, never negative. {@link #release()} adds one;
 * {@link #acquire()} takes one, in three modes:
 * <ul>
 *   <li><b>Blocking</b> {@link #acquire()}: waits while the value is 0, spinning, then
 *       asleep in the kernel. {@link Thread#interrupt()} does not end the wait, as in
 *       {@code java.util.concurrent}; {@link #acquireInterruptibly()} ends on one.</li>
 *   <li><b>Non-blocking</b> {@link #tryAcquire()}: never waits; {@code false} if the value
 *       was 0.</li>
 *   <li><b>Timed</b> {@link #tryAcquire(Duration)}: waits at most the timeout, measured on
 *       the monotonic clock, so setting the wall clock neither shortens nor stretches it;
 *       {@code false} on time-out.</li>
 * </ul>
 * A waiting virtual thread parks (a jipc platform thread sleeps in the kernel for it), so
 * it never holds its carrier past its spin.
 *
 * <p>How a waiter sleeps: on the C library's own futex word, the value inside the
 * {@code sem_t}, after adding itself to the waiter count beside it, exactly as
 * {@code sem_wait} does, so {@code sem_post} from any process (C or Java) wakes it, and
 * {@link #close()} can wake it too, which no {@code sem_wait} allows. This reads glibc's
 * layout of {@code sem_t} on 64-bit Linux (a 64-bit word: value in the low half, waiters
 * in the high half), unchanged since glibc 2.21.
 * There is no fairness: which waiter a release wakes is up to the kernel.
 *
 * <p>Memory visibility: what a thread or process did before {@code release()} happens-before
 * what the one whose {@code acquire} took that permit does afterwards, as for
 * {@link java.util.concurrent.Semaphore}; the C library's atomic operations on the shared
 * counter order them.
 *
 * <p>The semaphore lives in a file {@code /dev/shm/sem.NAME}, so names may have at most
 * {@value #MAX_NAME_BYTES} bytes after the '/'. A created semaphore has mode 0600 unless
 * the builder says otherwise. This object owns this process's mapping of it:
 * {@link #close()} unmaps it, after which every method throws {@link IllegalStateException}
 * instead of touching the memory; {@link #unlink(String)} removes the name. Closing while
 * other threads are blocked in {@code acquire} wakes them with
 * {@link AsynchronousCloseException}; the mapping goes when the last of them has left.
 *
 * <pre>{@code
 * try (Semaphore slots = Semaphore.create("/slots", 4)) {
 *     slots.acquire();
 *     try { ... } finally { slots.release(); }
 * } finally {
 *     Semaphore.unlink("/slots");
 * }
 * }</pre>
 */
public final class Semaphore implements AutoCloseable {
    /** Default mode of a created semaphore: read and write for the owner only. */
    public static final int DEFAULT_MODE = 0600;
    /** The longest name after the leading slash: NAME_MAX less the "sem." file prefix. */
    public static final int MAX_NAME_BYTES = 251;
    /** The largest value a semaphore can hold (SEM_VALUE_MAX on Linux). */
    public static final int MAX_VALUE = Integer.MAX_VALUE;

    private static final String KIND = "semaphore name";

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** glibc {@code struct new_sem}: {@code data}'s high half counts sleepers, its low half is the value and futex word. */
    private static final long ONE_WAITER = 1L << 32;

    private final String name;
    private final long sem;
    /** The sem_t's first 8 bytes: glibc's {@code data} word. */
    private final MemorySegment data;
    private final Lifetime use;
    private final Blocker sleep;

    private Semaphore(String name, long sem) {
        this.name = name;
        this.sem = sem;
        this.data = MemorySegment.ofAddress(sem).reinterpret(Long.BYTES);
        this.use = new Lifetime("Semaphore[" + name + "]", this::wake, () -> Semaphores.close(sem));
        this.sleep = new Sleep();
    }

    private void wake() {
        sleep.wake();
    }

    /** Sleeps as glibc's sem_wait does: count itself a waiter (so sem_post wakes), then FUTEX_WAIT while the value is 0. */
    private final class Sleep extends Blocker {
        Sleep() {
            super(use);
        }

        @Override
        protected void block(long maxNanos) {
            LONG.getAndAdd(data, 0L, ONE_WAITER);
            try {
                if ((int) INT.getVolatile(data, 0L) == 0) {
                    Futex.await(data, 0, maxNanos);
                }
            } finally {
                LONG.getAndAdd(data, 0L, -ONE_WAITER);
            }
        }

        @Override
        protected void wakeKernel() {
            Futex.wakeAll(data);
        }
    }

    /**
     * Creates a new semaphore with value {@code initial} and mode 0600; fails if the name exists.
     *
     * @param name the semaphore's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of
     *     UTF-8, no further {@code '/'} and no NUL
     * @param initial the value it starts with; 0 or more
     * @return the new semaphore, open; the caller closes it
     * @throws IllegalArgumentException for a bad name or a negative {@code initial}
     * @throws IpcException             with {@code ALREADY_EXISTS} if the name is taken, or another reason
     */
    public static Semaphore create(String name, int initial) throws IpcException {
        return builder(name).initialValue(initial).create();
    }

    /**
     * Opens an existing semaphore.
     *
     * @param name the semaphore's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of
     *     UTF-8, no further {@code '/'} and no NUL
     * @return the semaphore, open; the caller closes it
     * @throws IllegalArgumentException for a bad name
     * @throws IpcException             with {@code DOES_NOT_EXIST}, {@code PERMISSION_DENIED}, ...
     */
    public static Semaphore open(String name) throws IpcException {
        return builder(name).open();
    }

    /**
     * Opens the semaphore if it exists (its value untouched), else creates it with value
     * {@code initial}. Processes racing here end up with the same semaphore.
     *
     * @param name the semaphore's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of
     *     UTF-8, no further {@code '/'} and no NUL
     * @param initial the value it starts with if it is created here; 0 or more
     * @return the semaphore, open; the caller closes it
     * @throws IllegalArgumentException for a bad name or a negative {@code initial}
     * @throws IpcException             as {@link #create} and {@link #open} do
     */
    public static Semaphore openOrCreate(String name, int initial) throws IpcException {
        return builder(name).initialValue(initial).openOrCreate();
    }

    /**
     * {@return a builder for the semaphore called {@code name}}
     *
     * @param name the semaphore's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of
     *     UTF-8, no further {@code '/'} and no NUL
     * @throws IllegalArgumentException for a bad name
     */
    public static Builder builder(String name) {
        return new Builder(Names.check(KIND, name, MAX_NAME_BYTES));
    }

    /**
     * Removes the name; processes that have the semaphore open keep using it.
     *
     * @param name the semaphore's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of
     *     UTF-8, no further {@code '/'} and no NUL
     * @return {@code true} if the name existed and was removed, {@code false} if it did not exist
     * @throws IllegalArgumentException for a bad name
     * @throws IpcException             for any other failure, such as {@code PERMISSION_DENIED}
     */
    public static boolean unlink(String name) throws IpcException {
        Names.check(KIND, name, MAX_NAME_BYTES);
        try (Arena a = Arena.ofConfined()) {
            int r = Semaphores.unlink(a.allocateFrom(name));
            if (r == -Errno.ENOENT) {
                return false;
            }
            Errno.check(r, "sem_unlink", name);
            return true;
        }
    }

    /**
     * Blocking: takes one permit, waiting while the value is 0. Not interruptible.
     *
     * @throws IllegalStateException      if closed
     * @throws AsynchronousCloseException if this object is closed while the call waits
     * @throws IpcException               if {@code sem_trywait} fails for a reason other than a signal
     */
    public void acquire() throws IOException {
        try {
            acquire(Deadline.FOREVER, Wait.Interrupts.IGNORE);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible acquire was interrupted", e);
        }
    }

    /**
     * Blocking, interruptible: takes one permit, waiting while the value is 0, until the
     * thread is interrupted.
     *
     * @throws InterruptedException       if the thread is interrupted while waiting (the flag
     *                                    is cleared); no permit was taken
     * @throws IllegalStateException      if closed
     * @throws AsynchronousCloseException if this object is closed while the call waits
     * @throws IpcException               if {@code sem_trywait} fails for a reason other than a signal
     */
    public void acquireInterruptibly() throws IOException, InterruptedException {
        acquire(Deadline.FOREVER, Wait.Interrupts.THROW);
    }

    /**
     * Non-blocking: takes one permit if the value is above 0 now.
     *
     * @return {@code true} if a permit was taken, {@code false} if the value was 0
     * @throws IllegalStateException if closed
     * @throws IpcException          if {@code sem_trywait} fails otherwise
     */
    public boolean tryAcquire() throws IpcException {
        use.enter();
        try {
            return tryOnce();
        } finally {
            use.exit();
        }
    }

    /**
     * Timed: takes one permit, waiting at most {@code timeout} while the value is 0; a zero
     * or negative timeout tries once, like {@link #tryAcquire()}. Not interruptible.
     *
     * @param timeout the longest wait; zero or negative tries once; not null
     * @return {@code true} if a permit was taken, {@code false} on time-out
     * @throws IllegalStateException      if closed
     * @throws AsynchronousCloseException if this object is closed while the call waits
     * @throws IpcException               if {@code sem_trywait} fails otherwise
     */
    public boolean tryAcquire(Duration timeout) throws IOException {
        try {
            return acquire(Deadline.after(timeout), Wait.Interrupts.IGNORE);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible acquire was interrupted", e);
        }
    }

    private boolean acquire(Deadline deadline, Wait.Interrupts interrupts) throws IOException, InterruptedException {
        use.enter();
        try {
            if (tryOnce()) {
                return true;
            }
            return !deadline.isNow() && Wait.until(() -> tryOnce() ? Boolean.TRUE : null,
                    sleep, WaitStrategy.spinThenSleep(), deadline, use, interrupts) != null;
        } finally {
            use.exit();
        }
    }

    private boolean tryOnce() throws IpcException {
        while (true) {
            int r = Semaphores.trywait(sem);
            if (r == 0) {
                return true;
            }
            if (r == -Errno.EAGAIN) {
                return false;
            }
            if (r != -Errno.EINTR) {
                throw Errno.exception("sem_trywait", name, -r);
            }
        }
    }

    /**
     * Non-blocking: adds one permit, waking a waiter if there is one.
     *
     * @throws IllegalStateException if closed
     * @throws IpcException          with {@code LIMIT_EXCEEDED} ({@code EOVERFLOW}) if the value
     *                               is already {@link #MAX_VALUE}; it is left unchanged
     */
    public void release() throws IpcException {
        use.enter();
        try {
            Errno.check(Semaphores.post(sem), "sem_post", name);
        } finally {
            use.exit();
        }
    }

    /**
     * {@return the value now: the permits available; stale as soon as it is read if other
     * threads or processes use the semaphore}
     *
     * @throws IllegalStateException if closed
     * @throws IpcException          if {@code sem_getvalue} fails
     */
    public int value() throws IpcException {
        use.enter();
        try {
            return Errno.check(Semaphores.getvalue(sem), "sem_getvalue", name);
        } finally {
            use.exit();
        }
    }

    /** {@return the name, with its leading slash} */
    public String name() {
        return name;
    }

    /** {@return whether {@link #close()} has not yet succeeded} */
    public boolean isOpen() {
        return use.isOpen();
    }

    /**
     * Unmaps this process's view ({@code sem_close}); idempotent, never blocks, never fails.
     * The semaphore and its value stay for other processes and later opens. Threads blocked in
     * an acquire on this object end with {@link AsynchronousCloseException}; the view is
     * unmapped when the last of them has left.
     */
    @Override
    public void close() {
        use.close();
    }

    @Override
    public String toString() {
        return "Semaphore[" + name + (isOpen() ? "" : ", closed") + "]";
    }

    /**
     * Chooses how to create or open a semaphore: {@link #initialValue(int)} and
     * {@link #mode(int)} apply on create; opening leaves the value alone.
     */
    public static final class Builder {
        private final String name;
        private int initial;
        private int mode = DEFAULT_MODE;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * The value a created semaphore starts with (default 0).
         *
         * @param value the starting value; 0 or more
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder initialValue(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("initial value of " + name + " must not be negative, not " + value);
            }
            this.initial = value;
            return this;
        }

        /**
         * Permission bits for a created semaphore (default 0600), applied exactly, whatever
         * the umask. Users need read and write permission to use it.
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
         * Creates the semaphore; fails with {@code ALREADY_EXISTS} if the name is taken.
         *
         * @return the new semaphore, open; the caller closes it
         * @throws IpcException with {@code ALREADY_EXISTS} if the name is taken, or another reason
         */
        public Semaphore create() throws IpcException {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment cname = a.allocateFrom(name);
                long sem = Errno.check(Semaphores.open(cname, Fds.O_CREAT | Fds.O_EXCL, mode, initial),
                        "sem_open", name);
                boolean ok = false;
                try {
                    applyMode();
                    ok = true;
                    return new Semaphore(name, sem);
                } finally {
                    if (!ok) {
                        Semaphores.close(sem);
                        Semaphores.unlink(cname);
                    }
                }
            }
        }

        /**
         * Opens the existing semaphore; fails with {@code DOES_NOT_EXIST} if there is none.
         *
         * @return the semaphore, open; the caller closes it
         * @throws IpcException with {@code DOES_NOT_EXIST} if there is none, {@code
         *     PERMISSION_DENIED}, ...
         */
        public Semaphore open() throws IpcException {
            try (Arena a = Arena.ofConfined()) {
                long sem = Errno.check(Semaphores.open(a.allocateFrom(name), 0, 0, 0), "sem_open", name);
                return new Semaphore(name, sem);
            }
        }

        /**
         * Opens the semaphore, or creates it if there is none.
         *
         * @return the semaphore, open; the caller closes it
         * @throws IpcException as {@link #create()} and {@link #open()} do
         */
        public Semaphore openOrCreate() throws IpcException {
            return Creation.openOrCreate(this::create, this::open);
        }

        /**
         * sem_open creates the file with the mode less the umask and returns no descriptor to
         * fchmod, so the mode is set again by path: the file is the one we just created
         * exclusively.
         */
        private void applyMode() throws IpcException {
            Path file = Path.of("/dev/shm", "sem." + name.substring(1));
            Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
            PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
            for (int i = 0; i < 9; i++) {
                if ((mode & (0400 >> i)) != 0) {
                    perms.add(bits[i]);
                }
            }
            try {
                Files.setPosixFilePermissions(file, perms);
            } catch (NoSuchFileException e) {
                // Unlinked by someone else already; the semaphore we hold is unaffected.
            } catch (IOException e) {
                throw new IpcException("chmod", file.toString(), String.valueOf(e.getMessage()),
                        IpcException.Reason.OTHER);
            }
        }
    }
}
