package dev.dialup.deploy.db.migration;

import dev.dialup.deploy.db.DatabaseBusyException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.IncompatibleDatabaseException;
import dev.dialup.deploy.db.MigrationFailedException;
import dev.dialup.deploy.db.SchemaStatus;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FileShape;
import dev.dialup.deploy.db.engine.StartupWarmup;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.JavaMigration;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateResult;
import org.flywaydb.core.internal.exception.FlywayMigrateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a stored database to this library's schema, or refuses it: classifies it
 * ({@link DatabaseEngine#classify}), refuses what it must not touch (not a database of the
 * engine, unrecognised tables, a newer schema), adopts a legacy database, and applies pending
 * migrations in one transaction (all or nothing). The fast path skips Flyway when the history
 * table already records exactly the shipped migrations ({@link UpToDateCheck}).
 */
public final class Migrator {
    private static final Logger log = LoggerFactory.getLogger(Migrator.class);

    /**
     * What opening or migrating asks for.
     *
     * @param extraLocations Flyway locations after the engine's own (tests, platform extensions)
     * @param busyTimeout    how long a migration waits for another connection's write lock
     * @param beforeMigrate  called with the file before pending migrations are applied to a non-empty database; may be null
     */
    public record Options(List<String> extraLocations, Duration busyTimeout, Consumer<Path> beforeMigrate) {
        public Options {
            extraLocations = List.copyOf(extraLocations);
        }
    }

    /** The schema status after {@link #migrate} or {@link #check}, and whether Flyway was skipped. */
    public record Outcome(SchemaStatus status, boolean flywaySkipped) {}

    private final DatabaseEngine engine;
    private final Path path;
    /** {@link #path} for messages, or the server URL without credentials. */
    private final String where;

    private final Options options;

    /** {@code path}: the SQLite file, or null for a server engine bound to its own location. */
    public Migrator(DatabaseEngine engine, Path path, Options options) {
        this.engine = engine;
        this.path = path;
        this.where = engine.describe(path);
        this.options = options;
    }

    /** The Java migrations of the file engine (SQLite), in one list for Flyway and for the up-to-date check. */
    public static JavaMigration[] javaMigrations() {
        return new JavaMigration[] {new V3__Adopt_legacy_sites(), new V51__Backfill_input_keys()};
    }

    /** The Java migrations of {@code engine}: the same versions on every engine, each written for its SQL. */
    public static JavaMigration[] javaMigrations(DatabaseEngine engine) {
        return switch (engine.name()) {
            case "sqlite" -> javaMigrations();
            case "postgresql" ->
                new JavaMigration[] {
                    new V3__Adopt_legacy_sites_on_postgresql(), new V51__Backfill_input_keys_on_postgresql()
                };
            default -> throw new IllegalArgumentException("no Java migrations for engine " + engine.name());
        };
    }

    private IncompatibleDatabaseException incompatible(IncompatibleDatabaseException.Reason reason, String detail) {
        return path != null
                ? new IncompatibleDatabaseException(reason, path, detail)
                : new IncompatibleDatabaseException(reason, where, detail);
    }

    /**
     * Classifies the file, refuses what it must not touch, and applies pending migrations
     * in one transaction (all or nothing).
     */
    public Outcome migrate() {
        FileShape.Kind kind = refuseForeign(engine.classify(path));
        if (kind == FileShape.Kind.MANAGED) {
            SchemaStatus upToDate = upToDate();
            if (upToDate != null) {
                return new Outcome(upToDate, true);
            }
        }
        StartupWarmup.awaitFinished(); // the backup before migrating uses jOOQ
        DataSource writer = engine.writerDataSource(path, options.busyTimeout());
        if (kind == FileShape.Kind.MANAGED) {
            refuseNewer();
        }
        Flyway flyway = flyway(writer, kind == FileShape.Kind.LEGACY);
        if (kind == FileShape.Kind.NEW) {
            try (Connection c = writer.getConnection()) {
                engine.prepareNewDatabase(c);
            } catch (SQLException e) {
                if (engine.isBusy(e)) throw busy(e);
                throw new DialupDataException("Cannot create database " + where + ": " + e.getMessage(), e);
            }
        } else {
            // Read-only: the writer's connections start every transaction by taking the write lock.
            SchemaStatus before =
                    kind == FileShape.Kind.MANAGED ? status(inspecting().info()) : status(flyway.info());
            if (before.upToDate() && kind == FileShape.Kind.MANAGED) {
                // Nothing pending: validate on a read-only connection instead of migrate, which would
                // open a write transaction and wait for the write lock for nothing.
                ValidateResult valid = inspecting().validateWithResult();
                if (!valid.validationSuccessful) {
                    throw new MigrationFailedException("(validation)", valid.getAllErrorMessages(), null);
                }
                return new Outcome(before, false);
            }
            if (!before.upToDate()) {
                // Wait for the write lock here, where a busy file gets a clear error, not Flyway's
                // rollback noise and "Migration (unknown) failed".
                try (Connection c = writer.getConnection()) {
                    engine.awaitWriteLock(c);
                } catch (SQLException e) {
                    if (engine.isBusy(e)) throw busy(e);
                    throw new DialupDataException("Cannot write to " + where + ": " + e.getMessage(), e);
                }
                if (options.beforeMigrate() != null && path != null) {
                    options.beforeMigrate().accept(path);
                } else if (path == null) {
                    // No file to copy: a server database is backed up by its own tools before upgrades.
                    log.info(
                            "Migrating {} without an automatic backup: take one first (docs/OPERATIONS.md, PostgreSQL)",
                            where);
                }
            }
        }
        try {
            MigrateResult result = flyway.migrate();
            if (result.migrationsExecuted > 0) {
                log.info(
                        "Migrated {} to schema version {} ({} migrations{})",
                        where,
                        result.targetSchemaVersion,
                        result.migrationsExecuted,
                        kind == FileShape.Kind.LEGACY ? ", adopted legacy database" : "");
            }
        } catch (FlywayException e) {
            if (kind == FileShape.Kind.LEGACY) {
                unadopt(writer);
            }
            if (engine.isBusy(e)) {
                throw busy(e);
            }
            throw migrationFailure(e);
        }
        return new Outcome(status(inspecting().info()), false);
    }

    /** With migrate-on-open off: an up-to-date managed database passes, anything else is refused. */
    public Outcome check() {
        FileShape.Kind kind = refuseForeign(engine.classify(path));
        if (kind == FileShape.Kind.MANAGED) {
            SchemaStatus upToDate = upToDate();
            if (upToDate != null) {
                return new Outcome(upToDate, true);
            }
            refuseNewer();
            return new Outcome(status(inspecting().info()), false);
        }
        throw new DialupDataException(
                "Database " + where + " is " + (kind == FileShape.Kind.NEW ? "empty" : "a legacy database")
                        + " and migrate-on-open is off: run the 'migrate' command (or DialupDatabase.migrate) first");
    }

    /** Schema status of the stored database, read-only and without refusing a newer schema. */
    public SchemaStatus status() {
        return status(inspecting().info());
    }

    /** NEW, LEGACY or MANAGED; a foreign or unrecognised database is refused and left unchanged. */
    private FileShape.Kind refuseForeign(FileShape shape) {
        return switch (shape.kind()) {
            case FOREIGN -> throw incompatible(IncompatibleDatabaseException.Reason.NOT_SQLITE, shape.detail());
            case UNRECOGNISED ->
                throw incompatible(
                        IncompatibleDatabaseException.Reason.UNRECOGNISED_SCHEMA,
                        "no migration history and tables this library does not recognise: " + shape.tables());
            default -> shape.kind();
        };
    }

    /**
     * The fast path of open: when the history table records exactly this library's migrations
     * (versions, scripts and checksums; see {@link UpToDateCheck}), the database is up to date and
     * Flyway is not started at all. One read-only connection, no write lock, so an up-to-date
     * file opens while another process holds the write lock. {@code null}: run Flyway.
     */
    private SchemaStatus upToDate() {
        if (!options.extraLocations().isEmpty()) {
            return null;
        }
        try (Connection c = engine.inspectionDataSource(path).getConnection()) {
            return UpToDateCheck.upToDate(engine, c);
        } catch (SQLException e) {
            log.debug("Fast up-to-date check of {} failed, running Flyway: {}", where, e.getMessage());
            return null;
        }
    }

    private DatabaseBusyException busy(Throwable cause) {
        // Pending migrations waited for another connection's write lock past the busy timeout.
        return path != null
                ? new DatabaseBusyException(
                        DatabaseBusyException.Reason.FILE_LOCKED, path, options.busyTimeout(), cause)
                : new DatabaseBusyException(
                        DatabaseBusyException.Reason.FILE_LOCKED, where, options.busyTimeout(), cause);
    }

    private void refuseNewer() {
        MigrationInfoService info = inspecting().info();
        List<String> future = new ArrayList<>();
        for (MigrationInfo m : info.all()) {
            if (m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED) {
                future.add("V" + m.getVersion());
            }
        }
        if (!future.isEmpty()) {
            throw incompatible(
                    IncompatibleDatabaseException.Reason.NEWER_SCHEMA,
                    "schema is newer than this library (applied " + future + ", newest known " + latest(info)
                            + "); upgrade dialup-deploy-db");
        }
    }

    /** A failed adoption must leave a legacy file legacy: drop the baseline Flyway wrote. */
    private void unadopt(DataSource writer) {
        try (Connection c = writer.getConnection()) {
            engine.dropHistory(c);
        } catch (SQLException e) {
            log.warn("Could not remove the migration history after a failed adoption: {}", e.getMessage());
        }
    }

    private static MigrationFailedException migrationFailure(FlywayException e) {
        String name = "(unknown)";
        if (e instanceof FlywayMigrateException fme && fme.getMigration() != null) {
            MigrationInfo m = fme.getMigration();
            name = "V" + m.getVersion() + " (" + m.getDescription() + ")";
        }
        String detail = e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getMessage().lines().findFirst().orElse("");
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null) {
            detail = root.getMessage();
        }
        return new MigrationFailedException(name, detail, e);
    }

    /** Flyway on a read-only connection: info and validate never take the write lock. */
    private Flyway inspecting() {
        return flyway(engine.inspectionDataSource(path), false);
    }

    private Flyway flyway(DataSource ds, boolean adoptLegacy) {
        List<String> locations = new ArrayList<>();
        locations.add(engine.migrationsLocation());
        locations.addAll(options.extraLocations());
        return Flyway.configure(Migrator.class.getClassLoader())
                // SLF4J only: never Flyway's java.util.logging/console fallback, whatever is on the classpath.
                .loggers("slf4j")
                .dataSource(ds)
                .locations(locations.toArray(String[]::new))
                .javaMigrations(javaMigrations(engine))
                .group(true)
                .cleanDisabled(true)
                .baselineOnMigrate(adoptLegacy)
                .baselineVersion(FileShape.LEGACY_VERSION)
                .baselineDescription("legacy Bun schema adopted")
                .validateMigrationNaming(true)
                .load();
    }

    private static SchemaStatus status(MigrationInfoService info) {
        MigrationInfo current = info.current();
        List<String> pending = Arrays.stream(info.pending())
                .map(m -> "V" + m.getVersion() + " " + m.getDescription())
                .toList();
        return new SchemaStatus(current == null ? null : current.getVersion().getVersion(), latest(info), pending);
    }

    private static String latest(MigrationInfoService info) {
        String latest = null;
        MigrationVersion max = null;
        for (MigrationInfo m : info.all()) {
            if (m.getVersion() == null || m.getState().name().startsWith("FUTURE")) continue;
            if (max == null || m.getVersion().compareTo(max) > 0) {
                max = m.getVersion();
                latest = max.getVersion();
            }
        }
        return latest;
    }

    /** True when {@code version} is above {@code latestKnown}. */
    public static boolean isNewer(String version, String latestKnown) {
        return version != null
                && latestKnown != null
                && MigrationVersion.fromVersion(version).compareTo(MigrationVersion.fromVersion(latestKnown)) > 0;
    }
}
