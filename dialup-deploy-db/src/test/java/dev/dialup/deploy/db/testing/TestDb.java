package dev.dialup.deploy.db.testing;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.nio.file.Path;

/**
 * Real SQLite files in a JUnit temp dir, opened through the same entry point a service uses.
 * Test databases opt in to system scopes ({@code allowSystemScope()}); {@link #system} is the
 * one easy way to get one. They also opt into cheap password hashing
 * ({@code insecurePasswordHashingForTests}) so fixtures may set {@code security.bcrypt_cost=4};
 * tests of the production floors open with {@link #production(Path)}.
 */
public final class TestDb {
    private TestDb() {}

    public static DialupDatabase open(Path dir) {
        return builder(dir).build();
    }

    public static DialupDatabase.Builder builder(Path dir) {
        return DialupDatabase.builder()
                .path(dir.resolve("test.db"))
                .allowSystemScope()
                .insecurePasswordHashingForTests();
    }

    /** A database opened exactly as a service opens it (production hashing floors), with system scopes. */
    public static DialupDatabase production(Path dir) {
        return DialupDatabase.builder()
                .path(dir.resolve("test.db"))
                .allowSystemScope()
                .build();
    }

    /** The system scope of {@code db} labelled {@code test}. */
    public static AccessScope system(DialupDatabase db) {
        return db.systemScope("test");
    }

    /** The system scope of {@code db} for a named component. */
    public static AccessScope system(DialupDatabase db, String component) {
        return db.systemScope(component);
    }

    /**
     * A write as the system capability when {@code db} may mint one, else without a scope: fixtures seed rows on
     * either engine (on PostgreSQL row-level security needs an identity; the databases tests open there opt in).
     */
    public static <T> T write(DialupDatabase db, java.util.function.Function<org.jooq.DSLContext, T> work) {
        return db.allowsSystemScope() ? db.write(system(db), work) : db.write(work);
    }

    /** {@link #write} without a result. */
    public static void writeVoid(DialupDatabase db, java.util.function.Consumer<org.jooq.DSLContext> work) {
        write(db, tx -> {
            work.accept(tx);
            return null;
        });
    }

    /** Every audit row's action, oldest first (read as the system capability: audit rows are tenant data). */
    public static java.util.List<String> auditActions(DialupDatabase db) {
        return db.read(
                system(db),
                dsl -> dsl.select(dev.dialup.deploy.db.generated.Tables.AUDIT_LOG.ACTION)
                        .from(dev.dialup.deploy.db.generated.Tables.AUDIT_LOG)
                        .orderBy(dev.dialup.deploy.db.generated.Tables.AUDIT_LOG.ID)
                        .fetch(dev.dialup.deploy.db.generated.Tables.AUDIT_LOG.ACTION));
    }
}
