package io.jipc.shm;

import io.jipc.IpcException;
import io.jipc.testing.Leaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * An opener that finds an object its creator has made but not yet sized waits for the size
 * (through jipc's one wait loop), and gives up with CREATOR_DIED if it never comes.
 */
class SharedMemoryOpenWaitTest {
    private final String name = Leaks.uniqueName("shm");
    private final Path file = Path.of("/dev/shm", name.substring(1));

    @AfterEach
    void removeName() throws IpcException {
        SharedMemory.unlink(name);
    }

    private void createUnsized() throws Exception {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    @Test
    void opensOnceTheCreatorSizesIt() throws Exception {
        createUnsized();
        CountDownLatch opening = new CountDownLatch(1);
        Thread creator = Thread.ofPlatform().start(() -> {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                opening.await();
                Thread.sleep(20);  // let the opener find size 0 (it waits either way)
                f.setLength(8192);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        opening.countDown();
        try (SharedMemory m = SharedMemory.open(name)) {
            assertEquals(8192, m.size());
        } finally {
            creator.join();
        }
    }

    @Test
    void givesUpWhenTheCreatorNeverSizesIt() throws Exception {
        createUnsized();
        IpcException e = assertThrows(IpcException.class, () -> SharedMemory.open(name));
        assertEquals(IpcException.Reason.CREATOR_DIED, e.reason());
    }
}
