package io.jipc.posix;

import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;

/** Child JVMs of {@link NativeLibraryTest}: load libjipc.so, say from where, prove it works. */
public final class NativeChildren {
    private NativeChildren() {
    }

    public static void main(String[] args) throws Exception {
        try {
            NativeLibrary.ensureLoaded();
        } catch (UnsatisfiedLinkError e) {
            System.out.println("FAILED " + e.getMessage());
            System.exit(3);
        }
        System.out.println("ORIGIN " + NativeLibrary.origin());
        try (ChildProcess c = Spawn.command("/bin/true").start()) {
            System.out.println("SPAWNED " + c.waitFor().success());
        }
    }
}
