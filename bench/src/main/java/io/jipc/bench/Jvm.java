package io.jipc.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command lines of the harness's child JVMs: the same java binary and class path as
 * this one, the flags jipc and Agrona need, and a fixed heap (no resizing while
 * measuring). Pinning is done inside, per thread: see {@link Affinity}.
 */
public final class Jvm {
    /** Extra JVM options for every child, space-separated (Main's --jvm-args). */
    public static final String EXTRA_PROPERTY = "jipc.bench.jvmArgs";
    /** The options every child gets; reported in report.md. */
    public static final List<String> BASE_OPTIONS = List.of(
            "--enable-native-access=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
            "-Xms256m", "-Xmx256m");

    private Jvm() {
    }

    /** {@return java, options, class path, main class, args} */
    public static List<String> command(Class<?> main, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        return cmd;
    }

    /** {@return the JVM options of a child, extras included (and passed on to grandchildren)} */
    public static List<String> options() {
        List<String> opts = new ArrayList<>(BASE_OPTIONS);
        String extra = System.getProperty(EXTRA_PROPERTY, "").trim();
        if (!extra.isEmpty()) {
            opts.add("-D" + EXTRA_PROPERTY + "=" + extra);
            opts.addAll(List.of(extra.split("\\s+")));
        }
        String lib = System.getProperty("jipc.library.path");
        if (lib != null) {
            opts.add("-Djipc.library.path=" + lib);
        }
        return opts;
    }
}
