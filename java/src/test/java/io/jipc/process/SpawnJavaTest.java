package io.jipc.process;

import io.jipc.pipe.Pipe;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Spawn#java}: the child runs the class as a member of its module (tests run on the
 * module path, patched into io.jipc, so this is the named-module case; on the class path
 * it is the unnamed one), with jipc's native access and exactly the options given.
 */
class SpawnJavaTest {

    @Test
    @Timeout(60)
    void aChildRunsTheClassInItsModuleWithTheOptionsGivenAndNoOthers() throws Exception {
        String name = Leaks.uniqueName("spawnjava");
        Module module = SpawnJavaTest.class.getModule();
        try (SharedMemory shm = SharedMemory.create(name, 64);
             Pipe out = Pipe.open()) {
            String report;
            try (ChildProcess child = Spawn.java(List.of("-Xmx64m"), JavaChild.class, name, "two words")
                    .systemProperty("jipc.test.given", "a value=with equals")
                    .mapDescriptor(1, out.writeEnd().fd())
                    .start()) {
                out.writeEnd().close();
                report = readAll(out.readEnd());
                assertTrue(child.waitFor().success(), report);
            }
            List<String> lines = report.lines().toList();
            assertTrue(lines.contains("module=" + (module.isNamed() ? module.getName() : "unnamed")), report);
            assertTrue(lines.contains("nativeAccess=true"), report);
            assertTrue(lines.contains("property=a value=with equals"), report);
            assertTrue(lines.contains("args=" + name + " two words"), report);
            List<String> jvm = lines.stream().filter(l -> l.startsWith("jvm=")).map(l -> l.substring(4)).toList();
            assertTrue(jvm.contains("-Xmx64m"), report);
            assertFalse(jvm.stream().anyMatch(a -> a.startsWith("-XX:")), "an option nobody asked for: " + report);
            if (module.isNamed()) {
                int m = jvm.indexOf("-m");
                assertTrue(m >= 0 && jvm.get(m + 1).equals(module.getName() + "/" + JavaChild.class.getName()), report);
            } else {
                assertFalse(jvm.contains("-m"), report);
            }
            assertEquals(42, shm.segment().get(ValueLayout.JAVA_INT, 0), "jipc did not work in the child");
        } finally {
            SharedMemory.unlink(name);
        }
    }

    @Test
    void jvmOptionsAreForJavaChildrenOnlyAndPropertyNamesAreChecked() {
        assertThrows(IllegalStateException.class, () -> Spawn.command("/bin/true").jvmOptions("-Xmx8m"));
        assertThrows(IllegalStateException.class, () -> Spawn.command("/bin/true").systemProperty("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> Spawn.java(JavaChild.class).systemProperty("a=b", "c"));
        assertThrows(IllegalArgumentException.class, () -> Spawn.java(JavaChild.class).systemProperty("", "c"));
    }

    @Test
    void aClassOfTheJdkItselfIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Spawn.java(String.class));
        assertTrue(e.getMessage().contains("java.base"), e.getMessage());
    }

    private static String readAll(Pipe.ReadEnd in) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (in.read(buf.clear()) >= 0) {
            bytes.write(buf.array(), 0, buf.position());
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
