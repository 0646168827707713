package io.jipc.shm;

import io.jipc.IpcException;
import io.jipc.WaitStrategy;
import io.jipc.internal.Deadline;
import io.jipc.internal.Mappings;
import io.jipc.internal.Nap;
import io.jipc.internal.Reclaim;
import io.jipc.internal.Wait;
import io.jipc.posix.UnixSockets;
import io.jipc.posix.Creation;
import io.jipc.posix.Names;
import io.jipc.posix.Errno;
import io.jipc.posix.Fds;
import io.jipc.posix.Mman;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/*
 * Long because (about 500 lines) both kinds, named and sealed anonymous, share one
 * mapping, one size check and one reclaim path, which read best side by side.
 */

/**
 * Shared memory mapped into this process: a named POSIX object ({@code shm_open}), or
 * sealed anonymous memory ({@link #anonymous(long)}) that travels by descriptor and that
 * no peer can shrink.
 *
 * <p>Processes that open the same name see the same bytes: a store by one is visible
 * to the others under the rules of the Java memory model applied to the
 * {@link java.lang.invoke.VarHandle} access modes used (plain stores may be seen late
 * or torn; use the release/acquire or volatile modes, or a lock from
 * {@code io.jipc.sync}, to publish data). A new object is filled with zeros.
 *
 * <p>This object owns the mapping. {@link #close()} unmaps it; from then on every
 * {@link MemorySegment} obtained from {@link #segment()} (and every slice of it, and
 * every lock or ring built on it) throws {@link IllegalStateException} on access, so
 * the JVM never touches unmapped memory. Closing does not remove the name:
 * {@link #unlink(String)} does, and the memory lives on until the last process unmaps it.
 * An object never closed is unmapped once it and every segment it handed out are
 * unreachable (a {@link java.lang.ref.Cleaner}); the kernel unmaps everything at exit.
 *
 * <p><b>A peer can shrink a named object.</b> Any process allowed to open it for writing
 * (the owner's other processes, root, anyone if the mode says so) can {@code ftruncate}
 * it; touching a mapped page past the new end is SIGBUS, which kills the JVM inside an
 * atomic access. jipc narrows this: the size is checked when the object is opened and
 * mapped, by {@link #checkSize()}, and by a {@code Mutex} before it sleeps and when it
 * wakes, so a shrink seen there is an {@link IpcException}. A shrink between a check and
 * an access (an uncontended lock, a plain read) still kills the JVM: share named objects
 * only with processes you trust that far (see SECURITY.md).
 *
 * <p>Thread safety: all methods may be called from any thread. {@code close()} never fails
 * because another thread uses the memory: threads asleep on a lock or ring in it sleep on
 * the word's address, not the segment, so they do not hold the mapping, and wake (within
 * their wait's slice) to an {@link IllegalStateException}; a native call that holds a
 * segment of it for a moment (a copy to a pipe, say) is waited out.
 *
 * <pre>{@code
 * try (SharedMemory shm = SharedMemory.create("/counter", 4096)) {
 *     MemorySegment mem = shm.segment();
 *     Mutex lock = Mutex.at(mem, 0);
 *     ...
 * } finally {
 *     SharedMemory.unlink("/counter");
 * }
 * }</pre>
 */
public final class SharedMemory implements AutoCloseable {
    /** Default mode of a created object: read and write for the owner only. */
    public static final int DEFAULT_MODE = 0600;
    /** The longest name after the leading slash (NAME_MAX). */
    public static final int MAX_NAME_BYTES = 255;

    private static final String KIND = "shared memory name";
    private static final String ANONYMOUS = "(sealed anonymous)";

    private final String name;
    private final long size;
    private final Arena arena;
    private final MemorySegment segment;
    private final Mapping mapping;

    private SharedMemory(String name, long size, Arena arena, MemorySegment segment, Mapping mapping) {
        this.name = name;
        this.size = size;
        this.arena = arena;
        this.segment = segment;
        this.mapping = mapping;
    }

    /**
     * Creates a new object of {@code size} bytes with mode 0600; fails if the name exists.
     *
     * @param name the object's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8,
     *     no further {@code '/'} and no NUL
     * @param size the size in bytes; positive
     * @return the new object, mapped read-write and filled with zeros; the caller closes it
     * @throws IllegalArgumentException for a bad name or a size that is not positive
     * @throws IpcException             with {@code ALREADY_EXISTS} if the name is taken, or another reason
     */
    public static SharedMemory create(String name, long size) throws IpcException {
        return builder(name).size(size).create();
    }

    /**
     * Opens an existing object at its current size.
     *
     * @param name the object's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8,
     *     no further {@code '/'} and no NUL
     * @return the object, mapped read-write at the size it has when opened; the caller closes it
     * @throws IpcException with {@code DOES_NOT_EXIST} if there is none, {@code PERMISSION_DENIED}, ...
     */
    public static SharedMemory open(String name) throws IpcException {
        return builder(name).open();
    }

    /**
     * Opens the object if it exists (and is at least {@code size} bytes), else creates it.
     * Two processes racing here end up with the same object.
     *
     * @param name the object's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8,
     *     no further {@code '/'} and no NUL
     * @param size the size to create with, and the least size accepted of an existing object;
     *     positive
     * @return the object, mapped read-write; the caller closes it
     * @throws IpcException with {@code INCOMPATIBLE_LAYOUT} if the existing object is smaller than
     *     {@code size}, or another reason
     */
    public static SharedMemory openOrCreate(String name, long size) throws IpcException {
        return builder(name).size(size).openOrCreate();
    }

    /**
     * {@return a builder for the object called {@code name}, checked at once}
     *
     * @param name the object's name: {@code '/'} then 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8,
     *     no further {@code '/'} and no NUL
     */
    public static Builder builder(String name) {
        return new Builder(Names.check(KIND, name, MAX_NAME_BYTES));
    }

    /**
     * Removes the name; processes that have it mapped keep their memory.
     *
     * @param name the object's name, checked as by {@link #create(String, long)}
     * @return {@code true} if the name existed and was removed, {@code false} if it did not exist
     * @throws IpcException for any other failure, such as {@code PERMISSION_DENIED}
     */
    public static boolean unlink(String name) throws IpcException {
        Names.check(KIND, name, MAX_NAME_BYTES);
        try (Arena a = Arena.ofConfined()) {
            int r = Mman.shmUnlink(a.allocateFrom(name));
            if (r == -Errno.ENOENT) {
                return false;
            }
            Errno.check(r, "shm_unlink", name);
            return true;
        }
    }

    /** The seals every sealed object carries: its size is fixed for good, by anyone. */
    private static final int SIZE_SEALS = Mman.F_SEAL_SHRINK | Mman.F_SEAL_GROW;

    /**
     * Creates sealed anonymous shared memory: {@code size} zeroed bytes with no name in any
     * file system ({@code memfd_create}), sealed so that nobody, this process included, can
     * shrink or grow it ({@code F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL}). No peer can pull
     * the memory away from under a lock or ring (the SIGBUS a named object allows), and it
     * vanishes by itself when the last process holding a descriptor or mapping ends, even by
     * {@code kill -9}: nothing is left in {@code /dev/shm}.
     *
     * <p>Other processes get it through its {@link #descriptor()}: a child by
     * {@code Spawn.mapDescriptor(n, shm.descriptor())}, then {@link #fromDescriptor(int)};
     * an unrelated process over a Unix socket by {@link #sendTo(int)} and
     * {@link #receiveFrom(int)}. {@link #name()} is {@code "(sealed anonymous)"}.
     *
     * @param size the size in bytes; positive, and fixed for the memory's life
     * @return the new memory, mapped read-write and filled with zeros; the caller closes it
     * @throws IllegalArgumentException if {@code size} is not positive
     * @throws IpcException if {@code memfd_create}, sizing, sealing or mapping fails (such as
     *     {@code LIMIT_EXCEEDED} when memory runs out)
     */
    public static SharedMemory anonymous(long size) throws IpcException {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive, not " + size);
        }
        int fd = Errno.check(Mman.memfdCreate("jipc", Mman.MFD_CLOEXEC | Mman.MFD_ALLOW_SEALING), "memfd_create", ANONYMOUS);
        try {
            Errno.check(Fds.ftruncate(fd, size), "ftruncate", ANONYMOUS);
            Errno.check(Mman.addSeals(fd, SIZE_SEALS | Mman.F_SEAL_SEAL), "fcntl(F_ADD_SEALS)", ANONYMOUS);
        } catch (IpcException | RuntimeException e) {
            Fds.close(fd);
            throw e;
        }
        return mapDescriptor(fd, size, ANONYMOUS);
    }

    /**
     * Maps sealed anonymous memory whose descriptor this process received (mapped into it
     * by a parent's {@code Spawn}, or from {@link #receiveFrom(int)}), at its full size.
     * The returned object owns {@code fd} and closes it (also if mapping fails).
     *
     * @param fd an open descriptor of sealed anonymous memory, which the returned object owns
     * @return the memory, mapped read-write at its full size; the caller closes it
     * @throws IpcException with {@code INCOMPATIBLE_LAYOUT} if {@code fd} is not memory
     *                      sealed against shrinking and growing: a peer could still pull it
     *                      away, so it is refused (and {@code fd} left open to the caller)
     */
    public static SharedMemory fromDescriptor(int fd) throws IpcException {
        long size = checkSealed(fd);
        Fds.fcntl(fd, Fds.F_SETFD, Fds.FD_CLOEXEC);  // inherited without it: not for our own children
        return mapDescriptor(fd, size, ANONYMOUS);
    }

    /** {@return the size of {@code fd}} if it is memory sealed against shrinking and growing. */
    private static long checkSealed(int fd) throws IpcException {
        int seals = Mman.seals(fd);
        if (seals < 0 && seals != -Errno.EINVAL) {
            throw Errno.exception("fcntl(F_GET_SEALS)", ANONYMOUS, -seals);
        }
        if (seals < 0 || (seals & SIZE_SEALS) != SIZE_SEALS) {
            throw new IpcException("fcntl(F_GET_SEALS)", "descriptor " + fd, 0, null,
                    "not shared memory sealed against shrinking and growing, which a peer could pull away",
                    IpcException.Reason.INCOMPATIBLE_LAYOUT);
        }
        long size = Fds.fstat(fd, "fstat", ANONYMOUS).size();
        if (size <= 0) {
            throw new IpcException("fstat", ANONYMOUS, 0, null, "sealed memory of size " + size,
                    IpcException.Reason.INCOMPATIBLE_LAYOUT);
        }
        return size;
    }

    /**
     * Receives sealed anonymous memory sent by {@link #sendTo(int)} on the connected Unix
     * socket {@code unixSocket}; blocks until it comes.
     *
     * @param unixSocket the descriptor of a connected Unix stream socket; it stays open and the
     *     caller's
     * @return the received memory, mapped read-write; the caller closes it
     * @throws IpcException with {@code BROKEN_PIPE} if the peer closed the socket first, or
     *                      as {@link #fromDescriptor(int)}
     */
    public static SharedMemory receiveFrom(int unixSocket) throws IpcException {
        int[] fds = new int[1];
        int n;
        do {
            n = UnixSockets.recvFds(unixSocket, fds);
        } while (n == -Errno.EINTR);
        if (n == UnixSockets.END_OF_STREAM) {
            throw new IpcException("recvmsg", "socket " + unixSocket, 0, null,
                    "the peer closed the socket before sending shared memory", IpcException.Reason.BROKEN_PIPE);
        }
        Errno.check(n, "recvmsg", "socket " + unixSocket);
        if (n != 1) {
            throw new IpcException("recvmsg", "socket " + unixSocket, 0, null, "no descriptor came with the message",
                    IpcException.Reason.INCOMPATIBLE_LAYOUT);
        }
        try {
            checkSealed(fds[0]);
        } catch (IpcException | RuntimeException e) {
            Fds.close(fds[0]);
            throw e;
        }
        return fromDescriptor(fds[0]);
    }

    /**
     * Sends this memory's descriptor over the connected Unix socket {@code unixSocket}
     * ({@code SCM_RIGHTS}); the peer maps it with {@link #receiveFrom(int)}. Only sealed
     * anonymous memory is sent: a named object is opened by its name.
     *
     * @param unixSocket the descriptor of a connected Unix stream socket; it stays open and the
     *     caller's
     * @throws IllegalStateException if this is a named object or is closed
     * @throws IpcException          if {@code sendmsg} fails ({@code BROKEN_PIPE} once the peer is gone)
     */
    public void sendTo(int unixSocket) throws IpcException {
        Errno.check(UnixSockets.sendFd(unixSocket, descriptor()), "sendmsg", "socket " + unixSocket);
    }

    /**
     * {@return the descriptor of sealed anonymous memory, to map into a child
     * ({@code Spawn.mapDescriptor}); valid until {@link #close()}} It is close-on-exec here.
     *
     * @throws IllegalStateException if this is a named object (open it by name) or is closed
     */
    public int descriptor() {
        if (!name.equals(ANONYMOUS)) {
            throw new IllegalStateException(name + " is a named object: other processes open it by its name");
        }
        if (!isOpen()) {
            throw new IllegalStateException(this + " is closed");
        }
        return mapping.fd();
    }

    /** {@return the whole mapping; it stays valid until {@link #close()}} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return the mapped size in bytes} */
    public long size() {
        return size;
    }

    /** {@return the name, with its leading slash} */
    public String name() {
        return name;
    }

    /**
     * Checks that the object still covers the whole mapping: that no process has shrunk it
     * ({@code ftruncate}) since it was mapped. One {@code fstat}. Locks built on this
     * memory make the same check before they sleep and when they wake.
     *
     * @throws IpcException          with {@code INCOMPATIBLE_LAYOUT} if the object is now
     *                               smaller than the mapping: touching the memory past its end
     *                               would kill this JVM (SIGBUS), so stop using it
     * @throws IllegalStateException if this object is closed
     */
    public void checkSize() throws IpcException {
        if (!isOpen()) {
            throw new IllegalStateException(this + " is closed");
        }
        mapping.check();
    }

    /** {@return whether the mapping is still in place} */
    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /**
     * Unmaps the memory. Idempotent; never fails. Every segment handed out becomes
     * inaccessible. If another thread is inside a native call that holds a segment of this
     * memory, waits until it has returned (such calls in jipc never block).
     */
    @Override
    public void close() {
        synchronized (this) {
            while (arena.scope().isAlive()) {
                try {
                    arena.close();
                } catch (IllegalStateException inUse) {
                    // A downcall holds the arena for a moment: let it finish.
                    Thread.yield();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "SharedMemory[" + name + ", " + size + " bytes" + (isOpen() ? "" : ", closed") + "]";
    }

    /**
     * Chooses how to create or open an object. {@link #size(long)} is the size to create
     * with, and on open the least size accepted; {@link #mode(int)} applies on create.
     */
    public static final class Builder {
        private final String name;
        private long size = -1;
        private int mode = DEFAULT_MODE;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Size in bytes: used on create, required as a minimum on open. Must be positive.
         *
         * @param bytes the size in bytes; positive
         * @return this builder
         */
        public Builder size(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("size of " + name + " must be positive, not " + bytes);
            }
            this.size = bytes;
            return this;
        }

        /**
         * Permission bits for a created object (default 0600), applied exactly, whatever the umask.
         *
         * @param mode the permission bits, {@code 0} to {@code 0777}; an object that is to be
         *     shared between users needs more than {@code 0600}
         * @return this builder
         * @throws IllegalArgumentException if {@code mode} has bits beyond {@code 0777}
         */
        public Builder mode(int mode) {
            this.mode = Creation.checkMode(mode);
            return this;
        }

        /**
         * Creates the object; fails with {@code ALREADY_EXISTS} if the name is taken.
         *
         * @return the new object, mapped read-write and filled with zeros; the caller closes it
         * @throws IllegalStateException if no {@link #size(long)} was given
         * @throws IpcException with {@code ALREADY_EXISTS} if the name is taken, or another reason
         */
        public SharedMemory create() throws IpcException {
            requireSize();
            try (Arena a = Arena.ofConfined()) {
                int fd = Errno.check(Mman.shmOpen(a.allocateFrom(name),
                        Fds.O_RDWR | Fds.O_CREAT | Fds.O_EXCL | Fds.O_CLOEXEC, mode), "shm_open", name);
                boolean handedOver = false;
                boolean ok = false;
                try {
                    Errno.check(Fds.fchmod(fd, mode), "fchmod", name);
                    Errno.check(Fds.ftruncate(fd, size), "ftruncate", name);
                    handedOver = true;
                    SharedMemory shm = map(fd, size);
                    ok = true;
                    return shm;
                } finally {
                    if (!handedOver) {
                        Fds.close(fd);
                    }
                    if (!ok) {
                        Mman.shmUnlink(a.allocateFrom(name));
                    }
                }
            }
        }

        /**
         * Opens the existing object; fails with {@code DOES_NOT_EXIST} if there is none.
         *
         * @return the object, mapped read-write; the caller closes it
         * @throws IpcException with {@code DOES_NOT_EXIST} if there is none,
         *     {@code INCOMPATIBLE_LAYOUT} if it is smaller than a {@link #size(long)} given,
         *     {@code CREATOR_DIED} if it still has size 0 after 2 s
         */
        public SharedMemory open() throws IpcException {
            try (Arena a = Arena.ofConfined()) {
                int fd = Errno.check(Mman.shmOpen(a.allocateFrom(name), Fds.O_RDWR | Fds.O_CLOEXEC, 0),
                        "shm_open", name);
                long length;
                try {
                    length = awaitSize(fd);
                } catch (IpcException | RuntimeException e) {
                    Fds.close(fd);
                    throw e;
                }
                return map(fd, length);
            }
        }

        /**
         * Opens the object, or creates it if there is none.
         *
         * @return the object, mapped read-write; the caller closes it
         * @throws IllegalStateException if no {@link #size(long)} was given
         * @throws IpcException with {@code INCOMPATIBLE_LAYOUT} if the existing object is smaller
         *     than the size given, or another reason
         */
        public SharedMemory openOrCreate() throws IpcException {
            requireSize();
            return Creation.openOrCreate(this::create, this::open);
        }

        private void requireSize() {
            if (size < 0) {
                throw new IllegalStateException("creating " + name + " needs a size: call size(bytes) first");
            }
        }

        /**
         * A creator makes the object (size 0) and then sizes it: an opener that comes in
         * between waits a little for the size instead of mapping nothing.
         */
        private long awaitSize(int fd) throws IpcException {
            long actual = sizeIfSized(fd);
            if (actual == 0) {
                // A few yields, then 1 ms naps: jipc's one wait loop, with nobody to signal it.
                Long sized;
                try {
                    sized = Wait.until(() -> {
                        long a = sizeIfSized(fd);
                        return a > 0 ? a : null;
                    }, Nap.MILLISECOND, WaitStrategy.spinThenSleep(0, 100), Deadline.afterNanos(2_000_000_000L),
                            null, Wait.Interrupts.IGNORE);
                } catch (IpcException e) {
                    throw e;
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError("fstat throws IpcException only, and the wait ignores interrupts", e);
                }
                if (sized == null) {
                    throw new IpcException("shm_open", name,
                            "object still has size 0 after 2 s: its creator died or never sized it",
                            IpcException.Reason.CREATOR_DIED);
                }
                actual = sized;
            }
            if (size > 0 && actual < size) {
                throw new IpcException("shm_open", name, "object is " + actual
                        + " bytes, smaller than the " + size + " required", IpcException.Reason.INCOMPATIBLE_LAYOUT);
            }
            return actual;
        }

        private long sizeIfSized(int fd) throws IpcException {
            return Fds.fstat(fd, "fstat", name).size();
        }

        private SharedMemory map(int fd, long length) throws IpcException {
            return mapDescriptor(fd, length, name);
        }
    }

    /**
     * Maps {@code fd}, which the result then owns (kept open to check the size); on failure
     * {@code fd} is closed here, so the caller closes it only if it never got this far.
     */
    private static SharedMemory mapDescriptor(int fd, long length, String name) throws IpcException {
        long address = Mman.mmapShared(fd, length);
        if (address < 0) {
            Fds.close(fd);
            throw Errno.exception("mmap", name, (int) -address);
        }
        Mapping mapping = new Mapping(fd, address, length, name);
        try {
            mapping.check();  // a shrink between fstat and mmap: refuse before anyone touches it
        } catch (IpcException e) {
            mapping.release();
            throw e;
        }
        Arena arena = Arena.ofShared();
        // The mapping goes when close() closes the arena or, never closed, when the arena's
        // scope is unreachable: that is, when this object and every segment are.
        Reclaim.Handle unmap = Reclaim.whenUnreachable(arena.scope(), mapping::release);
        MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(length, arena, unused -> unmap.run());
        Mappings.register(arena.scope(), mapping);
        return new SharedMemory(name, length, arena, segment, mapping);
    }

    /** The kernel side of a mapping: its address, length and the object's descriptor. */
    private static final class Mapping implements Mappings.SizeCheck {
        private final long address;
        private final long length;
        private final String name;
        private int fd;

        Mapping(int fd, long address, long length, String name) {
            this.fd = fd;
            this.address = address;
            this.length = length;
            this.name = name;
        }

        /** Under the monitor, so the descriptor cannot be closed (and its number reused) mid-check. */
        @Override
        public synchronized void check() throws IpcException {
            if (fd < 0) {
                return;  // unmapped: every segment refuses access already
            }
            long now = Fds.fstat(fd, "fstat", name).size();
            if (now < length) {
                throw new IpcException("fstat", name, "object was shrunk to " + now + " bytes by another "
                        + "process; " + length + " bytes are mapped, and touching them past the end would kill this "
                        + "JVM (SIGBUS)", IpcException.Reason.INCOMPATIBLE_LAYOUT);
            }
        }

        synchronized int fd() {
            return fd;
        }

        synchronized void release() {
            if (fd >= 0) {
                Mman.munmap(address, length);
                Fds.close(fd);
                fd = -1;
            }
        }
    }
}
