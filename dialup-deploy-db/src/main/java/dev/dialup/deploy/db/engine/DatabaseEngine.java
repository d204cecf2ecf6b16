package dev.dialup.deploy.db.engine;

import dev.dialup.deploy.db.StorageException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;

/**
 * The engine seam: everything that depends on which database engine holds the data. The core
 * ({@code DialupDatabase}, migrations), the backup and maintenance code and the repositories
 * ask this interface; only its implementation ({@code engine.sqlite.SqliteEngine} today) knows
 * the driver, its settings, its SQL dialect and its error codes. A second engine (PostgreSQL) is
 * a second implementation plus its migrations under {@code db/migration/<engine>}; the
 * repositories, the generated jOOQ classes and the bindings ({@code engine.jooq}) stay the same.
 *
 * <p>What varies, and where it is here: connection setup and pool shape ({@link #writerDataSource},
 * {@link #singleWriter}); migrations ({@link #migrationsLocation}); the dialect and portable
 * expressions ({@link #dialect}, {@link #utcDay}); what a stored database is ({@link #classify});
 * verification and backups ({@link #integrityCheck}, {@link #snapshot}, {@link #tableRowCounts});
 * background upkeep ({@link #startBackgroundCheckpoints}, {@link #optimize}); error translation
 * ({@link #isBusy}, {@link #violatedUniqueKey}, {@link #translateStorageFailure}); how raw usage samples
 * are stored ({@link #usagePartitions}).
 */
public interface DatabaseEngine {
    /** Flyway's migration history table, the same on every engine. */
    String HISTORY_TABLE = "flyway_schema_history";

    /** Short name, also the folder of its migrations: {@code sqlite}, {@code postgresql}. */
    String name();

    /** The jOOQ dialect every {@code DSLContext} of a database on this engine uses. */
    SQLDialect dialect();

    /** Flyway location of this engine's SQL migrations ({@code classpath:db/migration/<name>}). */
    default String migrationsLocation() {
        return "classpath:db/migration/" + name();
    }

    // --- connections ---------------------------------------------------------------------

    /**
     * Connections of the writer pool. With {@link #singleWriter()} the core gives it exactly one
     * connection and queues writers in front of it; every transaction on it takes the write lock
     * up front.
     */
    DataSource writerDataSource(Path file, Duration busyTimeout);

    /** Connections of the reader pool, read-only. */
    DataSource readerDataSource(Path file, Duration busyTimeout);

    /** One read-only connection for looking at a stored database before deciding to open it: changes nothing. */
    DataSource inspectionDataSource(Path file);

    /** Plain connections for maintenance beside the pools (checkpoints, restores): no setting that changes the file. */
    DataSource maintenanceDataSource(Path file, Duration busyTimeout);

    /** True when the engine has one writer at a time (SQLite): the core then runs a one-connection writer pool behind a fair queue. */
    boolean singleWriter();

    /**
     * SQL run as the first statement of every transaction (write or read), or null for none: the
     * transaction's isolation and lock timeout on an engine with many writers. Transaction-scoped on
     * purpose: nothing is set for the session, so a connection pooler in transaction mode (PgBouncer)
     * can hand the server connection to another client afterwards. SQLite's one writer is serial by
     * construction and needs none.
     */
    default String transactionSetup(boolean write, Duration lockTimeout) {
        return null;
    }

    /**
     * The first statement of an append-only write transaction (usage ingest: inserts of new rows and
     * single-statement upserts, no decision taken on rows it only reads), or null. By default the write set-up;
     * PostgreSQL runs these at REPEATABLE READ, without serializable's predicate locks (docs/DECISIONS.md, section 9).
     */
    default String appendTransactionSetup(Duration lockTimeout) {
        return transactionSetup(true, lockTimeout);
    }

    /**
     * A statement with two bind parameters — the caller's user id (or {@code ""}) and
     * {@code "on"} for the system capability (or {@code ""}) — run right after
     * {@link #transactionSetup} (in the same prepared statement: the core sends {@code setup + "; " + identity}
     * as one round trip) in every transaction opened for an access scope, or null when the
     * engine has no row-level security (SQLite). PostgreSQL's policies read these transaction-local
     * settings (docs/tenancy.md, "Row-level security"); a transaction without them sees no tenant row.
     */
    default String identitySetup() {
        return null;
    }

    /**
     * The caller's access facts as one row — active flag, admin flag, and {@code "orgId:role,…"} for the active
     * organizations the user belongs to (or null) — for one bind parameter, the user id; or null for the core's
     * query on {@code users}, {@code organization_members} and {@code organizations}. PostgreSQL reads them through a
     * function over its row-level security mirrors, which returns no row unless the id is the transaction's identity
     * or the caller sees every row (V70, docs/tenancy.md); the tables' own policies made the query cost twice as
     * much.
     */
    default String factsSql() {
        return null;
    }

    /**
     * Whether access conditions bind a list of ids as one array ({@code col = any(?)}) rather than one parameter per
     * id ({@code col in (?, …)}). PostgreSQL: a statement's text no longer depends on how many organizations the
     * caller belongs to, so users with different membership counts share one server-side prepared statement and
     * its generic plan, instead of one statement per count, each planned afresh for its first five runs
     * (docs/PERFORMANCE.md, "Session 10").
     */
    default boolean bindsIdListsAsArrays() {
        return false;
    }

    /**
     * For operator checks that must see every row (verify): opens a transaction on {@code c} and claims the system
     * capability in it; returns false, doing nothing, on an engine without row-level security. The caller rolls
     * the transaction back when done.
     */
    default boolean claimSystemIdentity(java.sql.Connection c) throws java.sql.SQLException {
        return false;
    }

    /**
     * Whether {@code e} is a serialization failure or deadlock that a fresh attempt of the whole
     * transaction may not hit again (PostgreSQL: SQL states 40001 and 40P01). Never true for SQLite.
     */
    default boolean isRetryable(Throwable e) {
        return false;
    }

    // --- where the data lives ------------------------------------------------------------

    /** Where the database is, for messages and logs: the file, or a server URL without credentials. */
    default String describe(Path file) {
        return String.valueOf(file);
    }

    /**
     * Before creating or migrating: the directory must exist (created {@code 0700} only when
     * {@code createDirectories}), and a missing file is created empty and private ({@code 0600}).
     */
    void prepareLocation(Path file, boolean createDirectories);

    /** Identity of the stored database (device and inode of a file), or null when there is none to check. */
    Object storageKey(Path file);

    /** Throws {@link StorageException} unless the database is still where it was opened ({@link #storageKey}). */
    void requireStorageInPlace(Path file, Object openedKey);

    /** The permission this process lacks to open (and with {@code write}, to write) the database, if any. */
    Optional<StorageException> permissionProblem(Path file, boolean write);

    /**
     * The one classification of a stored database, without writing to it: see {@link FileShape}.
     * Throws {@link StorageException} when a permission is missing.
     */
    FileShape classify(Path file);

    /** {@link #classify(Path)} on an open connection (backups, restores, verify). */
    FileShape classify(Connection connection) throws SQLException;

    /** Settings a brand-new database needs before its first table (SQLite: incremental auto-vacuum). */
    void prepareNewDatabase(Connection connection) throws SQLException;

    /** Waits for (then releases) the write lock, so a busy database fails here with a clear error. */
    void awaitWriteLock(Connection connection) throws SQLException;

    /** Drops the migration history table (a failed adoption of a legacy database leaves it legacy). */
    void dropHistory(Connection connection) throws SQLException;

    // --- transactions and upkeep ---------------------------------------------------------

    /** Whether overwritten and deleted content is overwritten on disk for the rest of this transaction/connection. */
    void eraseOnDelete(Connection connection, boolean on) throws SQLException;

    /** Moves the write-ahead log into the database and truncates it; {@link Checkpoint#busy()} when readers held it. */
    Checkpoint truncateLog(Connection connection) throws SQLException;

    /** Starts the background checkpointer of an open database (SQLite: WAL checkpoints off the commit path). */
    BackgroundCheckpoints startBackgroundCheckpoints(Path file, Duration busyTimeout, Duration period);

    /** Statistics refresh, free-space return and log truncation on the writer connection. */
    OptimizeResult optimize(Connection writer) throws SQLException;

    // --- verification and backups --------------------------------------------------------

    /** Whether the file starts like a database of this engine (reads a few bytes, never writes). */
    boolean looksLikeDatabase(Path file) throws java.io.IOException;

    /** Integrity check: {@code ["ok"]} for a sound database, else the problems found (at most {@code maxLines}). */
    List<String> integrityCheck(Connection connection, int maxLines) throws SQLException;

    /** One line per row whose parent is missing ({@code table rowid=N -> parent}); empty when clean. */
    List<String> foreignKeyViolations(Connection connection) throws SQLException;

    /** Row count of every table in the stored database, by table name, sorted by name. */
    java.util.Map<String, Long> tableRowCounts(Connection connection) throws SQLException;

    /** Bytes a consistent copy of the database will take (for progress). */
    long sizeEstimate(Connection connection) throws SQLException;

    /** Writes a consistent copy of the database to {@code target} (an empty file), in one read transaction. */
    void snapshot(Connection source, Path target) throws SQLException;

    /** Rows of {@code processes} linked to no site (0 when the table or column does not exist): a warning for verify. */
    long processesWithoutSite(Connection connection) throws SQLException;

    // --- errors --------------------------------------------------------------------------

    /** Whether {@code e} (or a cause) says another connection held the lock past the busy timeout. */
    boolean isBusy(Throwable e);

    /**
     * The unique key a failed statement violated, as {@code table.column[, table.column]} (or
     * {@code index 'name'} for an expression index), when {@code e} is such a violation of this
     * engine's driver; empty otherwise. SQLite reads it from the message; PostgreSQL from SQLState
     * 23505 and the constraint's table and key.
     */
    Optional<String> violatedUniqueKey(Throwable e);

    /**
     * Whether {@code e} (or a cause) is a foreign-key violation. SQLite reports it with its extended
     * result code ({@code SQLITE_CONSTRAINT_FOREIGNKEY}, 787) and message, PostgreSQL with SQL state 23503.
     */
    boolean isForeignKeyViolation(Throwable e);

    /** A {@link StorageException} for a storage failure (disk full, I/O, read-only, corrupt) in {@code e}'s causes, or {@code e}. */
    RuntimeException translateStorageFailure(Path file, RuntimeException e);

    // --- portable SQL --------------------------------------------------------------------

    /** The UTC calendar day ({@code YYYY-MM-DD} text) of a stored timestamp column. */
    Field<String> utcDay(Field<Instant> timestamp);

    /**
     * {@code outer} joined to {@code inner} (the caller's WHERE carries the join condition) so that each
     * {@code outer} row is one range seek into {@code inner}'s key: the plan the usage queries need for
     * ~1,000 sites against millions of samples. SQLite keeps a CROSS JOIN's order; engines with a
     * cost-based join order get a plain join.
     */
    Table<Record> seekPerRow(Table<?> outer, Table<?> inner);

    // --- usage storage -------------------------------------------------------------------

    /**
     * Time partitions of the raw usage samples, when this engine has them (PostgreSQL, V61): ingest then
     * stores batches through {@link UsagePartitions#ingestSql()}, maintenance creates partitions ahead and
     * retention drops whole partitions. Empty on SQLite (portable ingest into {@code usage_recent}, retention
     * by row deletes).
     */
    default java.util.Optional<UsagePartitions> usagePartitions() {
        return java.util.Optional.empty();
    }

    /** Result of a log checkpoint: busy flag, frames in the log, frames moved into the database. */
    record Checkpoint(boolean busy, long logFrames, long checkpointedFrames) {}

    /** Before/after figures of {@link #optimize}. */
    record OptimizeResult(long freePagesBefore, long freePagesAfter, String autoVacuum, boolean checkpointBusy) {}

    /** A running background checkpointer. */
    interface BackgroundCheckpoints extends AutoCloseable {
        /** Checkpoints run so far (diagnostics). */
        long checkpoints();

        @Override
        void close();
    }
}
