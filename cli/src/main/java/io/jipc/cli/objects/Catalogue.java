package io.jipc.cli.objects;

import io.jipc.IpcException;
import io.jipc.mq.MessageQueue;
import io.jipc.sync.Semaphore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The named IPC objects of this machine at one moment: what /dev/shm and the mqueue file
 * system list, what each holds, and which processes hold each. The holders are looked up
 * last, after this process has closed everything it opened to look inside, so it never
 * counts itself as a holder of what it merely inspected.
 */
public final class Catalogue {
    private static final Path SHM = Path.of("/dev/shm");
    private static final String SEMAPHORE_PREFIX = "sem.";
    /** sizeof(sem_t) on 64-bit Linux: a smaller file is no semaphore and must not be mapped as one. */
    private static final long SEMAPHORE_FILE_LENGTH = 32;
    private static final Pattern QSIZE = Pattern.compile("QSIZE:(\\d+)");

    /**
     * One object with what is known about it.
     *
     * @param object        the object
     * @param holders       the processes seen with it mapped or open
     * @param holdersKnown  whether every process that could hold it was looked at
     * @param header        the layout an inspector recognised (shared memory only)
     * @param state         what the object holds now: "value 3", "2 messages", or empty
     */
    public record Entry(IpcObject object, List<Holder> holders, boolean holdersKnown,
                        Optional<ObjectInspector.Header> header, String state) {
        /**
         * Stale: no live process has it mapped or open, as far as every process could be
         * looked at, and if its header names a creator, that creator is dead.
         */
        public boolean isStale() {
            return holdersKnown && holders.isEmpty() && header.map(Catalogue::creatorDead).orElse(true);
        }

        /** {@return why it is stale, or why not, in a few words} */
        public String reason() {
            if (!holdersKnown) {
                return "holders unknown: not every process could be looked at";
            }
            if (!holders.isEmpty()) {
                return "held by " + holders.stream().map(Holder::toString).collect(Collectors.joining(", "));
            }
            Optional<Long> creator = header.flatMap(h -> h.creatorPid().isPresent()
                    ? Optional.of(h.creatorPid().getAsLong()) : Optional.empty());
            if (creator.isPresent()) {
                return isStale() ? "no holder, and its creator (pid " + creator.get() + ") is dead"
                        : "no holder, but its creator (pid " + creator.get() + ") runs";
            }
            return "no process has it mapped or open";
        }
    }

    private final List<Entry> entries;
    private final Optional<Path> mqueueDir;
    private final int uninspectable;
    private final boolean pidsHidden;

    private Catalogue(List<Entry> entries, Optional<Path> mqueueDir, int uninspectable, boolean pidsHidden) {
        this.entries = entries;
        this.mqueueDir = mqueueDir;
        this.uninspectable = uninspectable;
        this.pidsHidden = pidsHidden;
    }

    /** Takes stock of every object, inspecting shared memory with {@code inspectors}. */
    public static Catalogue take(List<ObjectInspector> inspectors) throws IOException {
        return take(inspectors, name -> true);
    }

    /**
     * Takes stock of the objects whose names {@code wanted} accepts (the name with its
     * leading slash), inspecting shared memory with {@code inspectors}.
     */
    public static Catalogue take(List<ObjectInspector> inspectors, Predicate<String> wanted) throws IOException {
        Optional<Path> mqueue = MqueueMount.find();
        List<IpcObject> objects = new ArrayList<>(list(SHM, false, wanted));
        if (mqueue.isPresent()) {
            objects.addAll(list(mqueue.get(), true, wanted));
        }
        objects.sort(Comparator.comparing(IpcObject::kind).thenComparing(IpcObject::name));
        List<Optional<ObjectInspector.Header>> headers = new ArrayList<>();
        List<String> states = new ArrayList<>();
        for (IpcObject o : objects) {
            headers.add(o.kind() == IpcKind.SHM ? inspect(o, inspectors) : Optional.empty());
            states.add(state(o));
        }
        ProcessScan scan = ProcessScan.of(objects.stream().map(IpcObject::key).collect(Collectors.toSet()));
        int me = myUid();
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            IpcObject o = objects.get(i);
            // Of an owner-only object, only the owner's processes (which we see) and root's can hold it.
            boolean known = scan.complete() || (o.uid() == me && (o.mode() & 077) == 0);
            entries.add(new Entry(o, scan.holders(o.key()), known, headers.get(i), states.get(i)));
        }
        return new Catalogue(List.copyOf(entries), mqueue, scan.uninspectable(), scan.pidsHidden());
    }

    /** {@return the objects, by kind and name} */
    public List<Entry> entries() {
        return entries;
    }

    /** {@return where queues were listed from; empty if no mqueue file system is mounted} */
    public Optional<Path> mqueueDir() {
        return mqueueDir;
    }

    /** {@return how many processes could not be looked at, since they are not this user's} */
    public int uninspectable() {
        return uninspectable;
    }

    /** {@return whether /proc hides other users' processes from this one altogether} */
    public boolean pidsHidden() {
        return pidsHidden;
    }

    private static List<IpcObject> list(Path dir, boolean queues, Predicate<String> wanted) throws IOException {
        List<IpcObject> objects = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                IpcKind kind = queues ? IpcKind.QUEUE
                        : fileName.startsWith(SEMAPHORE_PREFIX) && fileName.length() > SEMAPHORE_PREFIX.length()
                        ? IpcKind.SEMAPHORE : IpcKind.SHM;
                String name = "/" + (kind == IpcKind.SEMAPHORE ? fileName.substring(SEMAPHORE_PREFIX.length())
                        : fileName);
                if (!wanted.test(name)) {
                    continue;
                }
                try {
                    Map<String, Object> a = Files.readAttributes(file, "unix:*", LinkOption.NOFOLLOW_LINKS);
                    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    long size = queues ? queuedBytes(file) : (long) a.get("size");
                    objects.add(new IpcObject(kind, name, file, new FileKey((long) a.get("dev"), (long) a.get("ino")),
                            size, (int) a.get("mode") & 07777, (int) a.get("uid"), Owners.owner(file)));
                } catch (NoSuchFileException e) {
                    // Removed while we looked.
                }
            }
        }
        return objects;
    }

    /** A queue's file reads "QSIZE:42 NOTIFY:0 SIGNO:0 NOTIFY_PID:0": QSIZE is the bytes waiting. */
    private static long queuedBytes(Path file) throws IOException {
        Matcher m = QSIZE.matcher(Files.readString(file));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static Optional<ObjectInspector.Header> inspect(IpcObject o, List<ObjectInspector> inspectors) {
        if (inspectors.isEmpty() || o.size() == 0) {
            return Optional.empty();
        }
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(o.size(), ObjectInspector.HEAD_LENGTH))
                .order(ByteOrder.nativeOrder());
        try (FileChannel ch = FileChannel.open(o.file(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (head.hasRemaining() && ch.read(head) > 0) {
                // Read until the head is full or the file ends.
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        head.flip();
        for (ObjectInspector inspector : inspectors) {
            try {
                Optional<ObjectInspector.Header> h = inspector.inspect(head.asReadOnlyBuffer()
                        .order(ByteOrder.nativeOrder()), o.size());
                if (h.isPresent()) {
                    return h;
                }
            } catch (RuntimeException e) {
                // A broken inspector must not break the listing: it simply recognised nothing.
            }
        }
        return Optional.empty();
    }

    /** What a semaphore or queue holds now, through the same calls any program would use. */
    private static String state(IpcObject o) {
        try {
            if (o.kind() == IpcKind.SEMAPHORE && o.size() >= SEMAPHORE_FILE_LENGTH) {
                try (Semaphore s = Semaphore.open(o.name())) {
                    return "value " + s.value();
                }
            }
            if (o.kind() == IpcKind.QUEUE) {
                try (MessageQueue q = MessageQueue.open(o.name())) {
                    int n = q.attributes().currentMessages();
                    return n + (n == 1 ? " message" : " messages");
                }
            }
        } catch (IpcException | IllegalArgumentException e) {
            // Not ours to open, or gone: the listing shows what the file says.
        }
        return "";
    }

    private static boolean creatorDead(ObjectInspector.Header h) {
        OptionalLong pid = h.creatorPid();
        return pid.isEmpty() || !Processes.isAlive(pid.getAsLong(), h.creatorStartTime());
    }

    private static int myUid() {
        try {
            return (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@return the entries whose names match one of {@code globs} ("jipc-*"), or all if there are none} */
    public static Predicate<String> matching(List<String> globs) {
        if (globs == null || globs.isEmpty()) {
            return name -> true;
        }
        List<Pattern> patterns = globs.stream().map(Catalogue::globToRegex).toList();
        return name -> patterns.stream().anyMatch(p -> p.matcher(name.substring(1)).matches());
    }

    /** '*' is any run of characters, '?' one character; a leading '/' is ignored. */
    private static Pattern globToRegex(String glob) {
        String g = glob.startsWith("/") ? glob.substring(1) : glob;
        StringBuilder r = new StringBuilder();
        for (char c : g.toCharArray()) {
            switch (c) {
                case '*' -> r.append(".*");
                case '?' -> r.append('.');
                default -> r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(r.toString(), Pattern.DOTALL);
    }
}
