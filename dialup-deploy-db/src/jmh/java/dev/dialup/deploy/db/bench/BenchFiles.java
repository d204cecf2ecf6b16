package dev.dialup.deploy.db.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch files of benchmark runs. */
final class BenchFiles {
    private BenchFiles() {}

    /** Deletes {@code dir} and everything under it (deepest first). */
    static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
