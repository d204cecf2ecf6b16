package dev.dialup.deploy.db.engine.postgresql;

import static dev.dialup.deploy.db.engine.DatabaseEngine.HISTORY_TABLE;

import dev.dialup.deploy.db.engine.FileShape;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** What the PostgreSQL catalog says about the current schema (minimal version). */
final class PostgresCatalog {
    private PostgresCatalog() {}

    static List<String> tableNames(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")) {
            while (rs.next()) names.add(rs.getString(1));
        }
        return names;
    }

    static FileShape classify(Connection c) throws SQLException {
        Set<String> tables = new TreeSet<>(tableNames(c));
        if (tables.contains(HISTORY_TABLE)) {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT version FROM " + HISTORY_TABLE
                            + " WHERE success AND version IS NOT NULL ORDER BY installed_rank")) {
                String highest = null;
                org.flywaydb.core.api.MigrationVersion max = null;
                while (rs.next()) {
                    var v = org.flywaydb.core.api.MigrationVersion.fromVersion(rs.getString(1));
                    if (max == null || v.compareTo(max) > 0) {
                        max = v;
                        highest = v.getVersion();
                    }
                }
                return new FileShape(FileShape.Kind.MANAGED, highest, tables, null);
            }
        }
        if (tables.isEmpty()) return new FileShape(FileShape.Kind.NEW, null, tables, null);
        return new FileShape(FileShape.Kind.UNRECOGNISED, null, tables, null);
    }

    static List<String> integrityCheck(Connection c, int maxLines) throws SQLException {
        return List.of("ok");
    }

    static List<String> foreignKeyViolations(Connection c) throws SQLException {
        return List.of();
    }

    static Map<String, Long> tableRowCounts(Connection c) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String t : tableNames(c)) {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + t + "\"")) {
                rs.next();
                counts.put(t, rs.getLong(1));
            }
        }
        return counts;
    }

    static long sizeEstimate(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_database_size(current_database())")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static long processesWithoutSite(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM processes WHERE site_id IS NULL")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return 0;
        }
    }
}
