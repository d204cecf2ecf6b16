package dev.dialup.deploy.db.engine.postgresql;

import dev.dialup.deploy.db.StorageException;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FileShape;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * The PostgreSQL engine: a server database named by a JDBC URL ({@link PostgresLocation}), many
 * writers at once. One instance is bound to one database; the {@link #PostgresEngine() unbound}
 * instance answers the dialect-level questions (dialect, portable SQL, error classification) for
 * code that only holds a {@code DSLContext}.
 *
 * <p>The {@code Path} parameters of {@link DatabaseEngine} name a file; a PostgreSQL database is
 * not one, so this engine ignores them and uses its bound location. What has no meaning on a
 * server (file permissions, WAL checkpoints, erasing freed pages, file snapshots) is a documented
 * no-op or a refusal; see docs/architecture.md, "The engine seam".
 */
public final class PostgresEngine implements DatabaseEngine {
    private static final String APPLICATION = "dialup-deploy-db";

    private final PostgresLocation location;
    private final ConstraintKeys constraintKeys;

    /** The unbound engine: dialect, portable SQL and error classification only. */
    public PostgresEngine() {
        this(null);
    }

    /** The engine of the database at {@code location}. */
    public PostgresEngine(PostgresLocation location) {
        this.location = location;
        // Read on a connection of its own: the failed statement's transaction is aborted.
        this.constraintKeys =
                location == null ? null : ConstraintKeys.reloading(location.dataSource(APPLICATION, true, 0));
    }

    /** The database this engine is bound to. */
    public PostgresLocation location() {
        return bound();
    }

    private PostgresLocation bound() {
        if (location == null) {
            throw new IllegalStateException("this PostgresEngine is not bound to a database");
        }
        return location;
    }

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public SQLDialect dialect() {
        return SQLDialect.POSTGRES;
    }

    @Override
    public String describe(Path file) {
        return bound().redacted();
    }

    // --- connections ---------------------------------------------------------------------

    @Override
    public DataSource writerDataSource(Path file, Duration busyTimeout) {
        return bound().dataSource(APPLICATION, false, 0);
    }

    @Override
    public DataSource readerDataSource(Path file, Duration busyTimeout) {
        return bound().dataSource(APPLICATION, true, 0);
    }

    @Override
    public DataSource inspectionDataSource(Path file) {
        return bound().dataSource(APPLICATION, true, 0);
    }

    @Override
    public DataSource maintenanceDataSource(Path file, Duration busyTimeout) {
        return bound().dataSource(APPLICATION, false, 0);
    }

    /** Many writers: rows are locked, not the database; write transactions are SERIALIZABLE and retried. */
    @Override
    public boolean singleWriter() {
        return false;
    }

    /**
     * Writes SERIALIZABLE, reads REPEATABLE READ (one snapshot; the reader connections are read-only),
     * and the lock timeout, all with {@code SET LOCAL}/{@code SET TRANSACTION}: transaction-scoped,
     * so nothing outlives the transaction on a pooled server connection.
     */
    @Override
    public String transactionSetup(boolean write, Duration lockTimeout) {
        return setup(write ? "SERIALIZABLE" : "REPEATABLE READ", lockTimeout);
    }

    /**
     * REPEATABLE READ (snapshot isolation): one snapshot, and a row changed by a concurrent transaction fails the
     * write that meets it (40001, retried) exactly as under SERIALIZABLE — but reads take no predicate locks, which
     * cost an ingest round 5–13 % (docs/PERFORMANCE.md, sessions 8 and 9). Only rw-dependencies between rows a transaction reads and
     * rows another writes go unchecked, and append-only work takes no decision on such reads.
     */
    @Override
    public String appendTransactionSetup(Duration lockTimeout) {
        return setup("REPEATABLE READ", lockTimeout);
    }

    private static String setup(String isolation, Duration lockTimeout) {
        return "SET TRANSACTION ISOLATION LEVEL " + isolation + "; SET LOCAL lock_timeout = "
                + Math.max(1, lockTimeout.toMillis());
    }

    /**
     * Transaction-local ({@code is_local = true}) and bound, never string-built: the settings end
     * with the transaction, so a pooled server connection carries no identity to its next client.
     */
    @Override
    public String identitySetup() {
        return "select set_config('" + RowSecurity.USER_SETTING + "', ?, true), set_config('"
                + RowSecurity.SYSTEM_SETTING + "', ?, true)";
    }

    @Override
    public boolean bindsIdListsAsArrays() {
        return true;
    }

    /** V70's {@code dialup_rls_facts}: the mirrors the policies read, without the policies of the tables. */
    @Override
    public String factsSql() {
        return "select active, admin, memberships from dialup_rls_facts(?)";
    }

    @Override
    public boolean claimSystemIdentity(java.sql.Connection c) throws java.sql.SQLException {
        c.setAutoCommit(false);
        RowSecurity.actAsSystem(c);
        return true;
    }

    @Override
    public boolean isRetryable(Throwable e) {
        return PostgresErrors.isRetryable(e);
    }

    // --- where the data lives ------------------------------------------------------------

    /** The database must exist already (created by its administrator, docs/OPERATIONS.md): nothing to prepare. */
    @Override
    public void prepareLocation(Path file, boolean createDirectories) {}

    @Override
    public Object storageKey(Path file) {
        return null;
    }

    @Override
    public void requireStorageInPlace(Path file, Object openedKey) {}

    /** Rights are the server's business: a missing one fails the statement with a clear message. */
    @Override
    public Optional<StorageException> permissionProblem(Path file, boolean write) {
        return Optional.empty();
    }

    @Override
    public FileShape classify(Path file) {
        try (Connection c = inspectionDataSource(file).getConnection()) {
            return classify(c);
        } catch (SQLException e) {
            throw PostgresErrors.translateStorageFailure(
                    bound().redacted(),
                    new dev.dialup.deploy.db.DialupDataException(
                            "Cannot open " + bound().redacted() + ": " + PostgresErrors.summary(e), e));
        }
    }

    @Override
    public FileShape classify(Connection connection) throws SQLException {
        return PostgresCatalog.classify(connection);
    }

    @Override
    public void prepareNewDatabase(Connection connection) {}

    /** Flyway serialises migrations with an advisory lock of its own; writers lock rows, not the database. */
    @Override
    public void awaitWriteLock(Connection connection) {}

    @Override
    public void dropHistory(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + HISTORY_TABLE);
        }
    }

    // --- transactions and upkeep ---------------------------------------------------------

    /**
     * No-op: PostgreSQL keeps an overwritten row version until VACUUM reclaims it; erasing it on
     * disk is the storage's job (encrypted volumes), see docs/OPERATIONS.md.
     */
    @Override
    public void eraseOnDelete(Connection connection, boolean on) {}

    @Override
    public Checkpoint truncateLog(Connection connection) {
        return new Checkpoint(false, 0, 0);
    }

    /** The server checkpoints by itself. */
    @Override
    public BackgroundCheckpoints startBackgroundCheckpoints(Path file, Duration busyTimeout, Duration period) {
        return new BackgroundCheckpoints() {
            @Override
            public long checkpoints() {
                return 0;
            }

            @Override
            public void close() {}
        };
    }

    /** {@code ANALYZE}: fresh planner statistics. Space is returned by autovacuum. */
    @Override
    public OptimizeResult optimize(Connection writer) throws SQLException {
        try (Statement st = writer.createStatement()) {
            st.execute("ANALYZE");
        }
        return new OptimizeResult(0, 0, "autovacuum", false);
    }

    // --- verification and backups --------------------------------------------------------

    @Override
    public boolean looksLikeDatabase(Path file) {
        return false;
    }

    @Override
    public List<String> integrityCheck(Connection connection, int maxLines) throws SQLException {
        return PostgresCatalog.integrityCheck(connection, maxLines);
    }

    @Override
    public List<String> foreignKeyViolations(Connection connection) throws SQLException {
        return PostgresCatalog.foreignKeyViolations(connection);
    }

    @Override
    public Map<String, Long> tableRowCounts(Connection connection) throws SQLException {
        return PostgresCatalog.tableRowCounts(connection);
    }

    @Override
    public long sizeEstimate(Connection connection) throws SQLException {
        return PostgresCatalog.sizeEstimate(connection);
    }

    /** A PostgreSQL database is copied with pg_dump ({@code backup.PgDumpBackup}), not into a file by the driver. */
    @Override
    public void snapshot(Connection source, Path target) {
        throw new UnsupportedOperationException(
                "a PostgreSQL database is backed up with pg_dump, see docs/OPERATIONS.md");
    }

    @Override
    public long processesWithoutSite(Connection connection) throws SQLException {
        return PostgresCatalog.processesWithoutSite(connection);
    }

    // --- errors --------------------------------------------------------------------------

    @Override
    public boolean isBusy(Throwable e) {
        return PostgresErrors.isBusy(e);
    }

    @Override
    public Optional<String> violatedUniqueKey(Throwable e) {
        return PostgresErrors.violatedUniqueKey(e, constraintKeys);
    }

    @Override
    public boolean isForeignKeyViolation(Throwable e) {
        return PostgresErrors.isForeignKeyViolation(e);
    }

    @Override
    public RuntimeException translateStorageFailure(Path file, RuntimeException e) {
        return PostgresErrors.translateStorageFailure(location == null ? "PostgreSQL" : location.redacted(), e);
    }

    // --- portable SQL --------------------------------------------------------------------

    @Override
    public Field<String> utcDay(Field<Instant> timestamp) {
        return DSL.field("to_char({0} at time zone 'UTC', 'YYYY-MM-DD')", String.class, timestamp);
    }

    /** PostgreSQL's planner orders joins by cost; the caller's WHERE carries the join condition. */
    @Override
    public Table<Record> seekPerRow(Table<?> outer, Table<?> inner) {
        return outer.crossJoin(inner);
    }

    // --- usage storage -------------------------------------------------------------------

    private static final PostgresUsagePartitions USAGE_PARTITIONS = new PostgresUsagePartitions();

    @Override
    public Optional<dev.dialup.deploy.db.engine.UsagePartitions> usagePartitions() {
        return Optional.of(USAGE_PARTITIONS);
    }
}
