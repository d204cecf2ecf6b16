package dev.dialup.deploy.db.engine.postgresql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The unique keys of a PostgreSQL schema by constraint (index) name, each written the way SQLite reports the
 * same key in {@code UNIQUE constraint failed: ...}: {@code table.column[, table.column]} for a key of plain
 * columns, {@code index 'name'} for an index with an expression key. PostgreSQL names the violated constraint
 * in SQLState 23505; this map turns that name into the text {@code UniqueConstraints.conflictOn} matches, so
 * repositories keep one set of keys for both engines ({@link PostgresErrors#violatedUniqueKey}).
 *
 * <p>What counts as a column: a plain column, and {@code lower(column)}. The PostgreSQL migrations write
 * SQLite's case-insensitive {@code column COLLATE NOCASE} keys as {@code lower(column)} (docs/schema.md,
 * "PostgreSQL"), and SQLite reports a {@code COLLATE NOCASE} key as the column; any other expression makes the
 * whole index an expression index on both engines.
 *
 * <p>Every unique index of the connection's current schema is read (primary keys and {@code UNIQUE}
 * constraints are backed by an index of the constraint's name) with one catalog query ({@link #read}).
 *
 * <p>Loading: a statement that fails aborts its transaction on PostgreSQL, so the look-up can never run on the
 * connection that raised the violation. Either load a snapshot once on a fresh connection ({@link #load}), or
 * give a {@link DataSource} ({@link #reloading}): the keys are then read on first use and read again, on a new
 * connection of that source, the first time an unknown name is asked for (a constraint created after loading),
 * at most once per unknown name. The source should not be the writer pool, whose connections may all be held
 * by the transactions that are failing.
 *
 * <p>No value of a violating row is ever read or kept: only catalog names.
 */
public final class ConstraintKeys {
    /**
     * One row per key column of every unique index of the current schema: index name, table name, position,
     * the column's name (null for an expression) and the key's text ({@code pg_get_indexdef}).
     */
    static final String QUERY = """
            SELECT i.relname,
                   CASE WHEN t.relispartition THEN (SELECT r.relname FROM pg_class r WHERE r.oid = pg_partition_root(t.oid))
                        ELSE t.relname END,
                   k.ord, a.attname, pg_get_indexdef(x.indexrelid, k.ord::int, true)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
            LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
            WHERE x.indisunique AND n.nspname = current_schema() AND k.ord <= x.indnkeyatts
            ORDER BY i.relname, k.ord""";

    /** {@code lower(column)} with a plain or quoted column name (pg_get_indexdef adds {@code ::text} to a varchar). */
    private static final Pattern LOWER =
            Pattern.compile("lower\\((?:([A-Za-z_][A-Za-z0-9_$]*)|\"((?:[^\"]|\"\")+)\")(?:::text)?\\)");

    private final DataSource source;
    private final Set<String> reloadedFor = ConcurrentHashMap.newKeySet();
    private volatile Map<String, String> keys;

    private ConstraintKeys(DataSource source, Map<String, String> keys) {
        this.source = source;
        this.keys = keys;
    }

    /**
     * A snapshot of the keys of {@code connection}'s current schema; it never reloads. Runs one query (inside the
     * connection's transaction when auto-commit is off: the caller ends it).
     */
    public static ConstraintKeys load(Connection connection) throws SQLException {
        return new ConstraintKeys(null, read(connection));
    }

    /**
     * Keys read from {@code source} (a new connection each time, closed after the query) on first use, and read
     * again once for each name that is not found. A failed read leaves the keys as they were.
     */
    public static ConstraintKeys reloading(DataSource source) {
        return new ConstraintKeys(java.util.Objects.requireNonNull(source, "source"), null);
    }

    /**
     * The key text of the unique constraint or unique index {@code name} of the current schema; empty when
     * there is none (also after a reload).
     */
    public Optional<String> keyOf(String name) {
        if (name == null) {
            return Optional.empty();
        }
        Map<String, String> now = keys;
        boolean justRead = false;
        if (now == null) {
            now = reload();
            justRead = now != null;
        }
        String key = now == null ? null : now.get(name);
        if (key == null && source != null && !justRead && !reloadedFor.contains(name)) {
            Map<String, String> again = reload();
            if (again != null) {
                reloadedFor.add(name);
                key = again.get(name);
            }
        }
        return Optional.ofNullable(key);
    }

    /** Every key by constraint or index name, sorted by name (loads when not loaded yet; empty if that fails). */
    public Map<String, String> asMap() {
        Map<String, String> now = keys;
        if (now == null) {
            now = reload();
        }
        return now == null ? Map.of() : now;
    }

    /**
     * Reads the keys again from the source; null (the keys stay as they were) when there is no source or the read
     * fails: unknown names then stay unknown and the violation passes untranslated, never with a wrong key.
     */
    private synchronized Map<String, String> reload() {
        if (source == null) {
            return null;
        }
        try (Connection c = source.getConnection()) {
            keys = read(c);
            return keys;
        } catch (SQLException e) {
            return null;
        }
    }

    /**
     * Reads the unique keys of {@code connection}'s current schema with one query: constraint or index name to
     * {@code table.column[, table.column]} or {@code index 'name'}, sorted by name.
     */
    public static Map<String, String> read(Connection connection) throws SQLException {
        Map<String, String> tables = new LinkedHashMap<>();
        Map<String, List<String>> columns = new LinkedHashMap<>();
        Set<String> expressions = new java.util.HashSet<>();
        try (PreparedStatement ps = connection.prepareStatement(QUERY);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String index = rs.getString(1);
                tables.put(index, rs.getString(2));
                String column = rs.getString(4);
                if (column == null) {
                    column = lowerOf(rs.getString(5));
                }
                if (column == null) {
                    expressions.add(index);
                } else {
                    columns.computeIfAbsent(index, k -> new ArrayList<>()).add(column);
                }
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : tables.entrySet()) {
            String index = e.getKey();
            out.put(index, keyText(index, e.getValue(), expressions.contains(index) ? null : columns.get(index)));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** The SQLite spelling of a key: {@code t.a, t.b}, or {@code index 'name'} when {@code columns} is null. */
    static String keyText(String index, String table, List<String> columns) {
        if (columns == null) {
            return "index '" + index + "'";
        }
        return String.join(", ", columns.stream().map(c -> table + "." + c).toList());
    }

    /** The column of a {@code lower(column)} key expression, or null for any other expression. */
    static String lowerOf(String expression) {
        if (expression == null) {
            return null;
        }
        Matcher m = LOWER.matcher(expression.strip());
        if (!m.matches()) {
            return null;
        }
        return m.group(1) != null ? m.group(1) : m.group(2).replace("\"\"", "\"");
    }
}
