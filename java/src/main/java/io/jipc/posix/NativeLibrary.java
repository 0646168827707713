package io.jipc.posix;

import io.jipc.bindings.jipc_bindings_h;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * Loads libjipc.so, which travels inside the jar.
 *
 * <p>The library is extracted once per content hash into a directory only this user
 * can enter (0700, owned by us; anything else is refused, since a library another
 * user could replace would run as us). Later runs find it there and load it directly.
 * {@code System.load} is used rather than a {@code SymbolLookup} of our own because
 * jextract's generated code resolves symbols through the class loader's lookup.
 */
final class NativeLibrary {
    private static final String RESOURCE = "/io/jipc/native/linux-x86_64/libjipc.so";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private NativeLibrary() {
    }

    private static volatile boolean loaded;

    static void ensureLoaded() {
        if (!loaded) {
            load();
        }
    }

    private static synchronized void load() {
        if (loaded) {
            return;
        }
        String arch = System.getProperty("os.arch");
        if (!System.getProperty("os.name").equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new UnsupportedOperationException("jipc needs Linux on x86-64, not "
                    + System.getProperty("os.name") + "/" + arch);
        }
        String override = System.getProperty("jipc.library.path");
        Path lib = override != null ? Path.of(override) : extract();
        System.load(lib.toAbsolutePath().toString());
        int abi = jipc_bindings_h.jipc_abi_version();
        if (abi != jipc_bindings_h.JIPC_ABI_VERSION()) {
            throw new UnsatisfiedLinkError(lib + " has ABI version " + abi + ", this jar needs "
                    + jipc_bindings_h.JIPC_ABI_VERSION());
        }
        loaded = true;
    }

    private static Path extract() {
        byte[] bytes;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("libjipc.so is missing from the jar (" + RESOURCE
                        + "); was native/ built?");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
        String hash = sha256(bytes).substring(0, 24);
        try {
            Path dir = privateDirectory().resolve(hash);
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
        } catch (IOException e) {
            throw new UncheckedIOException("extracting libjipc.so", e);
        }
    }

    private static Path privateDirectory() throws IOException {
        String xdg = System.getenv("XDG_CACHE_HOME");
        String home = System.getProperty("user.home");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg)
                : home != null && !home.equals("?") ? Path.of(home, ".cache") : null;
        if (base != null) {
            try {
                Path dir = base.resolve("jipc");
                Files.createDirectories(base);
                createPrivate(dir);
                return dir;
            } catch (IOException | SecurityException e) {
                // Home not writable (a service user such as nobody): fall through to tmp.
            }
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "jipc-" + Procs.geteuid());
        createPrivate(dir);
        return dir;
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
