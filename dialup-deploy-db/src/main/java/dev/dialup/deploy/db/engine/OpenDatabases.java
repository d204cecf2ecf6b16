package dev.dialup.deploy.db.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The database files this process has open through {@code DialupDatabase}, by canonical
 * path, so a restore can refuse to pull a file out from under a live writer.
 */
public final class OpenDatabases {
    private static final ConcurrentHashMap<Path, Integer> OPEN = new ConcurrentHashMap<>();

    private OpenDatabases() {}

    /** Canonical form of a path: symlinks resolved when the file exists. */
    public static Path canonical(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            return abs;
        }
    }

    /** Records one more open instance; returns the key to pass to {@link #closed}. */
    public static Path opened(Path file) {
        Path key = canonical(file);
        OPEN.merge(key, 1, Integer::sum);
        return key;
    }

    public static void closed(Path key) {
        OPEN.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
    }

    public static boolean isOpen(Path file) {
        return OPEN.containsKey(canonical(file));
    }
}
