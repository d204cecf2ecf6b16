package dev.dialup.deploy.db.ops;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Every piece of SQLite-only SQL and configuration lives here: connection pragmas, file
 * header checks, checkpoints, vacuum and backup statements. Repositories use jOOQ's DSL
 * only, so moving to PostgreSQL means replacing this class, not hunting through queries.
 */
public final class SqliteOnly {
    private static final byte[] HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

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
        }
    }

    public static void optimize(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA optimize");
        }
    }

    /** Moves the WAL into the main file and truncates it. */
    public static void checkpointTruncate(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }

    /** Returns up to {@code pages} free pages to the file system (0 = all). */
    public static void incrementalVacuum(Connection connection, int pages) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA incremental_vacuum" + (pages > 0 ? "(" + pages + ")" : ""));
        }
    }
}
