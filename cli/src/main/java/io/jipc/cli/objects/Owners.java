package io.jipc.cli.objects;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;

/** The mode and owner of an object's file, as {@code ls -l} would name them. */
public final class Owners {
    private Owners() {
    }

    /** {@return the permission bits of {@code file} in octal, such as "0600"} */
    public static String mode(Path file) throws IOException {
        int mode = (int) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return String.format(Locale.ROOT, "%04o", mode & 07777);
    }

    /** {@return the user name of {@code file}'s owner, or its uid if it has none} */
    public static String owner(Path file) throws IOException {
        return Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName();
    }
}
