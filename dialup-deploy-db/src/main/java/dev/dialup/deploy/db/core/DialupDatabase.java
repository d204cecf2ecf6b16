package dev.dialup.deploy.db.core;

import dev.dialup.deploy.db.ReaderConnections;
import dev.dialup.deploy.db.SchemaStatus;
import dev.dialup.deploy.db.SqlFunction;
import dev.dialup.deploy.db.engine.CurrentEngine;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.OpenDatabases;
import dev.dialup.deploy.db.engine.SchemaTables;
import dev.dialup.deploy.db.engine.StartupWarmup;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.migration.Migrator;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point a service constructs: one database, migrated on open, with a writer pool and
 * a pool of read-only connections. The database is an SQLite file (the embedded default) or a
 * PostgreSQL database named by a JDBC URL; the repositories and everything else are the same.
 *
 * <pre>{@code
 * try (DialupDatabase db = DialupDatabase.open(Path.of("data/dialup-deploy.db"))) {
 *     var users = new UserRepository(db);
 * }
 * // or: DialupDatabase.builder().location("jdbc:postgresql://db.internal:5432/dialup").build()
 * }</pre>
 *
 * On SQLite, writes run in {@link #write} transactions that start with {@code BEGIN IMMEDIATE}
 * on the single writer connection, so concurrent writers queue in the pool instead of failing
 * with {@code SQLITE_BUSY}. On PostgreSQL, writers run in parallel in SERIALIZABLE transactions;
 * a serialization failure or deadlock re-runs the whole {@code work} function (a bounded number
 * of times), so {@code work} must not have effects outside the database. Reads run on the reader
 * pool in a snapshot transaction; a read made inside a write transaction joins it and sees its
 * uncommitted changes.
 */
public final class DialupDatabase implements AutoCloseable, ReaderConnections {
    /** Environment variable that overrides the default location: a file path or a {@code jdbc:postgresql:} URL. */
    public static final String ENV_VAR = "DIALUP_DB";

    public static final Path DEFAULT_PATH = Path.of("data", "dialup-deploy.db");
    /** Flyway location of the library's own migrations (those of the file engine). */
    public static final String MIGRATIONS = Engines.files().migrationsLocation();

    private static final Logger log = LoggerFactory.getLogger(DialupDatabase.class);
    private static final java.util.concurrent.atomic.AtomicBoolean INSECURE_HASHING_WARNED =
            new java.util.concurrent.atomic.AtomicBoolean();

    static {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    private final Path path;
    private final String location;
    private final Builder options;
    private final Clock clock;
    private final Transactions transactions;
    /** The database whose read or write transaction runs on this thread (innermost), for {@link #inTransaction()}. */
    private static final ThreadLocal<DialupDatabase> ACTIVE = new ThreadLocal<>();

    private final SystemGrant systemGrant;
    private final SchemaStatus statusAtOpen;
    /** Whether open() took the Flyway-free up-to-date path (tests assert it). */
    private final boolean flywaySkipped;

    private final Path openKey;
    private final DatabaseEngine engine;
    private final DatabaseEngine.BackgroundCheckpoints checkpointer;

    private DialupDatabase(Builder b) {
        // jOOQ's class loading on a second core while this thread opens the file (issue 14).
        StartupWarmup.start(b.engine.dialect());
        this.path = b.path == null ? null : b.path.toAbsolutePath().normalize();
        this.options = b;
        this.clock = b.clock;
        this.engine = b.engine;
        this.location = engine.describe(path);
        this.systemGrant = b.allowSystemScope ? new SystemGrant(this) : null;
        if (b.migrateOnOpen && path != null) {
            engine.prepareLocation(path, createDirectories(path, b.createDirectories));
        }
        Migrator migrator = new Migrator(engine, path, migrationOptions(b));
        Migrator.Outcome opened = b.migrateOnOpen ? migrator.migrate() : migrator.check();
        this.statusAtOpen = opened.status();
        this.flywaySkipped = opened.flywaySkipped();
        log.info("Opened {} at schema version {}", location, statusAtOpen.currentVersion());
        this.transactions = new Transactions(path, location, engine, b.readers, b.writers, b.busyTimeout, b.writeWait);
        this.openKey = path == null ? null : OpenDatabases.opened(path);
        if (b.insecurePasswordHashing && !INSECURE_HASHING_WARNED.getAndSet(true)) {
            // Once per JVM: a test suite opens hundreds of such databases; a service must never open one.
            log.warn("{} opened with insecure password hashing for tests: never use this in a service", location);
        }
        // WAL checkpoints off the commit path (issue 15): a background thread, not the committing writer.
        this.checkpointer = engine.startBackgroundCheckpoints(path, b.busyTimeout, CHECKPOINT_PERIOD);
    }

    /**
     * How often the background checkpointer moves the WAL into the database file: often enough that the WAL
     * never reaches the writer's backstop between two checkpoints, even under single-sample ingest (~40,000
     * frames a second), which would make a commit copy it (docs/PERFORMANCE.md, issue 15). An idle
     * checkpoint of an empty WAL costs next to nothing.
     */
    static final Duration CHECKPOINT_PERIOD = Duration.ofMillis(100);

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

    /** {@code DIALUP_DB} if set and not blank, else {@link #DEFAULT_PATH}: a file path or a {@code jdbc:postgresql:} URL. */
    public static String defaultLocation() {
        String env = System.getenv(ENV_VAR);
        return env == null || env.isBlank() ? DEFAULT_PATH.toString() : env.trim();
    }

    /**
     * {@code DIALUP_DB} as a file path if set and not blank, else {@link #DEFAULT_PATH}. Prefer
     * {@link #defaultLocation()}, which may also be a PostgreSQL URL.
     */
    public static Path defaultPath() {
        return Path.of(defaultLocation());
    }

    /** The SQLite file, or null when the database is on a PostgreSQL server (see {@link #location()}). */
    public Path path() {
        return path;
    }

    /** Where the database is, safe to print: the file, or {@code postgresql://host:port/database} (no credentials). */
    public String location() {
        return location;
    }

    /** The engine's short name: {@code sqlite} or {@code postgresql}. */
    public String engineName() {
        return engine.name();
    }

    public Clock clock() {
        return clock;
    }

    /** True when open() found the file up to date from its history table alone and did not start Flyway. */
    public boolean openedWithoutFlyway() {
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
        return write(Identity.NONE, work);
    }

    /**
     * {@link #write(Function)} on behalf of {@code scope}: on PostgreSQL the transaction carries the
     * caller's identity for row-level security (transaction-local settings, docs/tenancy.md), the
     * second wall behind the repositories' own access checks. Repositories open every transaction
     * this way; a transaction opened without a scope sees no tenant row on PostgreSQL. On SQLite
     * it is the same as {@link #write(Function)}.
     */
    public <T> T write(AccessScope scope, Function<DSLContext, T> work) {
        return write(identityOf(scope), work);
    }

    /** {@link #writeVoid(Consumer)} on behalf of {@code scope} (see {@link #write(AccessScope, Function)}). */
    public void writeVoid(AccessScope scope, Consumer<DSLContext> work) {
        write(identityOf(scope), tx -> {
            work.accept(tx);
            return null;
        });
    }

    /**
     * {@link #write(AccessScope, Function)} for an append-only write: work that inserts rows and upserts counters
     * ({@code INSERT … ON CONFLICT DO UPDATE}), and takes no decision on rows it only reads. On PostgreSQL the
     * transaction runs at REPEATABLE READ instead of SERIALIZABLE: one snapshot, and a concurrent change to a row
     * it writes fails the attempt and re-runs it as before, but its reads take no predicate locks, so two
     * transactions that each act on a read the other's write invalidates (write skew) are not caught. Usage ingest
     * uses it (docs/DECISIONS.md, section 9). Access checks and read-then-write logic need
     * {@link #write(AccessScope, Function)}. On SQLite, whose one writer is serial, and inside a write this thread
     * is already in (which it joins), it is the same as {@link #write(AccessScope, Function)}.
     */
    public <T> T writeAppendOnly(AccessScope scope, Function<DSLContext, T> work) {
        return write(identityOf(scope), work, true);
    }

    /** {@link #read(Function)} on behalf of {@code scope} (see {@link #write(AccessScope, Function)}). */
    public <T> T read(AccessScope scope, Function<DSLContext, T> work) {
        return read(identityOf(scope), work);
    }

    /** The identity row-level security sees: a system scope counts only on the database that minted it. */
    private Identity identityOf(AccessScope scope) {
        if (scope == null) {
            throw new dev.dialup.deploy.db.ValidationException("scope", "must not be null"); // the null rule
        }
        if (scope.isSystem()) {
            return scope.isSystemOf(this) ? Identity.SYSTEM : Identity.NONE;
        }
        return Identity.user(scope.userId().orElseThrow());
    }

    private <T> T write(Identity identity, Function<DSLContext, T> work) {
        return write(identity, work, false);
    }

    private <T> T write(Identity identity, Function<DSLContext, T> work, boolean appendOnly) {
        DialupDatabase outer = ACTIVE.get();
        ACTIVE.set(this);
        DatabaseEngine outerEngine = CurrentEngine.enter(engine);
        try {
            return transactions.write(identity, work, appendOnly);
        } finally {
            CurrentEngine.leave(outerEngine);
            restoreActive(outer);
        }
    }

    /**
     * Call inside a {@link #write} that overwrites or deletes sensitive content (e.g. the plain
     * value of a variable re-saved as a secret): overwritten content is erased on disk for the
     * rest of the transaction (SQLite: {@code secure_delete}), and right after the outermost write
     * ends the write-ahead log is checkpointed and truncated, so no older copy of the pages stays
     * in it. Costs are in docs/PERFORMANCE.md.
     */
    public void eraseOverwrittenContent() {
        transactions.eraseOverwrittenContent();
    }

    /** Borrows the writer connection outside jOOQ (maintenance: checkpoints, vacuum, backup). */
    public <T> T withWriterConnection(SqlFunction<Connection, T> work) {
        return transactions.withWriterConnection(work);
    }

    /** Borrows a read-only connection outside jOOQ. */
    @Override
    public <T> T withReaderConnection(SqlFunction<Connection, T> work) {
        return transactions.withReaderConnection(work);
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
        return read(Identity.NONE, work);
    }

    private <T> T read(Identity identity, Function<DSLContext, T> work) {
        DialupDatabase outer = ACTIVE.get();
        ACTIVE.set(this);
        DatabaseEngine outerEngine = CurrentEngine.enter(engine);
        try {
            return transactions.read(identity, work);
        } finally {
            CurrentEngine.leave(outerEngine);
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
     * refuses it ({@code AccessDeniedException}). Anyone holding this object can call this
     * method, so give less trusted code repositories or user scopes, not the database.
     *
     * @param component 1–48 of ASCII letters, digits, {@code . _ : -}, starting with a letter or
     *                  digit ({@code ValidationException} otherwise)
     * @throws IllegalStateException if the builder did not opt in with {@code allowSystemScope()}
     */
    public dev.dialup.deploy.db.core.AccessScope systemScope(String component) {
        if (systemGrant == null) {
            throw new IllegalStateException(
                    "this database was opened without DialupDatabase.Builder.allowSystemScope(): it mints no system scope");
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
        return transactions.readDsl();
    }

    /** Background WAL checkpoints run so far (diagnostics; the writer's commits do not checkpoint). */
    public long backgroundCheckpoints() {
        return checkpointer.checkpoints();
    }

    /**
     * Write transactions re-run so far after a serialization failure or deadlock (diagnostics;
     * always 0 on SQLite, whose one writer never conflicts).
     */
    public long writeRetries() {
        return transactions.writeRetries();
    }

    /** True while this thread is inside {@link #write}. */
    public boolean inWriteTransaction() {
        return transactions.inWriteTransaction();
    }

    /** Row count of every table of the schema, in schema order. */
    public Map<String, Long> rowCounts() {
        // Counts of every tenant's rows (no contents): on PostgreSQL read as the system capability.
        return read(Identity.SYSTEM, SchemaTables::rowCounts);
    }

    /** Current schema status of the open file. */
    public SchemaStatus status() {
        return new Migrator(engine, path, migrationOptions()).status();
    }

    @Override
    public void close() {
        try {
            transactions.close(checkpointer::close);
        } finally {
            if (openKey != null) OpenDatabases.closed(openKey);
        }
    }

    // --- opening and migrating: the Migrator (migration package) ----------------------------

    private Migrator.Options migrationOptions() {
        return migrationOptions(options);
    }

    private static Migrator.Options migrationOptions(Builder b) {
        return new Migrator.Options(b.extraLocations, b.busyTimeout, b.beforeMigrate);
    }

    /** Applies pending migrations to a file without keeping it open (what the CLI's migrate does). */
    public static SchemaStatus migrate(Path path) {
        return migrate(path, false);
    }

    /** {@link #migrate(Path)} for a location: a file path or a {@code jdbc:postgresql:} URL. */
    public static SchemaStatus migrate(String location) {
        Builder b = builder().location(location);
        if (b.path != null) {
            return migrate(b.path, false);
        }
        return new Migrator(b.engine, null, migrationOptions(b)).migrate().status();
    }

    /** {@link #migrate(Path)}, creating missing directories ({@code 0700}) when {@code createDirectories} is true. */
    public static SchemaStatus migrate(Path path, boolean createDirectories) {
        Builder b = builder().path(path);
        if (createDirectories) {
            b.createDirectories(true);
        }
        Path file = path.toAbsolutePath().normalize();
        b.engine.prepareLocation(file, createDirectories(file, b.createDirectories));
        return new Migrator(b.engine, file, migrationOptions(b)).migrate().status();
    }

    /**
     * Whether a missing directory is created: as asked, else only for {@link #DEFAULT_PATH}, so a
     * typo in a path never becomes a fresh, empty platform.
     */
    private static boolean createDirectories(Path file, Boolean asked) {
        return asked != null ? asked : file.equals(DEFAULT_PATH.toAbsolutePath().normalize());
    }

    /** Schema status of a location (file or URL), read-only and without refusing a newer schema. */
    public static SchemaStatus statusOf(String location) {
        Builder b = builder().location(location);
        return new Migrator(b.engine, b.path, migrationOptions(b)).status();
    }

    /** Schema status of a file, read-only and without refusing a newer schema (verify, restore checks). */
    public static SchemaStatus statusOf(Path path) {
        return new Migrator(Engines.files(), path, migrationOptions(builder().path(path))).status();
    }

    /** Options for {@link DialupDatabase}: set them, then {@link #build()}. */
    public static final class Builder extends DatabaseOptions<Builder> {
        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        public DialupDatabase build() {
            return new DialupDatabase(this);
        }
    }
}
