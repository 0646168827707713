package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads libjipc.so, which travels inside the jar.
 *
 * <p>The library is extracted once per content hash into a directory only this user
 * can enter (0700, owned by us; anything else is refused, since a library another
 * user could replace would run as us). Later runs find it there and load it directly;
 * writing a new version removes the folders of earlier ones (those untouched for
 * {@value #OLD_VERSION_MINUTES} minutes, so a JVM of the old version starting now is
 * not robbed mid-load). {@code System.load} is used rather than a {@code SymbolLookup}
 * of our own because jextract's generated code resolves symbols through the class
 * loader's lookup.
 *
 * <p>Where it goes, in order: {@code $XDG_CACHE_HOME/jipc} or {@code ~/.cache/jipc},
 * then {@code java.io.tmpdir/jipc-UID}, then an anonymous memory file
 * ({@code memfd_create}, loaded as {@code /proc/self/fd/N}). A directory on a
 * {@code noexec} mount (common for /tmp and home directories on hardened machines)
 * cannot hold code that is loaded, so each failure moves to the next place, and if
 * none works the error lists what was tried and why each failed.
 * {@code -Djipc.library.path=/path/libjipc.so} skips all of this.
 */
final class NativeLibrary {
    private static final String RESOURCE = "/io/jipc/native/linux-x86_64/libjipc.so";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    /** The name of a version folder: the first 24 hex digits of the library's SHA-256. */
    private static final Pattern VERSION_FOLDER = Pattern.compile("[0-9a-f]{24}");
    static final int OLD_VERSION_MINUTES = 10;
    /** From linux/memfd.h; the descriptor must not leak into children spawned meanwhile. */
    private static final int MFD_CLOEXEC = 1;

    private NativeLibrary() {
    }

    private static volatile boolean loaded;
    private static volatile String origin = "not loaded";

    static void ensureLoaded() {
        if (!loaded) {
            load();
        }
    }

    /** {@return where libjipc.so was loaded from, and what failed before, for diagnostics} */
    static String origin() {
        return origin;
    }

    /**
     * Fails on a platform this build of jipc does not support, before anything touches a
     * binding: the bindings, struct layouts and constants were generated for Linux on x86-64
     * and would give silently wrong answers elsewhere.
     *
     * @throws UnsupportedOperationException naming the platform found and the one needed
     */
    static void checkPlatform() {
        String problem = unsupported(System.getProperty("os.name"), System.getProperty("os.arch"));
        if (problem != null) {
            throw new UnsupportedOperationException(problem);
        }
    }

    /** {@return why {@code os}/{@code arch} cannot run jipc, or null if it can} */
    static String unsupported(String os, String arch) {
        if ("Linux".equals(os) && ("amd64".equals(arch) || "x86_64".equals(arch))) {
            return null;
        }
        return "jipc supports only Linux on x86-64 (its bindings and libjipc.so are built for it), not "
                + os + " on " + arch;
    }

    private static synchronized void load() {
        if (loaded) {
            return;
        }
        checkPlatform();
        String override = System.getProperty("jipc.library.path");
        if (override != null) {
            Path lib = Path.of(override).toAbsolutePath();
            System.load(lib.toString());
            finish(lib + " (jipc.library.path)");
            return;
        }
        byte[] bytes = readResource();
        String hash = sha256(bytes).substring(0, 24);
        List<String> tried = new ArrayList<>();
        for (Path base : candidateDirectories(tried)) {
            try {
                Path lib = extract(base, hash, bytes);
                System.load(lib.toString());
                removeOldVersions(base, hash);
                finish(lib + describe(tried));
                return;
            } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
                tried.add(base + ": " + e.getMessage());
            }
        }
        try {
            finish(loadFromMemoryFile(bytes) + describe(tried));
        } catch (IOException | UnsatisfiedLinkError | RuntimeException e) {
            tried.add("memfd_create: " + e.getMessage());
            throw new UnsatisfiedLinkError("cannot load libjipc.so; tried " + String.join("; ", tried)
                    + ". Set -Djipc.library.path to a copy on a file system that allows executables");
        }
    }

    private static String describe(List<String> tried) {
        return tried.isEmpty() ? "" : " (after: " + String.join("; ", tried) + ")";
    }

    private static void finish(String where) {
        int abi = jipc_bindings_h.jipc_abi_version();
        if (abi != jipc_bindings_h.JIPC_ABI_VERSION()) {
            throw new UnsatisfiedLinkError(where + " has ABI version " + abi + ", this jar needs "
                    + jipc_bindings_h.JIPC_ABI_VERSION());
        }
        origin = where;
        loaded = true;
    }

    private static byte[] readResource() {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("libjipc.so is missing from the jar (" + RESOURCE
                        + "); was native/ built?");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }

    /** {@return base/hash/libjipc.so, written there unless an intact copy is already there} */
    private static Path extract(Path base, String hash, byte[] bytes) throws IOException {
        Path dir = base.resolve(hash);
        createPrivate(dir);
        Path target = dir.resolve("libjipc.so");
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == bytes.length) {
            return target;
        }
        Path tmp = Files.createTempFile(dir, "libjipc", ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /**
     * Removes the folders of other versions next to the one in use, once they have been
     * left alone a while. Best effort: a folder that cannot be removed stays.
     */
    static void removeOldVersions(Path base, String current) {
        Instant before = Instant.now().minus(Duration.ofMinutes(OLD_VERSION_MINUTES));
        try (Stream<Path> entries = Files.list(base)) {
            for (Path dir : (Iterable<Path>) entries::iterator) {
                String name = dir.getFileName().toString();
                if (name.equals(current) || !VERSION_FOLDER.matcher(name).matches()
                        || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                FileTime modified = Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS);
                if (modified.toInstant().isBefore(before)) {
                    removeVersionFolder(dir);
                }
            }
        } catch (IOException | SecurityException e) {
            // Nothing lost but disk space.
        }
    }

    private static void removeVersionFolder(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** The private directories to try, in order; why one could not be made goes to {@code tried}. */
    private static List<Path> candidateDirectories(List<String> tried) {
        List<Path> dirs = new ArrayList<>();
        String xdg = System.getenv("XDG_CACHE_HOME");
        String home = System.getProperty("user.home");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg)
                : home != null && !home.equals("?") ? Path.of(home, ".cache") : null;
        if (base != null) {
            Path dir = base.resolve("jipc");
            try {
                Files.createDirectories(base);
                createPrivate(dir);
                dirs.add(dir);
            } catch (IOException | SecurityException e) {
                tried.add(dir + ": " + e.getMessage());  // home not writable: a service user such as nobody
            }
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "jipc-" + Procs.geteuid());
        try {
            createPrivate(dir);
            dirs.add(dir);
        } catch (IOException | SecurityException e) {
            tried.add(dir + ": " + e.getMessage());
        }
        return dirs;
    }

    /**
     * The last resort when every directory is on a noexec mount: an anonymous memory file
     * lives on the kernel's internal mount, which allows executables (unless the
     * vm.memfd_noexec sysctl forbids it), and disappears with the process.
     *
     * <p>memfd_create is linked by hand here, from libc's default lookup, because this runs
     * before anything else of jipc is set up and needs nothing else of it; it is not the
     * general memfd wrapper, which lives with the other descriptor calls.
     */
    private static String loadFromMemoryFile(byte[] bytes) throws IOException {
        Linker linker = Linker.nativeLinker();
        MethodHandle memfdCreate = linker.downcallHandle(
                linker.defaultLookup().find("memfd_create").orElseThrow(() -> new IOException("libc has no memfd_create")),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) memfdCreate.invokeExact(arena.allocateFrom("libjipc.so"), MFD_CLOEXEC);
        } catch (Throwable t) {
            throw new IOException("memfd_create failed", t);
        }
        if (fd < 0) {
            throw new IOException("memfd_create failed");
        }
        try {
            Path path = Path.of("/proc/self/fd", Integer.toString(fd));
            Files.write(path, bytes);
            System.load(path.toString());
            return "an anonymous memory file (memfd " + fd + ")";
        } finally {
            Fds.close(fd);  // the loaded mapping keeps the memory
        }
    }

    private static void createPrivate(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // Checked below: it must be ours and private.
        }
        PosixFileAttributes attrs = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isDirectory()) {
            throw new IOException(dir + " is not a directory");
        }
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != Procs.geteuid()) {
            throw new IOException(dir + " belongs to uid " + owner + ", not to us; refusing to load code from it");
        }
        if (!attrs.permissions().equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(dir, OWNER_ONLY);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
