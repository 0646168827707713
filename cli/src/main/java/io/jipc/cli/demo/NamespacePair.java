package io.jipc.cli.demo;

import io.jipc.IpcException;
import io.jipc.cli.Failure;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Spawn;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Two network namespaces, "a" and "b", joined by a veth pair: two machines on this one, each
 * with its own interfaces, addresses, routes and ports, and a virtual cable between them.
 * Made with the {@code ip} command (iproute2), which needs root; every name carries this
 * process's pid. The two ends get {@code 10.231.X.1/30} and {@code 10.231.X.2/30}: private
 * addresses, used only inside these namespaces, and with no route anywhere else.
 *
 * <p>{@link #close()} kills and reaps the programs started in the namespaces, then deletes both
 * namespaces (the veth ends go with them); a shutdown hook does the same if the JVM ends first
 * (Ctrl-C). Each {@code ip} call and the clean-up hold this object's lock, so a Ctrl-C cannot
 * fall between making a namespace and owning it.
 *
 * <p>{@code io.jipc.channel.TcpNamespaceTest} (java module tests) does the same set-up for its
 * own purpose: tests of the library cannot see the command line, so it keeps its own short copy.
 */
final class NamespacePair implements AutoCloseable {
    private static final List<String> IP_PATHS = List.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip");
    /** Far longer than any {@code ip} call takes. */
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(30);

    private final String ip;
    private final String nsA;
    private final String nsB;
    private final String vethA;
    private final String vethB;
    private final String addressA;
    private final String addressB;
    private final PrintWriter log;
    private final Thread cleanupHook;
    private final List<ChildProcess> programs = new ArrayList<>();
    private boolean deleted;

    private NamespacePair(String ip, long id, PrintWriter log) {
        this.ip = ip;
        this.nsA = "jipc-demo-a-" + id;
        this.nsB = "jipc-demo-b-" + id;
        // Interface names have at most 15 characters; a pid has at most 7 digits.
        this.vethA = "jdva" + id % 10_000_000;
        this.vethB = "jdvb" + id % 10_000_000;
        int subnet = (int) (id % 254) + 1;
        this.addressA = "10.231." + subnet + ".1";
        this.addressB = "10.231." + subnet + ".2";
        this.log = log;
        this.cleanupHook = new Thread(this::deleteQuietly, "jipc-netns-cleanup");
    }

    /** {@return why this process cannot make network namespaces, or {@code null} if it can} */
    static String missing() {
        return missing(effectiveUid() == 0, findIp() != null);
    }

    /** {@return what is missing, in one line, or {@code null} if nothing is} */
    static String missing(boolean root, boolean hasIp) {
        if (root && hasIp) {
            return null;
        }
        String needs = !root && !hasIp ? "root and the ip command (iproute2)"
                : !root ? "root" : "the ip command (iproute2)";
        return "demo remote needs " + needs + " to make network namespaces"
                + (root ? "; install iproute2" : "; run it as root, e.g. sudo ./jipc demo remote");
    }

    private static String findIp() {
        return IP_PATHS.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
    }

    /** The effective uid, from /proc: no system call the library does not offer already. */
    private static int effectiveUid() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith("Uid:")).findFirst()
                    .map(l -> Integer.parseInt(l.split("\\s+")[2])).orElse(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Makes both namespaces and the cable, printing each {@code ip} command to {@code log}
     * before it runs.
     *
     * @throws Failure if a step fails (everything made so far is deleted again)
     */
    static NamespacePair create(long id, PrintWriter log) throws IpcException, InterruptedException {
        String why = missing();
        if (why != null) {
            throw new Failure(why);
        }
        NamespacePair pair = new NamespacePair(findIp(), id, log);
        // The hook goes in first, so that no Ctrl-C falls between making and guarding.
        Runtime.getRuntime().addShutdownHook(pair.cleanupHook);
        try {
            pair.step("netns", "add", pair.nsA);
            pair.step("netns", "add", pair.nsB);
            pair.step("link", "add", pair.vethA, "type", "veth", "peer", "name", pair.vethB);
            pair.step("link", "set", pair.vethA, "netns", pair.nsA);
            pair.step("link", "set", pair.vethB, "netns", pair.nsB);
            pair.step("-n", pair.nsA, "addr", "add", pair.addressA + "/30", "dev", pair.vethA);
            pair.step("-n", pair.nsB, "addr", "add", pair.addressB + "/30", "dev", pair.vethB);
            pair.step("-n", pair.nsA, "link", "set", pair.vethA, "up");
            pair.step("-n", pair.nsB, "link", "set", pair.vethB, "up");
            return pair;
        } catch (Throwable t) {
            try {
                pair.close();
            } catch (IpcException | InterruptedException | RuntimeException e) {
                t.addSuppressed(e);
            }
            throw t;
        }
    }

    /** {@return the name of namespace "a"} */
    String a() {
        return nsA;
    }

    /** {@return the name of namespace "b"} */
    String b() {
        return nsB;
    }

    /** {@return the address of a's end of the cable} */
    String addressA() {
        return addressA;
    }

    /** {@return the address of b's end of the cable} */
    String addressB() {
        return addressB;
    }

    /** {@return the name of a's end of the cable} */
    String vethA() {
        return vethA;
    }

    /** {@return the name of b's end of the cable} */
    String vethB() {
        return vethB;
    }

    /** {@return what {@code ip args...} prints (standard output and error)} */
    synchronized String show(String... args) throws IpcException, InterruptedException {
        checkNotDeleted();
        return run(args).output();
    }

    /**
     * Starts a JVM running {@code mainClass} in namespace {@code ns} ({@code ip netns exec}),
     * with this JVM's binary and class path, and {@code stdout} as its standard output. It is
     * killed at {@link #close()} if it still runs.
     */
    synchronized ChildProcess startJava(String ns, Pipe.WriteEnd stdout, Class<?> mainClass, String... args)
            throws IpcException {
        checkNotDeleted();
        List<String> cmd = new ArrayList<>(List.of("netns", "exec", ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED",
                // For Agrona under Aeron (demo remote --transport aeron); harmless to the others.
                "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"));
        String lib = System.getProperty("jipc.library.path");
        if (lib != null) {
            cmd.add("-Djipc.library.path=" + lib);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        cmd.addAll(List.of(args));
        ChildProcess child = Spawn.command(ip, cmd.toArray(String[]::new)).mapDescriptor(1, stdout.fd()).start();
        programs.add(child);
        return child;
    }

    /** Kills the programs started here, deletes both namespaces; idempotent. */
    @Override
    public synchronized void close() throws IpcException, InterruptedException {
        if (deleted) {
            return;
        }
        deleted = true;
        try {
            // A namespace lives on, nameless, while a process runs in it.
            programs.forEach(ChildProcess::close);
            Failure first = null;
            List<String> existing = namespaces();
            for (String ns : List.of(nsA, nsB)) {
                if (existing.contains(ns)) {
                    try {
                        logged("netns", "del", ns);
                    } catch (Failure f) {
                        first = first == null ? f : first;
                    }
                }
            }
            // Left in this namespace only if making it stopped half-way; one end deletes both.
            run("link", "del", vethA);
            if (first != null) {
                throw first;
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanupHook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or about to: it does the same.
            }
        }
    }

    /** {@return the names {@code ip netns list} shows} */
    List<String> namespaces() throws IpcException, InterruptedException {
        List<String> names = new ArrayList<>();
        for (String line : run("netns", "list").output().split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip().split("\\s+")[0]);
            }
        }
        return names;
    }

    private void deleteQuietly() {
        synchronized (this) {
            if (deleted) {
                return;
            }
        }
        try {
            close();
        } catch (IpcException | InterruptedException | RuntimeException e) {
            System.err.println("jipc: could not delete the namespaces " + nsA + " and " + nsB + ": " + e.getMessage()
                    + "; remove them with: ip netns del NAME");
        }
    }

    private void checkNotDeleted() {
        if (deleted) {
            throw new Failure("interrupted");
        }
    }

    /** Runs {@code ip args...} under the lock, unless the pair was deleted (by Ctrl-C) meanwhile. */
    private synchronized void step(String... args) throws IpcException, InterruptedException {
        checkNotDeleted();
        logged(args);
    }

    /** Prints {@code ip args...}, runs it. @throws Failure if it fails */
    private void logged(String... args) throws IpcException, InterruptedException {
        if (log != null) {
            log.println("  $ ip " + String.join(" ", args));
            log.flush();
        }
        Result r = run(args);
        if (r.status().isEmpty() || !r.status().get().success()) {
            throw new Failure("ip " + String.join(" ", args) + " failed" + r.status().map(s -> " (" + s + ")")
                    .orElse(": no answer in " + IP_TIMEOUT.toSeconds() + " s")
                    + (r.output().isBlank() ? "" : ": " + r.output().strip()));
        }
    }

    private record Result(Optional<ExitStatus> status, String output) {
    }

    /** Runs {@code ip args...}, its standard output and error captured. */
    private Result run(String... args) throws IpcException, InterruptedException {
        try (Pipe pipe = Pipe.open()) {
            ChildProcess child = Spawn.command(ip, args).mapDescriptor(1, pipe.writeEnd().fd())
                    .mapDescriptor(2, pipe.writeEnd().fd()).start();
            try (child) {
                pipe.writeEnd().close();
                StringBuilder output = new StringBuilder();
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                long deadline = System.nanoTime() + IP_TIMEOUT.toNanos();
                while (System.nanoTime() - deadline < 0) {
                    int n = pipe.readEnd().read(buffer.clear(), Duration.ofMillis(100));
                    if (n < 0) {
                        break;
                    }
                    output.append(StandardCharsets.UTF_8.decode(buffer.flip()));
                }
                return new Result(child.waitFor(Duration.ofSeconds(1)), output.toString());
            }
        } catch (IpcException e) {
            throw e;
        } catch (IOException e) {
            throw new Failure("ip " + String.join(" ", args) + ": " + e.getMessage());
        }
    }
}
