package io.jipc.posix;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inside the library, only the layer (io.jipc.posix, and its tests) uses the generated
 * bindings. (ci/internal-imports keeps every other source tree off all internal packages.)
 */
class LayerBoundaryTest {
    private static final Pattern USES_BINDINGS = Pattern.compile("\\bio\\.jipc\\.bindings\\.");

    @Test
    void nothingInTheLibraryButTheLayerUsesTheBindings() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path layer = root.resolve("java/src/main/java/io/jipc/posix");
        Path layerTests = root.resolve("java/src/test/java/io/jipc/posix");
        List<String> offenders;
        try (Stream<Path> files = Stream.of("java/src")
                .map(root::resolve).filter(Files::isDirectory).flatMap(LayerBoundaryTest::javaFiles)) {
            offenders = files.filter(f -> !f.startsWith(layer) && !f.startsWith(layerTests))
                    .filter(LayerBoundaryTest::usesBindings)
                    .map(f -> root.relativize(f).toString())
                    .toList();
        }
        assertEquals(List.of(), offenders);
        assertTrue(Files.isDirectory(layer), "run from the java module's directory: " + layer);
    }

    private static Stream<Path> javaFiles(Path dir) {
        try {
            return Files.walk(dir).filter(f -> f.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean usesBindings(Path file) {
        try {
            return USES_BINDINGS.matcher(Files.readString(file)).find();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
