package io.jipc.shm;

import io.jipc.IpcException;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharedMemoryTest {
    private final String name = Leaks.uniqueName("shm");

    @AfterEach
    void removeName() throws IpcException {
        SharedMemory.unlink(name);
    }

    @Test
    void createdObjectIsZeroedSharedAndPrivateToItsOwner() throws Exception {
        try (SharedMemory a = SharedMemory.create(name, 8192); SharedMemory b = SharedMemory.open(name)) {
            assertEquals(8192, a.size());
            assertEquals(8192, b.size());
            assertEquals(name, b.name());
            assertEquals(0L, a.segment().get(ValueLayout.JAVA_LONG, 4096));
            a.segment().set(ValueLayout.JAVA_LONG, 4096, 0x1234_5678_9abcL);
            // Two mappings of one object: a store through one is seen through the other.
            assertEquals(0x1234_5678_9abcL, b.segment().get(ValueLayout.JAVA_LONG, 4096));
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(Path.of("/dev/shm", name.substring(1)))));
        }
    }

    @Test
    void modeIsAppliedExactlyWhateverTheUmask() throws Exception {
        try (SharedMemory a = SharedMemory.builder(name).size(4096).mode(0644).create()) {
            assertEquals("rw-r--r--", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(Path.of("/dev/shm", name.substring(1)))));
        }
    }

    @Test
    void badNamesAreRejectedBeforeAnyCall() {
        for (String bad : new String[] {"noslash", "/", "/a/b", "/" + "x".repeat(256), "/..", "/a\0b", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SharedMemory.create(bad, 4096), bad);
            assertTrue(e.getMessage().startsWith("shared memory name"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> SharedMemory.open(null));
        assertThrows(IllegalArgumentException.class, () -> SharedMemory.unlink("x"));
        // The longest legal name works.
        String longest = "/" + "y".repeat(255);
        assertFalse(assertDoesNotThrowUnlink(longest));
    }

    private static boolean assertDoesNotThrowUnlink(String n) {
        try {
            return SharedMemory.unlink(n);
        } catch (IpcException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void sizeMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(name, 0));
        assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(name, -1));
        assertFalse(Files.exists(Path.of("/dev/shm", name.substring(1))));
    }

    @Test
    void exclusiveCreateOverAnExistingNameFails() throws Exception {
        try (SharedMemory a = SharedMemory.create(name, 4096)) {
            IpcException e = assertThrows(IpcException.class, () -> SharedMemory.create(name, 4096));
            assertEquals(IpcException.Reason.ALREADY_EXISTS, e.reason());
            assertEquals("EEXIST", e.errnoName());
            assertEquals("shm_open", e.call());
            assertEquals("shm_open(\"" + name + "\"): File exists (EEXIST)", e.getMessage());
        }
    }

    @Test
    void openingAMissingObjectSaysSo() {
        IpcException e = assertThrows(IpcException.class, () -> SharedMemory.open(name));
        assertEquals(IpcException.Reason.DOES_NOT_EXIST, e.reason());
        assertEquals("shm_open(\"" + name + "\"): No such file or directory (ENOENT)", e.getMessage());
        assertEquals(2, e.errno());
    }

    @Test
    void openWithASizeRequiresAtLeastThatSize() throws Exception {
        try (SharedMemory a = SharedMemory.create(name, 4096)) {
            IpcException e = assertThrows(IpcException.class, () -> SharedMemory.builder(name).size(8192).open());
            assertEquals(IpcException.Reason.INCOMPATIBLE_LAYOUT, e.reason());
            assertNull(e.errnoName());
            try (SharedMemory b = SharedMemory.builder(name).size(4096).open()) {
                assertEquals(4096, b.size());
            }
        }
    }

    @Test
    void openOrCreateCreatesOnceThenOpens() throws Exception {
        try (SharedMemory a = SharedMemory.openOrCreate(name, 4096);
             SharedMemory b = SharedMemory.openOrCreate(name, 4096)) {
            a.segment().set(ValueLayout.JAVA_INT, 0, 42);
            assertEquals(42, b.segment().get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void unlinkReportsWhetherTheNameExisted() throws Exception {
        SharedMemory.create(name, 4096).close();
        assertTrue(SharedMemory.unlink(name));
        assertFalse(SharedMemory.unlink(name));
    }

    @Test
    void useAfterCloseThrowsAndDoubleCloseIsHarmless() throws Exception {
        SharedMemory shm = SharedMemory.create(name, 4096);
        MemorySegment whole = shm.segment();
        MemorySegment slice = whole.asSlice(128, 64);
        shm.close();
        shm.close();
        assertFalse(shm.isOpen());
        assertThrows(IllegalStateException.class, () -> whole.get(ValueLayout.JAVA_INT, 0));
        assertThrows(IllegalStateException.class, () -> slice.set(ValueLayout.JAVA_INT, 0, 1));
        assertThrows(IllegalStateException.class, () -> whole.fill((byte) 1));
    }

    /**
     * An object never closed is unmapped once it and its segments are unreachable, and
     * not while a segment it handed out is still in use.
     */
    @Test
    void anUnclosedObjectIsUnmappedOnceNothingReachesItsMemory() throws Exception {
        MemorySegment kept = SharedMemory.create(name, 4096).segment();
        createAndForget(name + "-dropped");
        SharedMemory.unlink(name + "-dropped");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (mapped(name + "-dropped") && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertFalse(mapped(name + "-dropped"), "the mapping of an unreachable SharedMemory is still there");
        // Its owner was as unreachable, but a segment still uses the memory: it stays.
        assertTrue(mapped(name));
        kept.set(ValueLayout.JAVA_LONG, 0, 42L);
        assertEquals(42L, kept.get(ValueLayout.JAVA_LONG, 0));
    }

    private static void createAndForget(String name) throws IpcException {
        SharedMemory.create(name, 4096).segment().set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    private static boolean mapped(String name) throws java.io.IOException {
        return Files.readString(Path.of("/proc/self/maps")).contains("/dev/shm" + name + " ")
                || Files.readString(Path.of("/proc/self/maps")).contains("/dev/shm" + name + "\n");
    }

    @Test
    void thousandCyclesLeakNoDescriptor() throws Exception {
        int before = Leaks.descriptorCount();
        try (SharedMemory keep = SharedMemory.create(name, 4096)) {
            for (int i = 0; i < 1000; i++) {
                try (SharedMemory s = SharedMemory.open(name)) {
                    s.segment().set(ValueLayout.JAVA_INT, 0, i);
                }
            }
            assertEquals(999, keep.segment().get(ValueLayout.JAVA_INT, 0));
        }
        assertEquals(before, Leaks.descriptorCount());
    }
}
