package dev.dialup.deploy.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dialup.deploy.db.generated.DefaultSchema;
import dev.dialup.deploy.db.migration.V3__Adopt_legacy_sites;
import dev.dialup.deploy.db.ops.BackupService;
import dev.dialup.deploy.db.ops.OpenDatabases;
import dev.dialup.deploy.db.ops.SqliteOnly;
import dev.dialup.deploy.db.ops.StorageGuard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.internal.exception.FlywayMigrateException;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.conf.ExecuteWithoutWhere;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.DataSourceConnectionProvider;
import org.jooq.impl.DefaultConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point a service constructs: one SQLite file, migrated on open, with one writer
 * connection and a pool of read-only connections.
 *
 * <pre>{@code
 * try (DialupDatabase db = DialupDatabase.open(Path.of("data/dialup-deploy.db"))) {
 *     var users = new UserRepository(db);
 * }
 * }</pre>
 *
 * Writes run in {@link #write} transactions that start with {@code BEGIN IMMEDIATE} on the
 * single writer connection, so concurrent writers queue in the pool instead of failing
 * with {@code SQLITE_BUSY}. Reads run on the reader pool in a snapshot transaction; a read
 * made inside a write transaction joins it and sees its uncommitted changes.
 */
public final class DialupDatabase implements AutoCloseable {
    /** Environment variable that overrides the default file. */
    public static final String ENV_VAR = "DIALUP_DB";
    public static final Path DEFAULT_PATH = Path.of("data", "dialup-deploy.db");
    public static final String MIGRATIONS = "classpath:db/migration/sqlite";

    private static final Logger log = LoggerFactory.getLogger(DialupDatabase.class);

    static {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    private final Path path;
    private final Builder options;
    private final Clock clock;
    private final HikariDataSource writerPool;
    private final HikariDataSource readerPool;
    private final DSLContext writerDsl;
    private final DSLContext readerDsl;
    private final ThreadLocal<DSLContext> currentWrite = new ThreadLocal<>();
    private final SchemaStatus statusAtOpen;
    private final Object fileKey;
    private final Path openKey;

    private DialupDatabase(Builder b) {
        this.path = b.path.toAbsolutePath().normalize();
        this.options = b;
        this.clock = b.clock;
        try {
            Files.createDirectories(path.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the directory of " + path, e);
        }
        this.statusAtOpen = b.migrateOnOpen ? migrateFile(path, b) : checkFile(path, b);
        this.writerPool = pool("dialup-writer", SqliteOnly.dataSource(path, SqliteOnly.writerConfig(b.busyTimeout)), 1, b.writeWait, false);
        try {
            this.readerPool = pool("dialup-reader", SqliteOnly.dataSource(path, SqliteOnly.readerConfig(b.busyTimeout)), b.readers, b.writeWait, true);
        } catch (RuntimeException e) {
            writerPool.close();
            throw e;
        }
        this.writerDsl = dsl(writerPool);
        this.readerDsl = dsl(readerPool);
        this.fileKey = StorageGuard.fileKey(path);
        this.openKey = OpenDatabases.opened(path);
        if (b.insecurePasswordHashing) {
            log.warn("{} opened with insecure password hashing for tests: never use this in a service", path);
        }
    }

    /** Opens (creating, adopting or migrating as needed) the file named by {@code DIALUP_DB}, or {@code ./data/dialup-deploy.db}. */
    public static DialupDatabase open() {
        return builder().build();
    }

    public static DialupDatabase open(Path path) {
        return builder().path(path).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code DIALUP_DB} if set and not blank, else {@link #DEFAULT_PATH}. */
    public static Path defaultPath() {
        String env = System.getenv(ENV_VAR);
        return env == null || env.isBlank() ? DEFAULT_PATH : Path.of(env);
    }

    public Path path() {
        return path;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * Whether this database was opened with {@link Builder#insecurePasswordHashingForTests()}:
     * the password-hashing settings then accept test-only cheap values.
     */
    public boolean insecurePasswordHashingForTests() {
        return options.insecurePasswordHashing;
    }

    /** Schema status right after open (and after migrating, when migrate-on-open is on). */
    public SchemaStatus statusAtOpen() {
        return statusAtOpen;
    }

    /**
     * Runs {@code work} in a write transaction ({@code BEGIN IMMEDIATE}) and commits, or rolls
     * back if it throws. A call made while this thread is already inside a write joins that
     * transaction.
     */
    public <T> T write(Function<DSLContext, T> work) {
        DSLContext joined = currentWrite.get();
        if (joined != null) {
            return work.apply(joined);
        }
        StorageGuard.requireFileInPlace(path, fileKey);
        try {
            return writerDsl.transactionResult(cfg -> {
                DSLContext tx = cfg.dsl();
                currentWrite.set(tx);
                try {
                    return work.apply(tx);
                } finally {
                    currentWrite.remove();
                }
            });
        } catch (RuntimeException e) {
            throw StorageGuard.translate(path, e);
        }
    }

    public void writeVoid(Consumer<DSLContext> work) {
        write(tx -> {
            work.accept(tx);
            return null;
        });
    }

    /**
     * Runs {@code work} on a read-only connection inside one snapshot transaction, so every
     * query in it sees the same state. Inside a write transaction it joins the write.
     */
    public <T> T read(Function<DSLContext, T> work) {
        DSLContext joined = currentWrite.get();
        if (joined != null) {
            return work.apply(joined);
        }
        return readerDsl.transactionResult(cfg -> work.apply(cfg.dsl()));
    }

    /** A DSLContext on the reader pool; each statement borrows a connection. Prefer {@link #read}. */
    public DSLContext readDsl() {
        return readerDsl;
    }

    /** True while this thread is inside {@link #write}. */
    public boolean inWriteTransaction() {
        return currentWrite.get() != null;
    }

    /** Borrows the writer connection outside jOOQ (maintenance: checkpoints, vacuum, backup). */
    public <T> T withWriterConnection(SqlFunction<Connection, T> work) {
        if (currentWrite.get() != null) {
            throw new IllegalStateException("Cannot borrow the writer connection inside a write transaction");
        }
        try (Connection c = writerPool.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw new DialupDataException("Database maintenance on " + path + " failed: " + e.getMessage(), e);
        }
    }

    /** Borrows a read-only connection outside jOOQ. */
    public <T> T withReaderConnection(SqlFunction<Connection, T> work) {
        try (Connection c = readerPool.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw new DialupDataException("Read on " + path + " failed: " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    public interface SqlFunction<C, T> {
        T apply(C connection) throws SQLException;
    }

    /** Row count of every table of the schema, in schema order. */
    public Map<String, Long> rowCounts() {
        return read(dsl -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (Table<?> table : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
                counts.put(table.getName(), (long) dsl.fetchCount(table));
            }
            return counts;
        });
    }

    /** Current schema status of the open file. */
    public SchemaStatus status() {
        return status(flyway(path, options, SqliteOnly.dataSource(path, SqliteOnly.inspectConfig()), false).info());
    }

    @Override
    public void close() {
        try {
            readerPool.close();
        } finally {
            writerPool.close();
            OpenDatabases.closed(openKey);
        }
    }

    // --- opening and migrating -------------------------------------------------------

    /**
     * Classifies the file, refuses what it must not touch, and applies pending migrations
     * in one transaction (all or nothing).
     */
    private static SchemaStatus migrateFile(Path path, Builder b) {
        DatabaseInspector.Kind kind = DatabaseInspector.inspect(path);
        DataSource writer = SqliteOnly.dataSource(path, SqliteOnly.writerConfig(b.busyTimeout));
        if (kind == DatabaseInspector.Kind.MANAGED) {
            refuseNewer(path, b);
        }
        Flyway flyway = flyway(path, b, writer, kind == DatabaseInspector.Kind.LEGACY);
        if (kind == DatabaseInspector.Kind.NEW) {
            try (Connection c = writer.getConnection()) {
                SqliteOnly.prepareNewDatabase(c);
            } catch (SQLException e) {
                throw new DialupDataException("Cannot create database " + path + ": " + e.getMessage(), e);
            }
        } else {
            SchemaStatus before = status(flyway.info());
            if (!before.upToDate() && b.beforeMigrate != null) {
                b.beforeMigrate.accept(path);
            }
        }
        try {
            MigrateResult result = flyway.migrate();
            if (result.migrationsExecuted > 0) {
                log.info("Migrated {} to schema version {} ({} migrations{})", path, result.targetSchemaVersion,
                        result.migrationsExecuted, kind == DatabaseInspector.Kind.LEGACY ? ", adopted legacy database" : "");
            }
        } catch (FlywayException e) {
            if (kind == DatabaseInspector.Kind.LEGACY) {
                unadopt(writer);
            }
            throw migrationFailure(e);
        }
        return status(flyway.info());
    }

    private static SchemaStatus checkFile(Path path, Builder b) {
        DatabaseInspector.Kind kind = DatabaseInspector.inspect(path);
        if (kind == DatabaseInspector.Kind.MANAGED) {
            refuseNewer(path, b);
            return status(flyway(path, b, SqliteOnly.dataSource(path, SqliteOnly.inspectConfig()), false).info());
        }
        throw new DialupDataException("Database " + path + " is " + (kind == DatabaseInspector.Kind.NEW ? "empty" : "a legacy database")
                + " and migrate-on-open is off: run the 'migrate' command (or DialupDatabase.migrate) first");
    }

    /** Applies pending migrations to a file without keeping it open (what the CLI's migrate does). */
    public static SchemaStatus migrate(Path path) {
        Builder b = builder().path(path);
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return migrateFile(path.toAbsolutePath(), b);
    }

    /** Schema status of a file, read-only and without refusing a newer schema (verify, restore checks). */
    public static SchemaStatus statusOf(Path path) {
        return status(flyway(path, builder().path(path), SqliteOnly.dataSource(path, SqliteOnly.inspectConfig()), false).info());
    }

    private static void refuseNewer(Path path, Builder b) {
        MigrationInfoService info = flyway(path, b, SqliteOnly.dataSource(path, SqliteOnly.inspectConfig()), false).info();
        List<String> future = new ArrayList<>();
        for (MigrationInfo m : info.all()) {
            if (m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED) {
                future.add("V" + m.getVersion());
            }
        }
        if (!future.isEmpty()) {
            throw new IncompatibleDatabaseException(IncompatibleDatabaseException.Reason.NEWER_SCHEMA, path,
                    "schema is newer than this library (applied " + future + ", newest known "
                            + latest(info) + "); upgrade dialup-deploy-db");
        }
    }

    /** A failed adoption must leave a legacy file legacy: drop the baseline Flyway wrote. */
    private static void unadopt(DataSource writer) {
        try (Connection c = writer.getConnection(); var st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + DatabaseInspector.HISTORY_TABLE);
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
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null) {
            detail = root.getMessage();
        }
        return new MigrationFailedException(name, detail, e);
    }

    private static Flyway flyway(Path path, Builder b, DataSource ds, boolean adoptLegacy) {
        List<String> locations = new ArrayList<>();
        locations.add(MIGRATIONS);
        locations.addAll(b.extraLocations);
        return Flyway.configure(DialupDatabase.class.getClassLoader())
                .dataSource(ds)
                .locations(locations.toArray(String[]::new))
                .javaMigrations(new V3__Adopt_legacy_sites())
                .group(true)
                .cleanDisabled(true)
                .baselineOnMigrate(adoptLegacy)
                .baselineVersion("1")
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
        org.flywaydb.core.api.MigrationVersion max = null;
        for (MigrationInfo m : info.all()) {
            if (m.getVersion() == null || m.getState().name().startsWith("FUTURE")) continue;
            if (max == null || m.getVersion().compareTo(max) > 0) {
                max = m.getVersion();
                latest = max.getVersion();
            }
        }
        return latest;
    }

    private static HikariDataSource pool(String name, DataSource ds, int size, Duration wait, boolean readOnly) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        hc.setDataSource(ds);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(wait.toMillis());
        hc.setAutoCommit(true);
        // Must match how the driver opened the connection: sqlite-jdbc cannot flip it afterwards.
        hc.setReadOnly(readOnly);
        return new HikariDataSource(hc);
    }

    private static DSLContext dsl(DataSource ds) {
        Settings settings = new Settings()
                .withExecuteUpdateWithoutWhere(ExecuteWithoutWhere.THROW)
                .withExecuteDeleteWithoutWhere(ExecuteWithoutWhere.THROW)
                .withRenderFormatted(false);
        return DSL.using(new DefaultConfiguration()
                .set(SQLDialect.SQLITE)
                .set(new DataSourceConnectionProvider(ds))
                .set(settings));
    }

    /** Options for {@link DialupDatabase}. */
    public static final class Builder {
        private Path path = defaultPath();
        private boolean migrateOnOpen = true;
        private int readers = 4;
        private Duration busyTimeout = Duration.ofSeconds(10);
        private Duration writeWait = Duration.ofSeconds(60);
        private Clock clock = Clock.systemUTC();
        private final List<String> extraLocations = new ArrayList<>();
        private Consumer<Path> beforeMigrate = BackupService.preMigrationHook();
        private boolean insecurePasswordHashing;

        private Builder() {}

        /**
         * TEST SUITES ONLY. Lowers the floors of the password-hashing settings in
         * {@code system_config} (bcrypt cost from 10 to 4, argon2id memory from 19 MiB to 8 KiB and
         * iterations from 2 to 1) so tests can hash in microseconds. Only the code that opens the
         * database can choose it — no stored value or caller-made setting can. Never use it in a
         * service; opening logs a warning.
         */
        public Builder insecurePasswordHashingForTests() {
            this.insecurePasswordHashing = true;
            return this;
        }

        public Builder path(Path path) {
            this.path = Objects.requireNonNull(path, "path");
            return this;
        }

        /** Apply pending migrations on open (default). Off: open refuses a database that is not up to date. */
        public Builder migrateOnOpen(boolean migrate) {
            this.migrateOnOpen = migrate;
            return this;
        }

        /** Size of the read-only pool (default 4). */
        public Builder readers(int readers) {
            if (readers < 1) throw new IllegalArgumentException("readers must be >= 1");
            this.readers = readers;
            return this;
        }

        /** SQLite busy timeout for every connection (default 10 s): covers other processes holding the lock. */
        public Builder busyTimeout(Duration timeout) {
            this.busyTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** How long a writer waits for the single writer connection before failing (default 60 s). */
        public Builder writeWait(Duration wait) {
            this.writeWait = Objects.requireNonNull(wait);
            return this;
        }

        /** Clock used for timestamps the library writes (default UTC system clock); tests pin it. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Extra Flyway locations after the library's own (tests, platform extensions). */
        public Builder extraMigrationLocation(String location) {
            this.extraLocations.add(Objects.requireNonNull(location));
            return this;
        }

        /**
         * Called with the file before migrations are applied to a non-empty database. Default: a
         * verified backup into {@code backups/} beside the file ({@link BackupService#preMigrationHook()});
         * {@code null} turns it off.
         */
        public Builder beforeMigrate(Consumer<Path> hook) {
            this.beforeMigrate = hook;
            return this;
        }

        public DialupDatabase build() {
            return new DialupDatabase(this);
        }
    }
}
