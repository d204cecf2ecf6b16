package dev.dialup.deploy.db.engine.postgresql;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Unique constraint and index names mapped to the key text SQLite reports for the same
 * violation ({@code table.column[, table.column]}, or {@code index 'name'} for an expression
 * index): read from the catalog on a connection of its own, because the failed statement's
 * transaction is aborted. Primary keys count (SQLite reports them like any unique key), and a
 * key column {@code lower(column)} — the twin of SQLite's {@code column COLLATE NOCASE} — is
 * reported as that column, as SQLite does.
 */
final class ConstraintKeys {
    private static final String QUERY = """
            SELECT i.relname, t.relname,
                   (SELECT string_agg(pg_get_indexdef(x.indexrelid, k.ord::int, true), E'\\n' ORDER BY k.ord)
                      FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
                     WHERE k.ord <= x.indnkeyatts)
              FROM pg_index x
              JOIN pg_class i ON i.oid = x.indexrelid
              JOIN pg_class t ON t.oid = x.indrelid
             WHERE x.indisunique AND t.relnamespace = current_schema()::regnamespace
            """;
    private static final Pattern COLUMN = Pattern.compile("\"?([A-Za-z_][A-Za-z0-9_]*)\"?");
    private static final Pattern LOWER_COLUMN =
            Pattern.compile("lower\\(\\(?\"?([A-Za-z_][A-Za-z0-9_]*)\"?\\)?(?:::text)?\\)");

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
                loaded.put(rs.getString(1), key(rs.getString(1), rs.getString(2), rs.getString(3)));
            }
        } catch (SQLException e) {
            return;
        }
        keys = new ConcurrentHashMap<>(loaded);
    }

    /** {@code table.a, table.b} for the key columns {@code a} and {@code lower(b)}; {@code index 'name'} otherwise. */
    static String key(String index, String table, String columns) {
        List<String> keys = new ArrayList<>();
        for (String column : columns == null ? new String[0] : columns.split("\n")) {
            Matcher plain = COLUMN.matcher(column.strip());
            Matcher lower = LOWER_COLUMN.matcher(column.strip());
            if (plain.matches()) {
                keys.add(table + "." + plain.group(1));
            } else if (lower.matches()) {
                keys.add(table + "." + lower.group(1));
            } else {
                return "index '" + index + "'";
            }
        }
        return keys.isEmpty() ? "index '" + index + "'" : String.join(", ", keys);
    }
}
