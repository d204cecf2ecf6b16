package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;

/** Raw-file helpers for the operations tests: legacy files, direct checks of a file on disk. */
final class OpsTestFiles {
    private OpsTestFiles() {}

    /** A legacy Bun database (issue 2's V1 format) with {@code rows} processes. */
    static Path legacyFile(Path file, int rows) throws SQLException {
        try (Connection c = DriverManager.getConnection(SqliteOnly.jdbcUrl(file));
                Statement st = c.createStatement()) {
            st.execute(
                    "CREATE TABLE processes (id TEXT PRIMARY KEY, site TEXT NOT NULL, port INTEGER NOT NULL, pid INTEGER,"
                            + " startTime INTEGER NOT NULL, type TEXT NOT NULL, script TEXT NOT NULL, cwd TEXT NOT NULL, status TEXT NOT NULL)");
            st.execute("CREATE INDEX idx_processes_status ON processes(status)");
            for (int i = 1; i <= rows; i++) {
                st.execute(
                        "INSERT INTO processes VALUES ('p" + i + "', 'Site " + (i % 3) + "', " + (3000 + i) + ", NULL, "
                                + (1_700_000_000_000L + i) + ", 'node', 'index.js', '/srv/s" + i + "', 'running')");
            }
        }
        return file;
    }

    static long count(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(SqliteOnly.jdbcUrl(file));
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<String> integrity(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection(SqliteOnly.jdbcUrl(file))) {
            return SqliteOnly.integrityCheck(c, 10);
        }
    }

    static List<String> foreignKeyViolations(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection(SqliteOnly.jdbcUrl(file))) {
            return SqliteOnly.foreignKeyCheck(c);
        }
    }

    /** One usage sample per sequence number (second {@code seq}, {@code activeRequests = seq}), in its own transaction. */
    static void insertUsage(DialupDatabase db, long siteId, int seq) {
        new UsageRepository(db)
                .record(
                        db.systemScope("test"),
                        new UsageSample(
                                siteId,
                                Instant.ofEpochSecond(1_700_000_000L + seq),
                                128.0,
                                null,
                                null,
                                null,
                                seq,
                                null));
    }
}
