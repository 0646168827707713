package io.jipc.cli.objects;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One pass over /proc: which processes have which of some files mapped
 * (/proc/PID/maps) or open (/proc/PID/fd). Processes of other users can only be looked
 * at by root; those are counted, so that "no holder seen" is not mistaken for "no holder".
 */
final class ProcessScan {
    private static final Path PROC = Path.of("/proc");

    private final Map<FileKey, Set<Holder>> holders;
    private final int uninspectable;
    private final boolean pidsHidden;

    private ProcessScan(Map<FileKey, Set<Holder>> holders, int uninspectable, boolean pidsHidden) {
        this.holders = holders;
        this.uninspectable = uninspectable;
        this.pidsHidden = pidsHidden;
    }

    /** Looks for holders of the files in {@code wanted}. */
    static ProcessScan of(Set<FileKey> wanted) throws IOException {
        Map<FileKey, Set<Holder>> found = new HashMap<>();
        int uninspectable = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, p -> isPid(p.getFileName().toString()))) {
            for (Path proc : procs) {
                int pid = Integer.parseInt(proc.getFileName().toString());
                try {
                    Set<FileKey> held = new HashSet<>();
                    mapped(proc, wanted, held);
                    open(proc, wanted, held);
                    if (!held.isEmpty()) {
                        Holder h = new Holder(pid, command(proc));
                        for (FileKey k : held) {
                            found.computeIfAbsent(k, x -> new TreeSet<>(Comparator.comparingInt(Holder::pid))).add(h);
                        }
                    }
                } catch (NoSuchFileException e) {
                    // The process ended while we looked: it holds nothing any more.
                } catch (IOException e) {
                    // Not ours to look at (EACCES), or gone (ESRCH): only the latter means it holds nothing.
                    if (Files.exists(proc)) {
                        uninspectable++;
                    }
                }
            }
        }
        return new ProcessScan(found, uninspectable, hidepidMounted());
    }

    /** {@return the processes seen holding {@code key}, by pid} */
    List<Holder> holders(FileKey key) {
        return List.copyOf(holders.getOrDefault(key, Collections.emptySet()));
    }

    /** {@return how many processes could not be looked at (not this user's)} */
    int uninspectable() {
        return uninspectable;
    }

    /** {@return whether /proc hides other users' processes altogether (mounted with hidepid)} */
    boolean pidsHidden() {
        return pidsHidden;
    }

    /** {@return whether every process was looked at, so that no holder seen means none} */
    boolean complete() {
        return uninspectable == 0 && !pidsHidden;
    }

    private static void mapped(Path proc, Set<FileKey> wanted, Set<FileKey> held) throws IOException {
        for (String line : Files.readAllLines(proc.resolve("maps"))) {
            // address perms offset dev inode path
            String[] f = line.split("\\s+", 6);
            if (f.length < 6 || f[4].equals("0")) {
                continue;
            }
            FileKey k = FileKey.ofMaps(f[3], Long.parseLong(f[4]));
            if (wanted.contains(k)) {
                held.add(k);
            }
        }
    }

    private static void open(Path proc, Set<FileKey> wanted, Set<FileKey> held) throws IOException {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    // Sockets, pipes and anonymous inodes read as "socket:[123]" and the like.
                    if (!Files.readSymbolicLink(fd).toString().startsWith("/")) {
                        continue;
                    }
                    FileKey k = FileKey.of(fd);
                    if (wanted.contains(k)) {
                        held.add(k);
                    }
                } catch (NoSuchFileException e) {
                    // Closed while we looked.
                }
            }
        }
    }

    private static String command(Path proc) {
        try {
            return Files.readString(proc.resolve("comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static boolean isPid(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** Root sees everything; anyone else sees only their own processes if /proc has hidepid set. */
    private static boolean hidepidMounted() {
        try {
            if ((int) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0) {
                return false;
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 3 && f[1].equals("/proc") && f[2].equals("proc")) {
                    for (String option : f[3].split(",")) {
                        if (option.startsWith("hidepid=") && !option.equals("hidepid=0")
                                && !option.equals("hidepid=off")) {
                            return true;
                        }
                    }
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
