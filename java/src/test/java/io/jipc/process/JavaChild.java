package io.jipc.process;

import io.jipc.shm.SharedMemory;

import java.lang.foreign.ValueLayout;

/**
 * A child JVM of {@link SpawnJavaTest}: reports on standard output what it was started
 * as (its module, its native access, a system property, its arguments, its JVM's command
 * line), then proves jipc works in it by writing 42 into the shared memory it is named.
 */
public final class JavaChild {
    private JavaChild() {
    }

    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder();
        Module module = JavaChild.class.getModule();
        out.append("module=").append(module.isNamed() ? module.getName() : "unnamed").append('\n');
        out.append("nativeAccess=").append(SharedMemory.class.getModule().isNativeAccessEnabled()).append('\n');
        out.append("property=").append(System.getProperty("jipc.test.given")).append('\n');
        out.append("args=").append(String.join(" ", args)).append('\n');
        for (String a : ProcessHandle.current().info().arguments().orElse(new String[0])) {
            out.append("jvm=").append(a).append('\n');
        }
        System.out.print(out);
        System.out.flush();
        try (SharedMemory shm = SharedMemory.open(args[0])) {
            shm.segment().set(ValueLayout.JAVA_INT, 0, 42);
        }
    }
}
