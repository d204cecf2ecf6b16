package dev.dialup.deploy.db.testing;

import dev.dialup.deploy.db.DialupDatabase;
import java.nio.file.Path;

/** Real SQLite files in a JUnit temp dir, opened through the same entry point a service uses. */
public final class TestDb {
    private TestDb() {}

    public static DialupDatabase open(Path dir) {
        return DialupDatabase.open(dir.resolve("test.db"));
    }

    public static DialupDatabase.Builder builder(Path dir) {
        return DialupDatabase.builder().path(dir.resolve("test.db"));
    }
}
