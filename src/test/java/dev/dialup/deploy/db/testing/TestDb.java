package dev.dialup.deploy.db.testing;

import dev.dialup.deploy.db.DialupDatabase;
import java.nio.file.Path;

/**
 * Real SQLite files in a JUnit temp dir, opened through the same entry point a service uses.
 * Test databases opt into cheap password hashing ({@code insecurePasswordHashingForTests}) so
 * fixtures may set {@code security.bcrypt_cost=4}; tests of the production floors open with
 * {@link #production(Path)}.
 */
public final class TestDb {
    private TestDb() {}

    public static DialupDatabase open(Path dir) {
        return builder(dir).build();
    }

    public static DialupDatabase.Builder builder(Path dir) {
        return DialupDatabase.builder().path(dir.resolve("test.db")).insecurePasswordHashingForTests();
    }

    /** A database opened exactly as a service opens it (production hashing floors). */
    public static DialupDatabase production(Path dir) {
        return DialupDatabase.open(dir.resolve("test.db"));
    }
}
