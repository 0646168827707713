package io.jipc.bench;

import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the report says about the machine: CPU, cores, kernel, JDK, C compiler, load. */
final class Machine {
    private Machine() {
    }

    static String loadAverage() {
        String[] f = read("/proc/loadavg").split(" ");
        return f.length >= 3 ? f[0] + ", " + f[1] + ", " + f[2] : "unknown";
    }

    /** {@return the 1-minute load average, NaN if unknown} */
    static double loadAverage1() {
        try {
            return Double.parseDouble(read("/proc/loadavg").split(" ")[0]);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static Map<String, String> describe(Path nativeDir, String loadBefore) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("CPU", cpuModel());
        m.put("Cores", Runtime.getRuntime().availableProcessors() + " online to the JVM; this run may use CPUs "
                + Affinity.allowedCpus());
        m.put("Kernel", read("/proc/sys/kernel/ostype") + " " + read("/proc/sys/kernel/osrelease"));
        m.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.home") + ")");
        m.put("C compiler", compiler(nativeDir) + ", -O2");
        m.put("Load average (1, 5, 15 min)", "before the runs " + loadBefore + "; after " + loadAverage()
                + " (on " + Runtime.getRuntime().availableProcessors() + " CPUs: above that, benchmarks wait for a CPU)");
        return m;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // Reported as unknown.
        }
        return "unknown";
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Asks cbench, which knows what compiled it. */
    private static String compiler(Path nativeDir) {
        Path cbench = nativeDir.resolve("cbench");
        if (!Files.isExecutable(cbench)) {
            return "unknown (cbench not built)";
        }
        try {
            Path out = Files.createTempFile("jipc-bench-layout", ".json");
            try {
                if (run(List.of(cbench.toString(), "--layout", out.toString()), 10)) {
                    return Result.parse(Files.readString(out)).string("compiler");
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (Exception e) {
            // Reported as unknown.
        }
        return "unknown";
    }

    /** Runs a command to its end. {@return whether it exited with 0 within the time} */
    static boolean run(List<String> cmd, long seconds) throws Exception {
        try (ChildProcess p = Spawn.command(cmd.getFirst(), cmd.subList(1, cmd.size()).toArray(String[]::new))
                .start()) {
            return p.waitFor(Duration.ofSeconds(seconds)).map(s -> s.success()).orElse(false);
        }
    }
}
