package dev.dialup.deploy.db.engine.sqlite;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Every piece of SQLite-only SQL and configuration lives here: connection pragmas, file
 * header checks, checkpoints, vacuum and backup statements. Repositories use jOOQ's DSL
 * only, so moving to PostgreSQL means replacing this class, not hunting through queries.
 */
public final class SqliteOnly {
    private static final byte[] HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    /** Page cache of the writer connection, in KiB. */
    public static final int WRITER_CACHE_KIB = 64 * 1024;
    /**
     * WAL size (pages) at which a commit checkpoints by itself. Checkpoints run in the background
     * ({@link WalCheckpointer}); this is only the backstop that bounds the WAL if that falls behind.
     */
    public static final int WRITER_AUTOCHECKPOINT_PAGES = 16_384;
    /** After a checkpoint has emptied the WAL, its file is truncated to this size. */
    public static final long WAL_SIZE_LIMIT_BYTES = 64L * 1024 * 1024;

    private SqliteOnly() {}

    public static String jdbcUrl(Path file) {
        return "jdbc:sqlite:" + file.toAbsolutePath();
    }

    /**
     * Writer connections: WAL, foreign keys, a busy timeout, synchronous=NORMAL and
     * {@code BEGIN IMMEDIATE} for every transaction (so a writer takes the write lock up
     * front instead of failing with SQLITE_BUSY when it upgrades a read lock).
     * Set as driver properties, they apply to every connection the pool opens.
     */
    public static SQLiteConfig writerConfig(Duration busyTimeout) {
        SQLiteConfig config = common(busyTimeout);
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        // 64 MiB page cache for the one writer (default 2 MiB): a usage round dirties one leaf
        // page per site, ~1,000 pages, which spills the default cache mid-transaction.
        config.setCacheSize(-WRITER_CACHE_KIB);
        // Checkpoints run off the commit path (WalCheckpointer); commits checkpoint only past this backstop.
        config.setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, Integer.toString(WRITER_AUTOCHECKPOINT_PAGES));
        config.setJournalSizeLimit((int) WAL_SIZE_LIMIT_BYTES);
        return config;
    }

    /** Reader connections: opened read-only; WAL is a property of the file, set by the writer. */
    public static SQLiteConfig readerConfig(Duration busyTimeout) {
        SQLiteConfig config = common(busyTimeout);
        config.setReadOnly(true);
        return config;
    }

    /** For inspecting a file before deciding to open it: read-only, no pragmas that write. */
    public static SQLiteConfig inspectConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        return config;
    }

    private static SQLiteConfig common(Duration busyTimeout) {
        SQLiteConfig config = new SQLiteConfig();
        config.enforceForeignKeys(true);
        config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        return config;
    }

    public static SQLiteDataSource dataSource(Path file, SQLiteConfig config) {
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl(jdbcUrl(file));
        return ds;
    }

    /** True for a missing or empty file (a new database). */
    public static boolean isNew(Path file) throws IOException {
        return !Files.exists(file) || Files.size(file) == 0;
    }

    /** Whether the file starts with SQLite's 16-byte magic header. Reads, never writes. */
    public static boolean hasSqliteHeader(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(HEADER.length);
            return Arrays.equals(head, HEADER);
        }
    }

    /**
     * New databases use incremental auto-vacuum so pages freed by retention pruning can be
     * returned with {@link #incrementalVacuum}. Must run before the first table exists.
     */
    public static void prepareNewDatabase(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA auto_vacuum = INCREMENTAL");
            // The WAL header is already written when the connection opens, so the mode only takes
            // effect after a VACUUM (instant on an empty file).
            st.execute("VACUUM");
        }
    }

    public static void optimize(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA optimize");
        }
    }

    /**
     * {@code PRAGMA secure_delete}: while on, SQLite overwrites deleted and overwritten content
     * with zeros instead of leaving it in free space of the page or on free pages.
     */
    public static void secureDelete(Connection connection, boolean on) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA secure_delete = " + (on ? "ON" : "OFF"));
        }
    }

    /** Moves the WAL into the main file and truncates it. */
    public static void checkpointTruncate(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }

    /**
     * Returns up to {@code pages} free pages to the file system (0 = all), in one transaction.
     * The pragma frees one page per statement step and sqlite-jdbc steps a statement without
     * result columns only once, so it runs once per page.
     */
    public static void incrementalVacuum(Connection connection, int pages) throws SQLException {
        long free = pragmaLong(connection, "freelist_count");
        long todo = pages > 0 ? Math.min(pages, free) : free;
        if (todo == 0) {
            return;
        }
        boolean auto = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            for (long i = 0; i < todo; i++) {
                // A fresh statement each time: closing it ends the half-stepped pragma before the next.
                try (Statement st = connection.createStatement()) {
                    st.execute("PRAGMA incremental_vacuum(1)");
                }
            }
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(auto);
        }
    }

    // --- operations: backup, restore, verify, optimize (ops package) -------------------

    /**
     * Writes a consistent snapshot of the database to {@code target} (which must not exist)
     * with {@code VACUUM INTO}. It is one read transaction: in WAL mode writers go on while
     * it runs, and the copy holds exactly the commits visible when it started.
     */
    public static void vacuumInto(Connection connection, Path target) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("VACUUM INTO ?")) {
            ps.setString(1, target.toAbsolutePath().toString());
            ps.execute();
        }
    }

    /** {@code PRAGMA integrity_check}: {@code ["ok"]} for a sound file, else the problems found (at most {@code max}). */
    public static List<String> integrityCheck(Connection connection, int max) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA integrity_check(" + Math.max(1, max) + ")")) {
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
        }
        return lines;
    }

    /** {@code PRAGMA foreign_key_check}: one line per violating row ("table rowid=N -> parent"), empty when clean. */
    public static List<String> foreignKeyCheck(Connection connection) throws SQLException {
        List<String> violations = new ArrayList<>();
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA foreign_key_check")) {
            while (rs.next()) {
                violations.add(rs.getString(1) + " rowid=" + rs.getString(2) + " -> " + rs.getString(3));
            }
        }
        return violations;
    }

    /** Result of {@code PRAGMA wal_checkpoint}: busy flag, frames in the WAL, frames moved to the database. */
    public record Checkpoint(boolean busy, long walFrames, long checkpointedFrames) {}

    /** Checkpoints the whole WAL into the database and truncates the WAL file to zero bytes. */
    public static Checkpoint walCheckpointTruncate(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            rs.next();
            return new Checkpoint(rs.getInt(1) != 0, rs.getLong(2), rs.getLong(3));
        }
    }

    /** A numeric pragma such as {@code page_count}, {@code page_size}, {@code freelist_count}, {@code auto_vacuum}. */
    public static long pragmaLong(Connection connection, String pragma) throws SQLException {
        if (!pragma.matches("[a-z_]+")) {
            throw new IllegalArgumentException("Not a pragma name: " + pragma);
        }
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA " + pragma)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Caps the file at {@code pages} pages on this connection: further growth fails with
     * SQLITE_FULL exactly as a full disk does. Returns the cap in effect.
     */
    public static long maxPageCount(Connection connection, long pages) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA max_page_count = " + pages)) {
            return rs.next() ? rs.getLong(1) : pages;
        }
    }

    /** Names of the tables in the file (SQLite's own excluded), sorted. */
    public static List<String> tableNames(Connection connection) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** Row count of one table, for backup manifests (names come from {@link #tableNames}). */
    public static long countRows(Connection connection, String table) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + table.replace("\"", "\"\"") + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Versions of every successfully applied migration in Flyway's history table (empty if there is none). */
    public static List<String> appliedMigrationVersions(Connection connection) throws SQLException {
        List<String> versions = new ArrayList<>();
        if (!tableNames(connection).contains("flyway_schema_history")) {
            return versions;
        }
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT version FROM flyway_schema_history WHERE success = 1 AND version IS NOT NULL")) {
            while (rs.next()) {
                versions.add(rs.getString(1));
            }
        }
        return versions;
    }

    /** Rows of {@code processes} linked to no site (0 when the table or column does not exist). */
    public static long processesWithoutSite(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT count(*) FROM pragma_table_info('processes') WHERE name = 'site_id'")) {
            if (!rs.next() || rs.getLong(1) == 0) {
                return 0;
            }
        }
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM processes WHERE site_id IS NULL")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Plain connection settings (busy timeout, foreign keys) that leave the file's journal mode alone. */
    public static SQLiteConfig maintenanceConfig(Duration busyTimeout) {
        return common(busyTimeout);
    }
}
