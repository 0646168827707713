package io.jipc.posix;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only the layer (io.jipc.posix, and its tests) uses the generated bindings; the one named
 * exception is the JMH benchmark that compares the layer's calls with jextract's own handles.
 */
class LayerBoundaryTest {
    private static final Pattern USES_BINDINGS = Pattern.compile("\\bio\\.jipc\\.bindings\\.");
    private static final Set<String> ALLOWED = Set.of("bench/src/main/java/io/jipc/bench/jmh/CallCost.java");

    @Test
    void nothingOutsideTheLayerUsesTheBindings() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path layer = root.resolve("java/src/main/java/io/jipc/posix");
        Path layerTests = root.resolve("java/src/test/java/io/jipc/posix");
        List<String> offenders;
        try (Stream<Path> files = Stream.of("java/src", "cli/src", "bench/src", "aeron/src")
                .map(root::resolve).filter(Files::isDirectory).flatMap(LayerBoundaryTest::javaFiles)) {
            offenders = files.filter(f -> !f.startsWith(layer) && !f.startsWith(layerTests))
                    .filter(f -> !ALLOWED.contains(root.relativize(f).toString()))
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
