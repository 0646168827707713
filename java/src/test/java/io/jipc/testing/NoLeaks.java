package io.jipc.testing;

import io.jipc.process.ChildProcess;
import io.jipc.process.Spawn;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fails a test that leaves a child process (reaped or not) or a descriptor behind.
 * Runs after the test class's own {@code @AfterEach} methods, so those may release
 * what the test made first. Use with {@code @ExtendWith(NoLeaks.class)}.
 */
public final class NoLeaks implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoLeaks.class);

    private record Before(int descriptors, Set<Integer> children) {
    }

    /**
     * The JVM's first spawn loads (maybe extracts) libjipc.so, and a temp file's name makes
     * the JVM open /dev/random and /dev/urandom for good: not a leak of any test.
     */
    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        try (ChildProcess c = Spawn.command("true").start()) {
            c.waitFor();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put(Before.class, new Before(Leaks.descriptorCount(), Leaks.children()));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Before before = context.getStore(NS).get(Before.class, Before.class);
        assertEquals(before.children(), Leaks.children(), "children left");
        assertEquals(before.descriptors(), Leaks.descriptorCount(), () -> "descriptors left: " + describeDescriptors());
    }

    /** {@return every open descriptor with what it points to, for a failure message} */
    public static String describeDescriptors() {
        StringBuilder sb = new StringBuilder();
        for (String fd : Leaks.descriptors()) {
            try {
                sb.append(fd).append("->").append(Files.readSymbolicLink(Path.of("/proc/self/fd", fd))).append(' ');
            } catch (IOException e) {
                sb.append(fd).append("->? ");
            }
        }
        return sb.toString();
    }
}
