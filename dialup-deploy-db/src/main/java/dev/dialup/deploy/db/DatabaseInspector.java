package dev.dialup.deploy.db;

import dev.dialup.deploy.db.IncompatibleDatabaseException.Reason;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.engine.sqlite.StorageGuard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.TreeSet;

/**
 * Looks at a file before anything writes to it and classifies it. Opens it read-only
 * (or not at all), so a refused file stays byte-identical.
 */
final class DatabaseInspector {
    static final String HISTORY_TABLE = "flyway_schema_history";
    private static final Set<String> LEGACY_COLUMNS =
            Set.of("id", "site", "port", "pid", "startTime", "type", "script", "cwd", "status");

    enum Kind { NEW, LEGACY, MANAGED }

    private DatabaseInspector() {}

    static Kind inspect(Path file) {
        try {
            if (SqliteOnly.isNew(file)) {
                return Kind.NEW;
            }
            if (!SqliteOnly.hasSqliteHeader(file)) {
                throw new IncompatibleDatabaseException(Reason.NOT_SQLITE, file, "not an SQLite database");
            }
        } catch (IOException e) {
            StorageGuard.permissionProblem(file, false).ifPresent(p -> {
                throw p;
            });
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        try (Connection c = SqliteOnly.dataSource(file, SqliteOnly.inspectConfig()).getConnection()) {
            Set<String> tables = userTables(c);
            if (tables.contains(HISTORY_TABLE)) {
                return Kind.MANAGED;
            }
            if (tables.isEmpty()) {
                return Kind.NEW;
            }
            if (tables.equals(Set.of("processes")) && columns(c, "processes").equals(LEGACY_COLUMNS)) {
                return Kind.LEGACY;
            }
            throw new IncompatibleDatabaseException(Reason.UNRECOGNISED_SCHEMA, file,
                    "no migration history and tables this library does not recognise: " + tables);
        } catch (SQLException e) {
            // A permission problem is not a verdict on the file: say which permission is missing.
            StorageGuard.permissionProblem(file, false).ifPresent(p -> {
                throw p;
            });
            // The header looked like SQLite but the content is not readable as a database.
            throw new IncompatibleDatabaseException(Reason.NOT_SQLITE, file,
                    "not a readable SQLite database (" + e.getMessage() + ")");
        }
    }

    private static Set<String> userTables(Connection c) throws SQLException {
        Set<String> names = new TreeSet<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(
                     "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
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
}
