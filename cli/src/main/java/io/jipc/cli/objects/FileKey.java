package io.jipc.cli.objects;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which file an object is, whatever name reaches it: its device and inode. A mapping in
 * /proc/PID/maps and a descriptor in /proc/PID/fd name the file they hold this way, so a
 * holder is matched to the object itself, not to a name that may have been removed and
 * made anew.
 *
 * @param dev the device, encoded as {@code st_dev} (glibc's {@code makedev})
 * @param ino the inode number
 */
record FileKey(long dev, long ino) {
    /** {@return the key of {@code path}, following symbolic and /proc magic links} */
    static FileKey of(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino");
        return new FileKey((long) a.get("dev"), (long) a.get("ino"));
    }

    /** {@return the key a /proc/PID/maps line gives as "fe:01" (hex major:minor) and an inode} */
    static FileKey ofMaps(String device, long ino) {
        int colon = device.indexOf(':');
        long major = Long.parseLong(device.substring(0, colon), 16);
        long minor = Long.parseLong(device.substring(colon + 1), 16);
        return new FileKey(makedev(major, minor), ino);
    }

    /** Linux's encoding of a device number, as glibc's {@code gnu_dev_makedev}. */
    static long makedev(long major, long minor) {
        return (major & 0xfffL) << 8 | (major & ~0xfffL) << 32 | minor & 0xffL | (minor & ~0xffL) << 12;
    }
}
