package io.jipc.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The start-up row: how long a user waits for jipc's first answer, next to what the JVM
 * costs anyway. Each command runs {@code runs} times, interleaved (A B C D, A B C D, ...) so
 * a busy moment hits all of them; each time is a whole process, from fork to exit, taken
 * with the JDK's {@link ProcessBuilder} (no jipc in the measuring):
 * <ul>
 *   <li>{@code java -version}: the floor, a JVM that runs no class;</li>
 *   <li>an empty main class on the harness's class path: the floor of the next row;</li>
 *   <li>{@link StartupProbe}: the same JVM whose main makes the first
 *   {@code SharedMemory.create} and {@code close} (linking jipc's native calls included);
 *   it also reports that call's own time, measured inside the JVM;</li>
 *   <li>{@code ./jipc ls}, the repository's launcher, after one untimed run (which builds the
 *   command line if it is missing or stale).</li>
 * </ul>
 */
final class Startup {
    static final String JAVA_VERSION = "java -version";
    static final String EMPTY_MAIN = "JVM, empty main (harness class path)";
    static final String FIRST_CREATE = "JVM, first SharedMemory.create + close";
    static final String FIRST_CREATE_INSIDE = "first SharedMemory.create + close, inside the JVM";
    static final String JIPC_LS = "./jipc ls";
    private static final long TIMEOUT_SECONDS = 120;
    static final String LS_PROPERTY = "jipc.bench.startup.ls";

    private Startup() {
    }

    static List<Result> measure(Main.Settings s, PrintStream out) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Path root = s.nativeDir().getParent().getParent().getParent();
        Path jipc = root.resolve("jipc");
        // Off in the harness's own tests: ./jipc may rebuild the command line, a build inside a build.
        boolean withLs = Boolean.parseBoolean(System.getProperty(LS_PROPERTY, "true")) && Files.isExecutable(jipc) && Files.isRegularFile(root.resolve("cli/target/jipc-cli.jar"));
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put(JAVA_VERSION, List.of(java, "-version"));
        commands.put(EMPTY_MAIN, List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                StartupProbe.class.getName(), "--empty"));
        commands.put(FIRST_CREATE, null);
        if (withLs) {
            commands.put(JIPC_LS, List.of(jipc.toString(), "ls"));
            out.println("  start-up: one untimed ./jipc ls (builds the command line if it is stale) ...");
            run(List.of(jipc.toString(), "ls"));
        }
        out.printf("  start-up: %d runs of %s ...%n", s.startupRuns(), String.join(", ", commands.keySet()));
        Map<String, long[]> times = new LinkedHashMap<>();
        commands.keySet().forEach(k -> times.put(k, new long[s.startupRuns()]));
        long[] inside = new long[s.startupRuns()];
        Path scratch = Files.createTempDirectory("jipc-bench-startup-");
        String prefix = "jipc-bench-" + ProcessHandle.current().pid() + "-startup-";
        try {
            for (int i = 0; i < s.startupRuns(); i++) {
                Path file = scratch.resolve("inside-" + i);
                for (Map.Entry<String, List<String>> c : commands.entrySet()) {
                    List<String> cmd = c.getValue() != null ? c.getValue()
                            : List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp, StartupProbe.class.getName(),
                            "/" + prefix + i, file.toString());
                    times.get(c.getKey())[i] = run(cmd);
                }
                inside[i] = Long.parseLong(Files.readString(file).trim());
            }
        } finally {
            Driver.deleteTree(scratch);
            try (Stream<Path> leftovers = Files.list(Path.of("/dev/shm"))) {
                for (Path p : leftovers.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        List<Result> rows = new ArrayList<>();
        times.forEach((what, t) -> rows.add(row(what, t)));
        rows.add(row(FIRST_CREATE_INSIDE, inside));
        return rows;
    }

    private static Result row(String what, long[] nanos) {
        long[] t = nanos.clone();
        Arrays.sort(t);
        return new Result().put("metric", "startup").put("what", what).put("runs", t.length)
                .put("min_ms", t[0] / 1e6).put("median_ms", Results.median(Arrays.stream(t).asDoubleStream().toArray()) / 1e6)
                .put("max_ms", t[t.length - 1] / 1e6);
    }

    /** Runs {@code cmd} to its end, its output discarded. {@return its wall time in nanoseconds} */
    private static long run(List<String> cmd) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException(String.join(" ", cmd) + " did not end within " + TIMEOUT_SECONDS + " s");
        }
        long t = System.nanoTime() - t0;
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed with exit status " + p.exitValue());
        }
        return t;
    }
}
