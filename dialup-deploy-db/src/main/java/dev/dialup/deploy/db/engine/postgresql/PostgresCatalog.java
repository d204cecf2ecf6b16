package dev.dialup.deploy.db.engine.postgresql;

import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FileShape;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.flywaydb.core.api.MigrationVersion;

/**
 * What a PostgreSQL database is and whether it is sound, read from the catalog of the connection's current
 * schema ({@code current_schema()}, normally {@code public}; the library's tables live there, Flyway's history
 * too). Everything here only reads; nothing returns or logs a row's values except primary keys in
 * {@link #foreignKeyViolations}.
 *
 * <p>"Tables" means what SQLite's {@code sqlite_master} calls tables: ordinary and partitioned tables, not
 * views, sequences, foreign tables nor the partitions of a partitioned table (counted through their parent).
 */
public final class PostgresCatalog {
    /** Ordinary and partitioned tables of the current schema, partitions excluded; {@code name} sorts bytewise. */
    private static final String TABLES = """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            ORDER BY c.relname""";

    private PostgresCatalog() {}

    /** The tables of the current schema, sorted by name (byte order, as SQLite's {@code ORDER BY name}). */
    public static List<String> tableNames(Connection connection) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery(TABLES)) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /**
     * The one classification of the database behind {@code connection} (see {@link FileShape}):
     *
     * <ul>
     *   <li>{@code NEW}: the current schema has no table (a fresh database, or a schema created for the library);
     *   <li>{@code MANAGED}: Flyway's history table is there; the version is the highest successfully applied
     *       migration (null when none succeeded yet);
     *   <li>{@code UNRECOGNISED}: tables and no history. This includes a schema holding only a {@code processes}
     *       table shaped like the Bun tracker's: no Bun-era tracker ever ran on PostgreSQL (it wrote a SQLite
     *       file; V1's PostgreSQL twin only gives the table its shape), so there is nothing to adopt and
     *       {@code LEGACY} never occurs here. An installation moves over by copying its migrated SQLite
     *       database.
     * </ul>
     *
     * {@code FOREIGN} (not a database of this engine) cannot be reached through a connection: pgjdbc only
     * connects to servers speaking PostgreSQL's protocol. A server that fails during connection set-up is a
     * connection failure ({@link PostgresErrors#translateStorageFailure}), not a classification.
     */
    public static FileShape classify(Connection connection) throws SQLException {
        Set<String> tables = new TreeSet<>(tableNames(connection));
        if (tables.contains(DatabaseEngine.HISTORY_TABLE)) {
            return new FileShape(FileShape.Kind.MANAGED, highestAppliedVersion(connection), tables, null);
        }
        if (tables.isEmpty()) {
            return new FileShape(FileShape.Kind.NEW, null, tables, null);
        }
        return new FileShape(FileShape.Kind.UNRECOGNISED, null, tables, null);
    }

    /** The schema version: the highest successfully applied migration, or null when there is no migration history. */
    public static String schemaVersion(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT to_regclass('" + DatabaseEngine.HISTORY_TABLE + "') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return null;
            }
        }
        return highestAppliedVersion(connection);
    }

    /** The name of the database {@code connection} is connected to. */
    public static String currentDatabase(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The highest successfully applied migration version in Flyway's history table of the current schema, or null. */
    public static String highestAppliedVersion(Connection connection) throws SQLException {
        List<MigrationVersion> versions = new ArrayList<>();
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT version FROM " + DatabaseEngine.HISTORY_TABLE
                        + " WHERE success AND version IS NOT NULL")) {
            while (rs.next()) {
                versions.add(MigrationVersion.fromVersion(rs.getString(1)));
            }
        }
        return versions.stream()
                .max(MigrationVersion::compareTo)
                .map(MigrationVersion::getVersion)
                .orElse(null);
    }

    /**
     * The PostgreSQL counterpart of SQLite's {@code PRAGMA integrity_check}: {@code ["ok"]} when sound, else one
     * line per problem (at most {@code maxLines}). It reports what the catalog can say cheaply and what makes the
     * schema's rules not hold for every row:
     *
     * <ul>
     *   <li>constraints marked NOT VALID ({@code pg_constraint.convalidated}): existing rows were never checked
     *       (foreign keys: {@link #foreignKeyViolations} lists the orphans);
     *   <li>invalid or not-ready indexes ({@code pg_index.indisvalid}, {@code indisready}), left by a failed
     *       {@code CREATE INDEX CONCURRENTLY} or {@code REINDEX CONCURRENTLY}: a unique one enforces nothing;
     *   <li>disabled triggers ({@code ALTER TABLE ... DISABLE TRIGGER}): the schema's rules, and for the internal
     *       triggers its foreign keys, are off for every writer.
     * </ul>
     *
     * Out of scope: page-level corruption of tables and indexes. PostgreSQL checks page checksums (when the
     * cluster was initialised with them) as it reads; a full check needs the {@code amcheck} extension
     * ({@code pg_amcheck}), which needs privileges the library's role should not have: it belongs to the
     * server's own maintenance (docs/schema.md, "PostgreSQL: classification, verification and errors").
     */
    public static List<String> integrityCheck(Connection connection, int maxLines) throws SQLException {
        int max = Math.max(1, maxLines);
        List<String> problems = new ArrayList<>();
        query(
                connection,
                """
                SELECT c.conname, t.relname, c.contype FROM pg_constraint c
                JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = current_schema() AND NOT c.convalidated
                ORDER BY t.relname, c.conname""",
                rs -> problems.add(constraintKind(rs.getString(3)) + " " + rs.getString(1) + " on " + rs.getString(2)
                        + " is NOT VALID: existing rows were never checked (ALTER TABLE " + rs.getString(2)
                        + " VALIDATE CONSTRAINT " + rs.getString(1) + ")"));
        query(
                connection,
                """
                SELECT i.relname, t.relname, x.indisvalid FROM pg_index x
                JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = current_schema() AND NOT (x.indisvalid AND x.indisready)
                ORDER BY t.relname, i.relname""",
                rs -> problems.add("index " + rs.getString(1) + " on " + rs.getString(2)
                        + (rs.getBoolean(3) ? " is not ready" : " is invalid")
                        + " (a failed concurrent build?): REINDEX INDEX " + rs.getString(1)));
        query(
                connection,
                """
                SELECT g.tgname, t.relname, g.tgisinternal FROM pg_trigger g
                JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = current_schema() AND g.tgenabled = 'D'
                ORDER BY t.relname, g.tgname""",
                rs -> problems.add((rs.getBoolean(3) ? "internal trigger " : "trigger ") + rs.getString(1) + " on "
                        + rs.getString(2) + " is disabled"
                        + (rs.getBoolean(3) ? " (a foreign key is not enforced)" : "") + ": ALTER TABLE "
                        + rs.getString(2) + " ENABLE TRIGGER ALL"));
        if (problems.isEmpty()) {
            return List.of("ok");
        }
        return List.copyOf(problems.subList(0, Math.min(max, problems.size())));
    }

    private static String constraintKind(String contype) {
        return switch (contype) {
            case "f" -> "foreign key";
            case "c" -> "check constraint";
            case "n" -> "not-null constraint";
            default -> "constraint";
        };
    }

    /**
     * One line per row whose parent is missing, for every foreign key that may hold such rows: NOT VALID ones,
     * ones whose enforcing triggers are disabled (a validated, enforced key cannot), and the key from
     * {@code usage_samples} to {@code sites}, which the library keeps without declaring it (V64). The line is
     * {@code table key -> parent}, where key is the child row's primary key as {@code column=value[,
     * column=value]} ({@code ctid=(page,item)} for a table without one), e.g. {@code sites id=7 -> users}; SQLite
     * writes {@code sites rowid=7 -> users}. Empty when clean. Rows with a null in the key are not orphans
     * (MATCH SIMPLE, as on SQLite).
     */
    public static List<String> foreignKeyViolations(Connection connection) throws SQLException {
        record Fk(String table, String parent, List<String> columns, List<String> parentColumns) {}
        List<Fk> keys = new ArrayList<>();
        query(
                connection,
                """
                SELECT t.relname, p.relname,
                       array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
                             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o),
                       array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
                             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)
                FROM pg_constraint c
                JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = current_schema() AND c.contype = 'f'
                  AND (NOT c.convalidated OR EXISTS (SELECT 1 FROM pg_trigger g
                       WHERE g.tgconstraint = c.oid AND g.tgenabled = 'D'))
                ORDER BY t.relname, c.conname""",
                rs -> keys.add(new Fk(
                        rs.getString(1),
                        rs.getString(2),
                        List.of((String[]) rs.getArray(3).getArray()),
                        List.of((String[]) rs.getArray(4).getArray()))));
        // V64 dropped usage_samples' key to sites for ingest speed; the library keeps the rule (docs/schema.md,
        // "No foreign key on the history"), and this check still finds orphans written around it.
        if (undeclaredUsageKey(connection)) {
            keys.add(new Fk("usage_samples", "sites", List.of("site_id"), List.of("id")));
        }
        List<String> violations = new ArrayList<>();
        for (Fk fk : keys) {
            List<String> pk = primaryKey(connection, fk.table());
            List<String> shown = pk.isEmpty() ? List.of("ctid") : pk;
            StringBuilder sql = new StringBuilder("SELECT ");
            for (int i = 0; i < shown.size(); i++) {
                sql.append(i == 0 ? "" : ", ")
                        .append("c.")
                        .append(ident(shown.get(i)))
                        .append("::text");
            }
            sql.append(" FROM ").append(ident(fk.table())).append(" c WHERE ");
            for (String column : fk.columns()) {
                sql.append("c.").append(ident(column)).append(" IS NOT NULL AND ");
            }
            sql.append("NOT EXISTS (SELECT 1 FROM ").append(ident(fk.parent())).append(" p WHERE ");
            for (int i = 0; i < fk.columns().size(); i++) {
                sql.append(i == 0 ? "" : " AND ")
                        .append("p.")
                        .append(ident(fk.parentColumns().get(i)))
                        .append(" = c.")
                        .append(ident(fk.columns().get(i)));
            }
            sql.append(") ORDER BY 1");
            query(connection, sql.toString(), rs -> {
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < shown.size(); i++) {
                    parts.add(shown.get(i) + "=" + rs.getString(i + 1));
                }
                violations.add(fk.table() + " " + String.join(",", parts) + " -> " + fk.parent());
            });
        }
        return violations;
    }

    /** Whether {@code usage_samples} and {@code sites} exist in the current schema with no foreign key between them. */
    private static boolean undeclaredUsageKey(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT s.oid IS NOT NULL AND p.oid IS NOT NULL AND NOT EXISTS (
                         SELECT 1 FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = s.oid AND c.confrelid = p.oid)
                FROM (SELECT to_regclass(format('%I.usage_samples', current_schema())) AS oid) s,
                     (SELECT to_regclass(format('%I.sites', current_schema())) AS oid) p""");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    /** The primary-key columns of {@code table} in the current schema, in key order (empty when it has none). */
    static List<String> primaryKey(Connection connection, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT a.attname FROM pg_constraint c
                JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k(n, o)
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                WHERE n.nspname = current_schema() AND t.relname = ? AND c.contype = 'p'
                ORDER BY k.o""")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }

    /**
     * Exact row count ({@code count(*)}) of every table of the current schema, sorted by name: the same set of
     * tables SQLite's version reports for the same migrated schema (every table, Flyway's history included; no
     * views). Reads every table in full: meant for backups, copies and verify, not for dashboards
     * ({@code pg_class.reltuples} is the estimate).
     */
    public static Map<String, Long> tableRowCounts(Connection connection) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : tableNames(connection)) {
            try (Statement st = connection.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM " + ident(table))) {
                rs.next();
                counts.put(table, rs.getLong(1));
            }
        }
        return counts;
    }

    /**
     * Bytes the database takes on the server ({@code pg_database_size(current_database())}: every schema, indexes
     * and TOAST included); a plain dump is usually smaller. For progress only.
     */
    public static long sizeEstimate(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_database_size(current_database())")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Rows of {@code processes} linked to no site ({@code site_id IS NULL}); 0 when the table or the column does
     * not exist in the current schema. The same meaning as on SQLite: a warning for verify.
     */
    public static long processesWithoutSite(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("""
                        SELECT count(*) FROM pg_attribute a
                        JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                        WHERE n.nspname = current_schema() AND t.relname = 'processes' AND t.relkind IN ('r', 'p')
                          AND a.attname = 'site_id' AND NOT a.attisdropped""")) {
            if (!rs.next() || rs.getLong(1) == 0) {
                return 0;
            }
        }
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM processes WHERE site_id IS NULL")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** A quoted SQL identifier. */
    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private interface RowHandler {
        void row(ResultSet rs) throws SQLException;
    }

    private static void query(Connection connection, String sql, RowHandler handler) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                handler.row(rs);
            }
        }
    }
}
