package dev.dialup.deploy.db.testing;

import dev.dialup.deploy.db.core.DialupDatabase;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every row of every table (including Flyway's history), as text, on either engine. Two snapshots are equal
 * exactly when no table changed: the proof that a denied or rejected call wrote nothing.
 */
public final class DbSnapshot {
    private DbSnapshot() {}

    public static Map<String, List<String>> of(DialupDatabase db) {
        return db.withReaderConnection(c -> {
            // The engine's catalog: SQLite's schema table, or PostgreSQL's tables of the current schema.
            boolean postgres =
                    c.getMetaData().getDatabaseProductName().toLowerCase().contains("postgres");
            boolean autoCommit = c.getAutoCommit();
            if (postgres) {
                // Row-level security: read as the system capability, in a transaction that ends here.
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT set_config('dialup.system', 'on', true)");
                }
            }
            try {
                return read(c, postgres);
            } finally {
                if (postgres) {
                    c.rollback();
                    c.setAutoCommit(autoCommit);
                }
            }
        });
    }

    private static Map<String, List<String>> read(java.sql.Connection c, boolean postgres)
            throws java.sql.SQLException {
        {
            Map<String, List<String>> out = new TreeMap<>();
            List<String> tables = new ArrayList<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            postgres
                                    ? "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
                                    : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
                while (rs.next()) tables.add(rs.getString(1));
            }
            for (String t : tables) {
                List<String> rows = new ArrayList<>();
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT * FROM \"" + t + "\"")) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        StringBuilder sb = new StringBuilder();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            sb.append(md.getColumnName(i))
                                    .append('=')
                                    .append(rs.getString(i))
                                    .append(';');
                        }
                        rows.add(sb.toString());
                    }
                }
                rows.sort(null);
                out.put(t, rows);
            }
            return out;
        }
    }
}
