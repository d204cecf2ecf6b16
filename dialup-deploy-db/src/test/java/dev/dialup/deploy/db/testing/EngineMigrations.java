package dev.dialup.deploy.db.testing;

import dev.dialup.deploy.db.migration.V3__Adopt_legacy_sites;
import dev.dialup.deploy.db.migration.V3__Adopt_legacy_sites_on_postgresql;
import dev.dialup.deploy.db.migration.V51__Backfill_input_keys;
import dev.dialup.deploy.db.migration.V51__Backfill_input_keys_on_postgresql;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Flyway runs of the shipped migrations on each engine, configured like the library's own (SQLite: the SQL
 * scripts plus the Java migrations V3 and V51; PostgreSQL: {@code db/migration/postgresql} plus the Java
 * twins V3 and V51, so both folders hold the same versions). For schema tests that need a bare migrated database without DialupDatabase.
 */
public final class EngineMigrations {
    public static final String SQLITE = "classpath:db/migration/sqlite";
    public static final String POSTGRESQL = "classpath:db/migration/postgresql";

    private EngineMigrations() {}

    /** Migrates (creating) the SQLite file {@code file}; returns its JDBC URL. */
    public static String sqlite(Path file) {
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        Flyway.configure()
                .dataSource(url, null, null)
                .locations(SQLITE)
                .javaMigrations(new V3__Adopt_legacy_sites(), new V51__Backfill_input_keys())
                .cleanDisabled(true)
                .load()
                .migrate();
        return url;
    }

    /** Migrates an (empty) PostgreSQL database. */
    public static MigrateResult postgres(DataSource ds) {
        return Flyway.configure()
                .dataSource(ds)
                .locations(POSTGRESQL)
                .javaMigrations(
                        new V3__Adopt_legacy_sites_on_postgresql(), new V51__Backfill_input_keys_on_postgresql())
                .cleanDisabled(true)
                .load()
                .migrate();
    }
}
