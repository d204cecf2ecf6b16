package dev.dialup.deploy.db.engine.postgresql;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Unique constraint and index names mapped to the key text SQLite reports for the same
 * violation ({@code table.column[, table.column]}, or {@code index 'name'} for an expression
 * index): read from the catalog on a connection of its own, because the failed statement's
 * transaction is aborted.
 */
final class ConstraintKeys {
    private static final String QUERY = """
            SELECT i.relname, t.relname, x.indexprs IS NOT NULL,
                   (SELECT string_agg(t.relname || '.' || a.attname, ', ' ORDER BY k.ord)
                      FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                     WHERE k.ord <= x.indnkeyatts)
              FROM pg_index x
              JOIN pg_class i ON i.oid = x.indexrelid
              JOIN pg_class t ON t.oid = x.indrelid
             WHERE x.indisunique AND NOT x.indisprimary AND t.relnamespace = current_schema()::regnamespace
            """;

    private final Supplier<DataSource> connections;
    private volatile Map<String, String> keys = Map.of();

    ConstraintKeys(Supplier<DataSource> connections) {
        this.connections = connections;
    }

    String key(String constraint) {
        String key = keys.get(constraint);
        if (key == null) {
            reload();
            key = keys.get(constraint);
        }
        return key == null ? "index '" + constraint + "'" : key;
    }

    private synchronized void reload() {
        Map<String, String> loaded = new TreeMap<>();
        try (Connection c = connections.get().getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(QUERY)) {
            while (rs.next()) {
                loaded.put(rs.getString(1), rs.getBoolean(3) ? "index '" + rs.getString(1) + "'" : rs.getString(4));
            }
        } catch (SQLException e) {
            return;
        }
        keys = new ConcurrentHashMap<>(loaded);
    }
}
