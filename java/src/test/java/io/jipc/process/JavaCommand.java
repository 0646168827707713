package io.jipc.process;

import java.util.List;

/** The command line {@link Spawn#java} builds, for tests in other packages that wrap it (unshare, sh). */
public final class JavaCommand {
    private JavaCommand() {
    }

    public static List<String> of(List<String> jvmOptions, Class<?> mainClass, String... args) {
        return Spawn.java(jvmOptions, mainClass, args).command();
    }
}
