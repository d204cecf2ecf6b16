package dev.dialup.deploy.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dialup.deploy.db.generated.DefaultSchema;
import dev.dialup.deploy.db.migration.V3__Adopt_legacy_sites;
import dev.dialup.deploy.db.migration.V51__Backfill_input_keys;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.engine.OpenDatabases;
import dev.dialup.deploy.db.engine.PrivateFiles;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.engine.sqlite.StorageGuard;
import dev.dialup.deploy.db.engine.sqlite.WalCheckpointer;
import java.io.IOException;
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
import org.flywaydb.core.api.output.ValidateResult;
import org.flywaydb.core.internal.exception.FlywayMigrateException;
import org.jooq.DSLContext;
import org.jooq.Table;
import org.jooq.impl.DataSourceConnectionProvider;
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
    private static final java.util.concurrent.atomic.AtomicBoolean INSECURE_HASHING_WARNED = new java.util.concurrent.atomic.AtomicBoolean();

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
    /** The database whose read or write transaction runs on this thread (innermost), for {@link #inTransaction()}. */
    private static final ThreadLocal<DialupDatabase> ACTIVE = new ThreadLocal<>();
    private final SystemGrant systemGrant;
    private final SchemaStatus statusAtOpen;
    /** Whether open() took the Flyway-free up-to-date path (tests assert it). */
    private final boolean flywaySkipped;
    private static final ThreadLocal<Boolean> FLYWAY_SKIPPED = new ThreadLocal<>();
    private final Object fileKey;
    private final Path openKey;
    private final WriterGate writerGate = new WriterGate();
    private volatile boolean closed;
    /** Set by {@link #eraseOverwrittenContent}; read and cleared by the thread holding the writer gate. */
    private boolean eraseAfterWrite;
    private final WalCheckpointer checkpointer;

    private DialupDatabase(Builder b) {
        // jOOQ's class loading on a second core while this thread opens the file (issue 14).
        StartupWarmup.start();
        this.path = b.path.toAbsolutePath().normalize();
        this.options = b;
        this.clock = b.clock;
        this.systemGrant = b.allowSystemScope ? new SystemGrant(this) : null;
        if (b.migrateOnOpen) {
            prepareLocation(path, b.createDirectories);
        }
        FLYWAY_SKIPPED.remove();
        this.statusAtOpen = b.migrateOnOpen ? migrateFile(path, b) : checkFile(path, b);
        this.flywaySkipped = Boolean.TRUE.equals(FLYWAY_SKIPPED.get());
        FLYWAY_SKIPPED.remove();
        log.info("Opened {} at schema version {}", path, statusAtOpen.currentVersion());
        this.writerPool = pool("dialup-writer", SqliteOnly.dataSource(path, SqliteOnly.writerConfig(b.busyTimeout)), 1, b.writeWait, false);
        try {
            this.readerPool = pool("dialup-reader", SqliteOnly.dataSource(path, SqliteOnly.readerConfig(b.busyTimeout)), b.readers, b.writeWait, true);
        } catch (RuntimeException e) {
            writerPool.close();
            throw e;
        }
        StartupWarmup.awaitFinished(); // jOOQ's static initialisation on one thread at a time
        this.writerDsl = dsl(writerPool);
        this.readerDsl = dsl(readerPool);
        this.fileKey = StorageGuard.fileKey(path);
        this.openKey = OpenDatabases.opened(path);
        if (b.insecurePasswordHashing && !INSECURE_HASHING_WARNED.getAndSet(true)) {
            // Once per JVM: a test suite opens hundreds of such databases; a service must never open one.
            log.warn("{} opened with insecure password hashing for tests: never use this in a service", path);
        }
        // WAL checkpoints off the commit path (issue 15): a background thread, not the committing writer.
        this.checkpointer = new WalCheckpointer(path, b.busyTimeout, CHECKPOINT_PERIOD);
    }

    /** How often the background checkpointer moves the WAL into the database file. */
    static final Duration CHECKPOINT_PERIOD = Duration.ofSeconds(1);

    /** The Java migrations, in one list for Flyway and for the up-to-date check ({@link UpToDateCheck}). */
    static org.flywaydb.core.api.migration.JavaMigration[] javaMigrations() {
        return new org.flywaydb.core.api.migration.JavaMigration[] {new V3__Adopt_legacy_sites(), new V51__Backfill_input_keys()};
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

    /** True when open() found the file up to date from its history table alone and did not start Flyway. */
    boolean openedWithoutFlyway() {
        return flywaySkipped;
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
        DialupDatabase outer = ACTIVE.get();
        ACTIVE.set(this);
        try {
            return write0(work);
        } finally {
            restoreActive(outer);
        }
    }

    private <T> T write0(Function<DSLContext, T> work) {
        DSLContext joined = currentWrite.get();
        if (joined != null) {
            return nestedWrite(joined, work);
        }
        requireOpen();
        StorageGuard.requireFileInPlace(path, fileKey);
        long started = System.nanoTime();
        writerGate.acquire(path, options.writeWait);
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
            throw translate(e, started);
        } finally {
            try {
                if (eraseAfterWrite) {
                    eraseAfterWrite = false;
                    truncateWalAfterErase();
                }
            } finally {
                writerGate.release();
            }
        }
    }

    /**
     * A write made inside another write runs in a savepoint: if it throws, its own changes are
     * rolled back before the exception reaches the caller, whatever the caller does next; if it
     * returns, the savepoint is released and its changes commit (or not) with the caller's transaction.
     */
    private <T> T nestedWrite(DSLContext outer, Function<DSLContext, T> work) {
        return outer.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            currentWrite.set(tx);
            try {
                return work.apply(tx);
            } finally {
                currentWrite.set(outer);
            }
        });
    }

    /**
     * Call inside a {@link #write} that overwrites or deletes sensitive content (e.g. the plain
     * value of a variable re-saved as a secret): SQLite's {@code secure_delete} is on for the rest
     * of the transaction, so freed content is overwritten with zeros, and right after the
     * outermost write ends the WAL is checkpointed and truncated, so no older copy of the pages
     * stays in the {@code -wal} file. Costs are in docs/PERFORMANCE.md.
     */
    public void eraseOverwrittenContent() {
        DSLContext tx = currentWrite.get();
        if (tx == null) {
            throw new IllegalStateException("eraseOverwrittenContent() must be called inside write(...)");
        }
        tx.connection(c -> SqliteOnly.secureDelete(c, true));
        eraseAfterWrite = true;
    }

    private void truncateWalAfterErase() {
        try (Connection c = writerPool.getConnection()) {
            SqliteOnly.secureDelete(c, false);
            SqliteOnly.Checkpoint cp = SqliteOnly.walCheckpointTruncate(c);
            if (cp.busy()) {
                log.warn("Could not truncate the WAL of {} after erasing sensitive content: readers held it;"
                        + " it is truncated by the next checkpoint", path);
            }
        } catch (SQLException e) {
            log.warn("Could not truncate the WAL of {} after erasing sensitive content: {}", path, e.getMessage());
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new DatabaseClosedException(path, null);
        }
    }

    /** Typed exceptions for a closed database, a busy one, an interrupted wait and storage failures. */
    private RuntimeException translate(RuntimeException e, long startedNanos) {
        if (e instanceof DialupDataException) {
            return e;
        }
        if (closed) {
            return new DatabaseClosedException(path, e);
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - startedNanos);
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException) {
                // Hikari gave up waiting for a pooled connection.
                if (Thread.currentThread().isInterrupted() || t.getCause() instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    return new OperationInterruptedException(path, e);
                }
                return new DatabaseBusyException(DatabaseBusyException.Reason.READER_POOL, path, waited, e);
            }
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return new OperationInterruptedException(path, e);
            }
            if (t instanceof SQLException sql && ((sql.getErrorCode() & 0xff) == 5 || (sql.getErrorCode() & 0xff) == 6)) {
                return new DatabaseBusyException(DatabaseBusyException.Reason.FILE_LOCKED, path, waited, e);
            }
            if (t instanceof SQLException sql && sql.getMessage() != null && sql.getMessage().contains("has been closed")) {
                return new DatabaseClosedException(path, e);
            }
        }
        return StorageGuard.translate(path, e);
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
        DialupDatabase outer = ACTIVE.get();
        ACTIVE.set(this);
        try {
            DSLContext joined = currentWrite.get();
            if (joined != null) {
                return work.apply(joined);
            }
            requireOpen();
            long started = System.nanoTime();
            try {
                return readerDsl.transactionResult(cfg -> work.apply(cfg.dsl()));
            } catch (RuntimeException e) {
                throw translate(e, started);
            }
        } finally {
            restoreActive(outer);
        }
    }

    private static void restoreActive(DialupDatabase outer) {
        if (outer == null) {
            ACTIVE.remove();
        } else {
            ACTIVE.set(outer);
        }
    }

    /**
     * The database whose {@link #read} or {@link #write} is running on this thread (the
     * innermost one), or null outside any. Access decisions use it to accept only this
     * database's own {@linkplain #systemScope system scopes}.
     */
    public static DialupDatabase inTransaction() {
        return ACTIVE.get();
    }

    /**
     * The system scope of a named platform component (monitoring, orchestrator, scheduler,
     * CLI): sees and manages everything, and is recorded as {@code system:<component>} in audit
     * rows. It is a capability of <em>this</em> database object: only a database built with
     * {@link Builder#allowSystemScope()} mints it, and every other {@code DialupDatabase}
     * refuses it ({@link AccessDeniedException}). Anyone holding this object can call this
     * method, so give less trusted code repositories or user scopes, not the database.
     *
     * @param component 1–48 of ASCII letters, digits, {@code . _ : -}, starting with a letter or
     *                  digit ({@link ValidationException} otherwise)
     * @throws IllegalStateException if the builder did not opt in with {@code allowSystemScope()}
     */
    public dev.dialup.deploy.db.core.AccessScope systemScope(String component) {
        if (systemGrant == null) {
            throw new IllegalStateException("this database was opened without DialupDatabase.Builder.allowSystemScope(): it mints no system scope");
        }
        return dev.dialup.deploy.db.core.AccessScope.system(systemGrant, component);
    }

    /** True when {@link #systemScope} is available (the builder opted in). */
    public boolean allowsSystemScope() {
        return systemGrant != null;
    }

    /**
     * The proof, held inside a system {@code AccessScope}, that a database minted it. Only a
     * {@code DialupDatabase} built with {@link Builder#allowSystemScope()} creates one (its
     * constructor is private) and none is ever returned to callers.
     */
    public static final class SystemGrant {
        private final DialupDatabase database;

        private SystemGrant(DialupDatabase database) {
            this.database = database;
        }

        /** The database that minted this grant. */
        public DialupDatabase database() {
            return database;
        }
    }

    /** A DSLContext on the reader pool; each statement borrows a connection. Prefer {@link #read}. */
    public DSLContext readDsl() {
        return readerDsl;
    }

    /** Background WAL checkpoints run so far (diagnostics; the writer's commits do not checkpoint). */
    public long backgroundCheckpoints() {
        return checkpointer.checkpoints();
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
        requireOpen();
        long started = System.nanoTime();
        writerGate.acquire(path, options.writeWait);
        try (Connection c = writerPool.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw translate(new DialupDataException("Database maintenance on " + path + " failed: " + e.getMessage(), e),
                    e, started);
        } catch (RuntimeException e) {
            throw translate(e, started);
        } finally {
            writerGate.release();
        }
    }

    /** Borrows a read-only connection outside jOOQ. */
    public <T> T withReaderConnection(SqlFunction<Connection, T> work) {
        requireOpen();
        long started = System.nanoTime();
        try (Connection c = readerPool.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw translate(new DialupDataException("Read on " + path + " failed: " + e.getMessage(), e), e, started);
        } catch (RuntimeException e) {
            throw translate(e, started);
        }
    }

    /** {@code generic} unless the SQL error is one of the typed ones (closed, busy, interrupted, storage). */
    private RuntimeException translate(DialupDataException generic, SQLException e, long started) {
        RuntimeException typed = translate(new RuntimeException(e.getMessage(), e), started);
        return typed.getCause() == e ? generic : typed;
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
        closed = true;
        writerGate.close();
        try {
            checkpointer.close();
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
        if (kind == DatabaseInspector.Kind.MANAGED) {
            SchemaStatus upToDate = upToDate(path, b);
            if (upToDate != null) {
                return upToDate;
            }
        }
        StartupWarmup.awaitFinished(); // the backup before migrating uses jOOQ
        DataSource writer = SqliteOnly.dataSource(path, SqliteOnly.writerConfig(b.busyTimeout));
        if (kind == DatabaseInspector.Kind.MANAGED) {
            refuseNewer(path, b);
        }
        Flyway flyway = flyway(path, b, writer, kind == DatabaseInspector.Kind.LEGACY);
        if (kind == DatabaseInspector.Kind.NEW) {
            try (Connection c = writer.getConnection()) {
                SqliteOnly.prepareNewDatabase(c);
            } catch (SQLException e) {
                if (isBusy(e)) throw busy(path, b, e);
                throw new DialupDataException("Cannot create database " + path + ": " + e.getMessage(), e);
            }
        } else {
            // Read-only: the writer's connections start every transaction with BEGIN IMMEDIATE.
            SchemaStatus before = kind == DatabaseInspector.Kind.MANAGED
                    ? status(flyway(path, b, SqliteOnly.dataSource(path, SqliteOnly.inspectConfig()), false).info())
                    : status(flyway.info());
            if (before.upToDate() && kind == DatabaseInspector.Kind.MANAGED) {
                // Nothing pending: validate on a read-only connection instead of migrate, which would
                // open a write transaction (BEGIN IMMEDIATE) and wait for the write lock for nothing.
                ValidateResult valid = flyway(path, b, SqliteOnly.dataSource(path, SqliteOnly.inspectConfig()), false).validateWithResult();
                if (!valid.validationSuccessful) {
                    throw new MigrationFailedException("(validation)", valid.getAllErrorMessages(), null);
                }
                return before;
            }
            if (!before.upToDate()) {
                // Wait for the write lock here, where a busy file gets a clear error, not Flyway's
                // rollback noise and "Migration (unknown) failed".
                try (Connection c = writer.getConnection(); var st = c.createStatement()) {
                    st.execute("BEGIN IMMEDIATE");
                    st.execute("ROLLBACK");
                } catch (SQLException e) {
                    if (isBusy(e)) throw busy(path, b, e);
                    throw new DialupDataException("Cannot write to " + path + ": " + e.getMessage(), e);
                }
                if (b.beforeMigrate != null) {
                    b.beforeMigrate.accept(path);
                }
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
            if (isBusy(e)) {
                throw busy(path, b, e);
            }
            throw migrationFailure(e);
        }
        return status(flyway(path, b, SqliteOnly.dataSource(path, SqliteOnly.inspectConfig()), false).info());
    }

    private static SchemaStatus checkFile(Path path, Builder b) {
        DatabaseInspector.Kind kind = DatabaseInspector.inspect(path);
        if (kind == DatabaseInspector.Kind.MANAGED) {
            SchemaStatus upToDate = upToDate(path, b);
            if (upToDate != null) {
                return upToDate;
            }
            refuseNewer(path, b);
            return status(flyway(path, b, SqliteOnly.dataSource(path, SqliteOnly.inspectConfig()), false).info());
        }
        throw new DialupDataException("Database " + path + " is " + (kind == DatabaseInspector.Kind.NEW ? "empty" : "a legacy database")
                + " and migrate-on-open is off: run the 'migrate' command (or DialupDatabase.migrate) first");
    }

    /**
     * The fast path of open: when the history table records exactly this library's migrations
     * (versions, scripts and checksums; see {@link UpToDateCheck}), the database is up to date and
     * Flyway is not started at all. One read-only connection, no write lock, so an up-to-date
     * file opens while another process holds the write lock. {@code null}: run Flyway.
     */
    private static SchemaStatus upToDate(Path path, Builder b) {
        if (!b.extraLocations.isEmpty()) {
            return null;
        }
        FLYWAY_SKIPPED.set(Boolean.TRUE);
        try (Connection c = SqliteOnly.dataSource(path, SqliteOnly.inspectConfig()).getConnection()) {
            SchemaStatus status = UpToDateCheck.upToDate(c);
            FLYWAY_SKIPPED.set(status != null);
            return status;
        } catch (SQLException e) {
            log.debug("Fast up-to-date check of {} failed, running Flyway: {}", path, e.getMessage());
            return null;
        }
    }

    /** Whether {@code e} (or a cause) is SQLite's SQLITE_BUSY / SQLITE_LOCKED: another connection held the lock too long. */
    static boolean isBusy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && ((sql.getErrorCode() & 0xff) == 5 || (sql.getErrorCode() & 0xff) == 6)) {
                return true;
            }
        }
        return false;
    }

    private static DatabaseBusyException busy(Path path, Builder b, Throwable cause) {
        // Pending migrations waited for another connection's write lock past the busy timeout.
        return new DatabaseBusyException(DatabaseBusyException.Reason.FILE_LOCKED, path, b.busyTimeout, cause);
    }

    /** Applies pending migrations to a file without keeping it open (what the CLI's migrate does). */
    public static SchemaStatus migrate(Path path) {
        return migrate(path, false);
    }

    /** {@link #migrate(Path)}, creating missing directories ({@code 0700}) when {@code createDirectories} is true. */
    public static SchemaStatus migrate(Path path, boolean createDirectories) {
        Builder b = builder().path(path);
        if (createDirectories) {
            b.createDirectories(true);
        }
        Path file = path.toAbsolutePath().normalize();
        prepareLocation(file, b.createDirectories);
        return migrateFile(file, b);
    }

    /**
     * Before creating or migrating: the directory must exist (it is created, {@code 0700}, only
     * for {@link #DEFAULT_PATH} or when asked), and a missing database file is created empty and
     * {@code 0600} before SQLite opens it, so SQLite gives its {@code -wal} and {@code -shm} the
     * same private mode. An existing file keeps its mode ({@code verify} warns if it is looser).
     */
    private static void prepareLocation(Path file, Boolean createDirectories) {
        Path dir = file.getParent();
        boolean create = createDirectories != null ? createDirectories
                : file.equals(DEFAULT_PATH.toAbsolutePath().normalize());
        try {
            if (!Files.isDirectory(dir)) {
                if (!create) {
                    throw new StorageException(StorageException.Reason.DIRECTORY_MISSING, file,
                            "the directory " + dir + " does not exist; nothing was created. Check the path, or ask for it"
                                    + " to be created (CLI: --create-dirs; DialupDatabase.builder().createDirectories(true))", null);
                }
                PrivateFiles.createDirectories(dir);
            }
            if (!Files.exists(file)) {
                PrivateFiles.createFile(file);
            }
        } catch (IOException e) {
            throw StorageGuard.permissionProblem(file, true).orElseGet(() -> new StorageException(
                    StorageException.Reason.IO_ERROR, file, "cannot create the database file: " + e.getMessage(), e));
        }
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
                // SLF4J only: never Flyway's java.util.logging/console fallback, whatever is on the classpath.
                .loggers("slf4j")
                .dataSource(ds)
                .locations(locations.toArray(String[]::new))
                .javaMigrations(javaMigrations())
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
        // Lazy: open() does not wait for a first connection (the file was already checked); the
        // first query opens one.
        hc.setInitializationFailTimeout(-1);
        hc.setConnectionTimeout(wait.toMillis());
        hc.setAutoCommit(true);
        // Must match how the driver opened the connection: sqlite-jdbc cannot flip it afterwards.
        hc.setReadOnly(readOnly);
        return new HikariDataSource(hc);
    }

    private static DSLContext dsl(DataSource ds) {
        return JooqConfig.dsl(new DataSourceConnectionProvider(ds));
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
        private boolean allowSystemScope;
        private Boolean createDirectories;

        private Builder() {}

        /**
         * TEST SUITES ONLY. Lowers the floors of the password-hashing settings in
         * {@code system_config} (bcrypt cost from 10 to 4, argon2id memory from 19 MiB to 8 KiB and
         * iterations from 2 to 1) so tests can hash in microseconds. Only the code that opens the
         * database can choose it — no stored value or caller-made setting can. Never use it in a
         * service; the first such open in a JVM logs a warning.
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

        /**
         * Lets this database mint system scopes ({@link DialupDatabase#systemScope(String)}) —
         * for the service that owns the database and runs platform components (ingest,
         * orchestration, maintenance, the CLI). Off by default: a database opened without it
         * has no system capability at all.
         */
        public Builder allowSystemScope() {
            this.allowSystemScope = true;
            return this;
        }

        /**
         * Whether a missing directory of the database file is created ({@code 0700}). Default:
         * only for {@link #DEFAULT_PATH}; any other missing directory is refused with a
         * {@link StorageException} ({@code DIRECTORY_MISSING}), so a typo in a path never
         * becomes a fresh, empty platform.
         */
        public Builder createDirectories(boolean create) {
            this.createDirectories = create;
            return this;
        }

        public DialupDatabase build() {
            return new DialupDatabase(this);
        }
    }
}
