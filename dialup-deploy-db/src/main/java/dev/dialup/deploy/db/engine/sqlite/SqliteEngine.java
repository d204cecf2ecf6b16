package dev.dialup.deploy.db.engine.sqlite;

import dev.dialup.deploy.db.StorageException;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FileShape;
import dev.dialup.deploy.db.engine.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.flywaydb.core.api.MigrationVersion;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * The SQLite engine: one file, WAL, one writer at a time. The SQL and settings themselves are in
 * {@link SqliteOnly}; error codes in {@link StorageGuard}; the background checkpointer is
 * {@link WalCheckpointer}.
 */
public final class SqliteEngine implements DatabaseEngine {
    private static final Set<String> LEGACY_COLUMNS =
            Set.of("id", "site", "port", "pid", "startTime", "type", "script", "cwd", "status");
    private static final String[] AUTO_VACUUM = {"none", "full", "incremental"};
    private static final String UNIQUE_FAILED = "UNIQUE constraint failed: ";
    private static final int SQLITE_CONSTRAINT = 19;

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public SQLDialect dialect() {
        return SQLDialect.SQLITE;
    }

    @Override
    public DataSource writerDataSource(Path file, Duration busyTimeout) {
        return SqliteOnly.dataSource(file, SqliteOnly.writerConfig(busyTimeout));
    }

    @Override
    public DataSource readerDataSource(Path file, Duration busyTimeout) {
        return SqliteOnly.dataSource(file, SqliteOnly.readerConfig(busyTimeout));
    }

    @Override
    public DataSource inspectionDataSource(Path file) {
        return SqliteOnly.dataSource(file, SqliteOnly.inspectConfig());
    }

    @Override
    public DataSource maintenanceDataSource(Path file, Duration busyTimeout) {
        return SqliteOnly.dataSource(file, SqliteOnly.maintenanceConfig(busyTimeout));
    }

    @Override
    public boolean singleWriter() {
        return true;
    }

    /**
     * A new database file is created empty with mode {@code 0600} before SQLite opens it: SQLite
     * gives its {@code -wal} and {@code -shm} the mode of the main file, so all three stay private.
     */
    @Override
    public void prepareLocation(Path file, boolean createDirectories) {
        Path dir = file.getParent();
        try {
            if (!Files.isDirectory(dir)) {
                if (!createDirectories) {
                    throw new StorageException(
                            StorageException.Reason.DIRECTORY_MISSING,
                            file,
                            "the directory " + dir
                                    + " does not exist; nothing was created. Check the path, or ask for it"
                                    + " to be created (CLI: --create-dirs; DialupDatabase.builder().createDirectories(true))",
                            null);
                }
                PrivateFiles.createDirectories(dir);
            }
            if (!Files.exists(file)) {
                PrivateFiles.createFile(file);
            }
        } catch (IOException e) {
            throw StorageGuard.permissionProblem(file, true)
                    .orElseGet(() -> new StorageException(
                            StorageException.Reason.IO_ERROR,
                            file,
                            "cannot create the database file: " + e.getMessage(),
                            e));
        }
    }

    @Override
    public Object storageKey(Path file) {
        return StorageGuard.fileKey(file);
    }

    @Override
    public void requireStorageInPlace(Path file, Object openedKey) {
        StorageGuard.requireFileInPlace(file, openedKey);
    }

    @Override
    public Optional<StorageException> permissionProblem(Path file, boolean write) {
        return StorageGuard.permissionProblem(file, write);
    }

    /**
     * Looks at a file before anything writes to it. Opens it read-only (or not at all), so a
     * refused file stays byte-identical.
     */
    @Override
    public FileShape classify(Path file) {
        try {
            if (SqliteOnly.isNew(file)) {
                return new FileShape(FileShape.Kind.NEW, null, Set.of(), null);
            }
            if (!SqliteOnly.hasSqliteHeader(file)) {
                return FileShape.foreign("not an SQLite database");
            }
        } catch (IOException e) {
            StorageGuard.permissionProblem(file, false).ifPresent(p -> {
                throw p;
            });
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        try (Connection c = inspectionDataSource(file).getConnection()) {
            return classify(c);
        } catch (SQLException e) {
            // A permission problem is not a verdict on the file: say which permission is missing.
            StorageGuard.permissionProblem(file, false).ifPresent(p -> {
                throw p;
            });
            // The header looked like SQLite but the content is not readable as a database.
            return FileShape.foreign("not a readable SQLite database (" + e.getMessage() + ")");
        }
    }

    @Override
    public FileShape classify(Connection c) throws SQLException {
        Set<String> tables = new TreeSet<>(SqliteOnly.tableNames(c));
        if (tables.contains(HISTORY_TABLE)) {
            List<String> applied = SqliteOnly.appliedMigrationVersions(c);
            return new FileShape(FileShape.Kind.MANAGED, highest(applied), tables, null);
        }
        if (tables.isEmpty()) {
            return new FileShape(FileShape.Kind.NEW, null, tables, null);
        }
        if (tables.equals(Set.of("processes")) && columns(c, "processes").equals(LEGACY_COLUMNS)) {
            return new FileShape(FileShape.Kind.LEGACY, FileShape.LEGACY_VERSION, tables, null);
        }
        return new FileShape(FileShape.Kind.UNRECOGNISED, null, tables, null);
    }

    private static String highest(List<String> versions) {
        return versions.stream()
                .map(MigrationVersion::fromVersion)
                .max(MigrationVersion::compareTo)
                .map(MigrationVersion::getVersion)
                .orElse(null);
    }

    private static Set<String> columns(Connection c, String table) throws SQLException {
        Set<String> names = new TreeSet<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT name FROM pragma_table_info('" + table + "')")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    @Override
    public void prepareNewDatabase(Connection connection) throws SQLException {
        SqliteOnly.prepareNewDatabase(connection);
    }

    @Override
    public void awaitWriteLock(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            st.execute("ROLLBACK");
        }
    }

    @Override
    public void dropHistory(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + HISTORY_TABLE);
        }
    }

    @Override
    public void eraseOnDelete(Connection connection, boolean on) throws SQLException {
        SqliteOnly.secureDelete(connection, on);
    }

    @Override
    public Checkpoint truncateLog(Connection connection) throws SQLException {
        SqliteOnly.Checkpoint cp = SqliteOnly.walCheckpointTruncate(connection);
        return new Checkpoint(cp.busy(), cp.walFrames(), cp.checkpointedFrames());
    }

    @Override
    public BackgroundCheckpoints startBackgroundCheckpoints(Path file, Duration busyTimeout, Duration period) {
        WalCheckpointer checkpointer = new WalCheckpointer(file, busyTimeout, period);
        return new BackgroundCheckpoints() {
            @Override
            public long checkpoints() {
                return checkpointer.checkpoints();
            }

            @Override
            public void close() {
                checkpointer.close();
            }
        };
    }

    @Override
    public OptimizeResult optimize(Connection c) throws SQLException {
        long freeBefore = SqliteOnly.pragmaLong(c, "freelist_count");
        long mode = SqliteOnly.pragmaLong(c, "auto_vacuum");
        SqliteOnly.optimize(c);
        if (mode == 2) {
            SqliteOnly.incrementalVacuum(c, 0);
        }
        SqliteOnly.Checkpoint cp = SqliteOnly.walCheckpointTruncate(c);
        long freeAfter = SqliteOnly.pragmaLong(c, "freelist_count");
        return new OptimizeResult(
                freeBefore,
                freeAfter,
                mode >= 0 && mode < AUTO_VACUUM.length ? AUTO_VACUUM[(int) mode] : String.valueOf(mode),
                cp.busy());
    }

    @Override
    public boolean looksLikeDatabase(Path file) throws IOException {
        return SqliteOnly.hasSqliteHeader(file);
    }

    @Override
    public List<String> integrityCheck(Connection connection, int maxLines) throws SQLException {
        return SqliteOnly.integrityCheck(connection, maxLines);
    }

    @Override
    public List<String> foreignKeyViolations(Connection connection) throws SQLException {
        return SqliteOnly.foreignKeyCheck(connection);
    }

    @Override
    public Map<String, Long> tableRowCounts(Connection connection) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : SqliteOnly.tableNames(connection)) {
            counts.put(table, SqliteOnly.countRows(connection, table));
        }
        return counts;
    }

    @Override
    public long sizeEstimate(Connection connection) throws SQLException {
        return SqliteOnly.pragmaLong(connection, "page_count") * SqliteOnly.pragmaLong(connection, "page_size");
    }

    @Override
    public void snapshot(Connection source, Path target) throws SQLException {
        SqliteOnly.vacuumInto(source, target);
    }

    @Override
    public long processesWithoutSite(Connection connection) throws SQLException {
        return SqliteOnly.processesWithoutSite(connection);
    }

    /** SQLITE_BUSY (5) or SQLITE_LOCKED (6) anywhere in the causes. */
    @Override
    public boolean isBusy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql
                    && ((sql.getErrorCode() & 0xff) == 5 || (sql.getErrorCode() & 0xff) == 6)) {
                return true;
            }
        }
        return false;
    }

    /** The text after "UNIQUE constraint failed: " of the first SQLite unique violation in the causes. */
    @Override
    public Optional<String> violatedUniqueKey(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && (sql.getErrorCode() & 0xff) == SQLITE_CONSTRAINT) {
                String msg = String.valueOf(sql.getMessage());
                int at = msg.indexOf(UNIQUE_FAILED);
                if (at >= 0) {
                    String rest = msg.substring(at + UNIQUE_FAILED.length());
                    int end = rest.indexOf(')');
                    return Optional.of(end >= 0 ? rest.substring(0, end) : rest);
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public RuntimeException translateStorageFailure(Path file, RuntimeException e) {
        return StorageGuard.translate(file, e);
    }

    /** Times are stored as UTC text {@code YYYY-MM-DD HH:MM:SS.SSS}: the day is its first ten characters. */
    @Override
    public Field<String> utcDay(Field<Instant> timestamp) {
        return DSL.substring(timestamp.coerce(String.class), DSL.inline(1), DSL.inline(10));
    }

    /** SQLite's extended result code for a foreign-key violation ({@code SQLITE_CONSTRAINT_FOREIGNKEY}). */
    private static final int CONSTRAINT_FOREIGNKEY = 787;

    @Override
    public boolean isForeignKeyViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql
                    && (sql.getErrorCode() == CONSTRAINT_FOREIGNKEY
                            || (sql.getMessage() != null && sql.getMessage().contains("FOREIGN KEY")))) {
                return true;
            }
        }
        return false;
    }

    /** SQLite never reorders a CROSS JOIN: {@code outer} stays the outer loop, one seek per row into {@code inner}. */
    @Override
    public Table<Record> seekPerRow(Table<?> outer, Table<?> inner) {
        return outer.crossJoin(inner);
    }
}
