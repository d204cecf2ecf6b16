package dev.dialup.deploy.db.engine;

import dev.dialup.deploy.db.MoveRefusedException;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.generated.DefaultSchema;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jooq.Cursor;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.OrderField;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.TableOptions;
import org.jooq.UniqueKey;

/**
 * The mechanics of moving an installation from SQLite to PostgreSQL ({@code ops.MoveToPostgres}): the library's
 * tables lined up on both engines, read in primary-key order, written in multi-row batches, and hashed over one
 * canonical rendering per row.
 *
 * <p>The source is read through the generated jOOQ records (so its values are the Java values the repositories see:
 * {@link Instant}, {@link LocalDate}, {@link Boolean}, {@code byte[]}, numbers, text); the target is read and written
 * with plain JDBC, each column converted by its PostgreSQL type to the same Java type. The canonical rendering
 * ({@link RowDigest}) hashes those Java values, so the engines' storage differences (DATETIME text vs
 * {@code timestamptz}, 0/1 vs {@code boolean}, BLOB vs {@code bytea}, epoch-millisecond integers) compare equal and
 * any real difference does not. Rows are ordered by primary key, text keys byte-wise on both sides (SQLite
 * {@code BINARY}, PostgreSQL {@code COLLATE "C"}).
 */
public final class CrossEngineCopy {
    /** Most parameters one PostgreSQL statement may carry is 65,535; stay well below. */
    private static final int MAX_PARAMETERS = 30_000;

    private static final int MAX_ROWS_PER_STATEMENT = 500;

    private CrossEngineCopy() {}

    /** The library's tables (not views) in the generated schema, by lower-case name. */
    public static Map<String, Table<?>> generatedTables() {
        Map<String, Table<?>> tables = new TreeMap<>();
        for (Table<?> t : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
            if (t.getTableType() == TableOptions.TableType.TABLE) {
                tables.put(t.getName().toLowerCase(Locale.ROOT), t);
            }
        }
        return tables;
    }

    // --- the target's catalog ------------------------------------------------------------

    /** A column of a PostgreSQL table: its name, its declared type ({@code format_type}) and base type name. */
    public record PgColumn(String name, String declaredType, String typeName, boolean identity) {}

    /** The tables of the target's current schema: columns in order, and which tables each one references. */
    public record PgCatalog(Map<String, List<PgColumn>> tables, Map<String, Set<String>> references) {
        public static PgCatalog read(Connection c) throws SQLException {
            Map<String, List<PgColumn>> tables = new TreeMap<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),"
                            + " t.typname, a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '')"
                            + " LIKE 'nextval(%'"
                            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                            + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                            + " JOIN pg_type t ON t.oid = a.atttypid"
                            + " LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum"
                            + " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                            + " ORDER BY c.relname, a.attnum")) {
                while (rs.next()) {
                    tables.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(new PgColumn(rs.getString(2), rs.getString(3), rs.getString(4), rs.getBoolean(5)));
                }
            }
            Map<String, Set<String>> refs = new TreeMap<>();
            tables.keySet().forEach(t -> refs.put(t, new TreeSet<>()));
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT c.relname, r.relname FROM pg_constraint k"
                            + " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid"
                            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                            + " WHERE k.contype = 'f' AND n.nspname = current_schema()")) {
                while (rs.next()) {
                    refs.computeIfAbsent(rs.getString(1), k -> new TreeSet<>()).add(rs.getString(2));
                }
            }
            return new PgCatalog(tables, refs);
        }

        /**
         * Every table in foreign-key order (a table after every table it references; self-references ignored; ties
         * by name), from the target's own constraints.
         *
         * @throws MoveRefusedException when the foreign keys form a cycle (no insert order exists)
         */
        public List<String> foreignKeyOrder() {
            List<String> order = new ArrayList<>();
            Set<String> done = new TreeSet<>();
            Set<String> left = new TreeSet<>(tables.keySet());
            while (!left.isEmpty()) {
                String next = null;
                for (String t : left) {
                    Set<String> needs = new TreeSet<>(references.getOrDefault(t, Set.of()));
                    needs.remove(t);
                    needs.retainAll(tables.keySet());
                    if (done.containsAll(needs)) {
                        next = t;
                        break;
                    }
                }
                if (next == null) {
                    throw new MoveRefusedException(
                            MoveRefusedException.Reason.SCHEMA_MISMATCH,
                            "the target's foreign keys form a cycle between " + left + "; no insert order exists");
                }
                order.add(next);
                done.add(next);
                left.remove(next);
            }
            return order;
        }
    }

    // --- one table on both engines ---------------------------------------------------------

    /** A table of the generated schema lined up with the same table on the target, column by column. */
    public static final class TablePlan {
        private final Table<?> table;
        private final List<Field<?>> fields;
        private final List<PgColumn> columns;
        private final int[] key;

        private TablePlan(Table<?> table, List<Field<?>> fields, List<PgColumn> columns, int[] key) {
            this.table = table;
            this.fields = fields;
            this.columns = columns;
            this.key = key;
        }

        /**
         * Lines {@code table} up with {@code columns} by (case-insensitive) column name.
         *
         * @throws MoveRefusedException when the two do not have the same columns
         */
        public static TablePlan of(Table<?> table, List<PgColumn> columns) {
            List<Field<?>> fields = List.of(table.fields());
            Map<String, PgColumn> byName = new LinkedHashMap<>();
            columns.forEach(c -> byName.put(c.name().toLowerCase(Locale.ROOT), c));
            Set<String> generated = new TreeSet<>();
            fields.forEach(f -> generated.add(f.getName().toLowerCase(Locale.ROOT)));
            if (!generated.equals(byName.keySet())) {
                throw new MoveRefusedException(
                        MoveRefusedException.Reason.SCHEMA_MISMATCH,
                        "table " + table.getName() + " has columns " + byName.keySet() + " on the target but "
                                + generated + " in this library's schema");
            }
            List<PgColumn> ordered = new ArrayList<>();
            fields.forEach(f -> ordered.add(byName.get(f.getName().toLowerCase(Locale.ROOT))));
            UniqueKey<?> pk = table.getPrimaryKey();
            List<? extends Field<?>> keyFields = pk == null ? fields : pk.getFields();
            int[] key = new int[keyFields.size()];
            for (int i = 0; i < key.length; i++) {
                key[i] = fields.indexOf(table.field(keyFields.get(i)));
            }
            return new TablePlan(table, fields, List.copyOf(ordered), key);
        }

        public String name() {
            return table.getName();
        }

        public List<PgColumn> columns() {
            return columns;
        }

        /** The primary key's values of {@code row}, rendered canonically (for comparing key sets). */
        public String keyOf(Object[] row) {
            StringBuilder sb = new StringBuilder();
            for (int k : key) {
                sb.append(RowDigest.render(row[k])).append('|');
            }
            return sb.toString();
        }

        /** Streams the source's rows in primary-key order (text keys byte-wise) as Java values. */
        public long readSource(DSLContext source, RowSink sink) throws SQLException {
            List<OrderField<?>> order = new ArrayList<>();
            for (int k : key) {
                Field<?> f = fields.get(k);
                order.add(f.getType() == String.class ? f.coerce(String.class).collate("BINARY") : f);
            }
            long n = 0;
            try (Cursor<? extends Record> cursor =
                    source.selectFrom(table).orderBy(order).fetchLazy()) {
                for (Record r : cursor) {
                    Object[] row = new Object[fields.size()];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = r.get(i);
                    }
                    sink.accept(row);
                    n++;
                }
            }
            return n;
        }

        /** Streams the target's rows in the same order, converted to the generated schema's Java types. */
        public long readTarget(Connection target, RowSink sink) throws SQLException {
            StringBuilder sql = new StringBuilder("SELECT ");
            for (int i = 0; i < columns.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(quote(columns.get(i).name()));
            }
            sql.append(" FROM ").append(quote(table.getName())).append(" ORDER BY ");
            for (int i = 0; i < key.length; i++) {
                PgColumn c = columns.get(key[i]);
                sql.append(i == 0 ? "" : ", ").append(quote(c.name()));
                if (isText(c)) {
                    sql.append(" COLLATE \"C\"");
                }
            }
            long n = 0;
            try (PreparedStatement ps = target.prepareStatement(sql.toString())) {
                ps.setFetchSize(1_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Object[] row = new Object[columns.size()];
                        for (int i = 0; i < row.length; i++) {
                            row[i] = readPg(
                                    rs, i + 1, columns.get(i), fields.get(i).getType());
                        }
                        sink.accept(row);
                        n++;
                    }
                }
            }
            return n;
        }

        /** A writer of multi-row INSERTs into the target (the caller flushes, then closes it). */
        public Writer writer(Connection target) {
            return new Writer(target, this);
        }
    }

    /** Receives one row (Java values in the generated schema's column order). */
    @FunctionalInterface
    public interface RowSink {
        void accept(Object[] row) throws SQLException;
    }

    /** Buffers rows and writes them as multi-row INSERTs, every value cast to its column's declared type. */
    public static final class Writer implements AutoCloseable {
        private final Connection target;
        private final TablePlan plan;
        private final int rowsPerStatement;
        private final List<Object[]> buffer = new ArrayList<>();
        private PreparedStatement full;

        private Writer(Connection target, TablePlan plan) {
            this.target = target;
            this.plan = plan;
            this.rowsPerStatement = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, MAX_PARAMETERS / plan.columns.size()));
        }

        public void add(Object[] row) throws SQLException {
            buffer.add(row);
            if (buffer.size() == rowsPerStatement) {
                if (full == null) {
                    full = target.prepareStatement(insertSql(rowsPerStatement));
                }
                write(full);
            }
        }

        /** Writes what is buffered. */
        public void flush() throws SQLException {
            if (buffer.isEmpty()) {
                return;
            }
            if (buffer.size() == rowsPerStatement && full != null) {
                write(full);
                return;
            }
            try (PreparedStatement ps = target.prepareStatement(insertSql(buffer.size()))) {
                write(ps);
            }
        }

        private void write(PreparedStatement ps) throws SQLException {
            int p = 1;
            for (Object[] row : buffer) {
                for (int i = 0; i < row.length; i++) {
                    bindPg(ps, p++, row[i], plan.columns.get(i));
                }
            }
            ps.executeUpdate();
            buffer.clear();
        }

        private String insertSql(int rows) {
            StringBuilder sql = new StringBuilder("INSERT INTO ")
                    .append(quote(plan.table.getName()))
                    .append(" (");
            for (int i = 0; i < plan.columns.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(quote(plan.columns.get(i).name()));
            }
            sql.append(")");
            if (plan.columns.stream().anyMatch(PgColumn::identity)) {
                sql.append(" OVERRIDING SYSTEM VALUE");
            }
            sql.append(" VALUES ");
            StringBuilder one = new StringBuilder("(");
            for (int i = 0; i < plan.columns.size(); i++) {
                one.append(i == 0 ? "" : ", ")
                        .append("CAST(? AS ")
                        .append(plan.columns.get(i).declaredType())
                        .append(')');
            }
            one.append(')');
            for (int r = 0; r < rows; r++) {
                sql.append(r == 0 ? "" : ", ").append(one);
            }
            return sql.toString();
        }

        @Override
        public void close() throws SQLException {
            if (full != null) {
                full.close();
            }
        }
    }

    /** The primary keys of {@code table}'s rows in the source, each rendered like {@link TablePlan#keyOf}. */
    public static Set<String> sourceKeys(DSLContext source, Table<?> table) {
        UniqueKey<?> pk = table.getPrimaryKey();
        List<? extends Field<?>> keyFields = pk == null ? List.of(table.fields()) : pk.getFields();
        Set<String> keys = new HashSet<>();
        for (Record r : source.select(keyFields).from(table).fetch()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < keyFields.size(); i++) {
                sb.append(RowDigest.render(r.get(i))).append('|');
            }
            keys.add(sb.toString());
        }
        return keys;
    }

    // --- target-side housekeeping ---------------------------------------------------------

    /**
     * Switches the user triggers of {@code tables} off (or back on) for this transaction's copy: the move writes the
     * rows the source's triggers already derived (default limits, owner members, host names, usage aggregates), so
     * the target's twins must not fire again. {@code ALTER TABLE ... DISABLE TRIGGER USER} is transactional (a rolled
     * back move leaves them enabled), keeps the foreign-key checks (internal triggers) on, and needs the table
     * owner: the role that ran the migrations.
     */
    public static void userTriggers(Connection target, List<String> tables, boolean enabled) throws SQLException {
        try (Statement st = target.createStatement()) {
            for (String t : tables) {
                st.execute("ALTER TABLE " + quote(t) + (enabled ? " ENABLE" : " DISABLE") + " TRIGGER USER");
            }
        }
    }

    /**
     * Sets the sequence behind {@code table.column} (identity or serial) so the next id is above both the copied
     * rows' highest id and {@code atLeast} (SQLite's AUTOINCREMENT high-water mark, so deleted ids are not reused).
     *
     * @return the id the next insert will get
     */
    public static long advanceSequence(Connection target, String table, String column, long atLeast)
            throws SQLException {
        long max;
        try (Statement st = target.createStatement();
                ResultSet rs = st.executeQuery("SELECT coalesce(max(" + quote(column) + "), 0) FROM " + quote(table))) {
            rs.next();
            max = rs.getLong(1);
        }
        long high = Math.max(max, atLeast);
        try (PreparedStatement ps = target.prepareStatement("SELECT setval(pg_get_serial_sequence(?, ?), ?, ?)")) {
            ps.setString(1, quote(table));
            ps.setString(2, column);
            ps.setLong(3, Math.max(high, 1));
            ps.setBoolean(4, high > 0);
            ps.executeQuery().close();
        }
        return high + 1;
    }

    /**
     * SQLite's AUTOINCREMENT high-water marks ({@code sqlite_sequence}), by lower-case table name; empty when the
     * database has none.
     */
    public static Map<String, Long> sqliteSequences(Connection source) {
        Map<String, Long> seq = new TreeMap<>();
        try (Statement st = source.createStatement();
                ResultSet rs = st.executeQuery("SELECT name, seq FROM sqlite_sequence")) {
            while (rs.next()) {
                seq.put(rs.getString(1).toLowerCase(Locale.ROOT), rs.getLong(2));
            }
        } catch (SQLException e) {
            // no AUTOINCREMENT table has ever received a row: no sqlite_sequence yet
        }
        return seq;
    }

    /** A double-quoted SQL identifier. */
    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static boolean isText(PgColumn c) {
        return switch (c.typeName()) {
            case "text", "varchar", "bpchar", "name", "citext" -> true;
            default -> false;
        };
    }

    // --- value conversion ------------------------------------------------------------------

    /** Reads column {@code i} as the Java type the generated schema gives it. */
    static Object readPg(ResultSet rs, int i, PgColumn column, Class<?> type) throws SQLException {
        String t = column.typeName();
        if (type == Instant.class) {
            switch (t) {
                case "timestamptz" -> {
                    OffsetDateTime v = rs.getObject(i, OffsetDateTime.class);
                    return v == null ? null : v.toInstant();
                }
                case "timestamp" -> {
                    LocalDateTime v = rs.getObject(i, LocalDateTime.class);
                    return v == null ? null : v.toInstant(ZoneOffset.UTC);
                }
                case "int8", "int4", "int2" -> {
                    long v = rs.getLong(i);
                    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
                }
                default -> {
                    String v = rs.getString(i);
                    return v == null ? null : StoredTime.parseInstant(v);
                }
            }
        }
        if (type == LocalDate.class) {
            if (t.equals("date")) {
                return rs.getObject(i, LocalDate.class);
            }
            String v = rs.getString(i);
            return v == null ? null : StoredTime.parseDate(v);
        }
        Object v;
        if (type == Long.class) {
            v = rs.getLong(i);
        } else if (type == Integer.class) {
            v = rs.getInt(i);
        } else if (type == Short.class) {
            v = rs.getShort(i);
        } else if (type == Boolean.class) {
            v = rs.getBoolean(i);
        } else if (type == Double.class) {
            v = rs.getDouble(i);
        } else if (type == Float.class) {
            v = rs.getFloat(i);
        } else if (type == String.class) {
            return rs.getString(i);
        } else if (type == byte[].class) {
            return rs.getBytes(i);
        } else if (type == BigDecimal.class) {
            return rs.getBigDecimal(i);
        } else {
            return rs.getObject(i);
        }
        return rs.wasNull() ? null : v;
    }

    /** Binds a Java value of the generated schema to a parameter of {@code column}'s type. */
    static void bindPg(PreparedStatement ps, int i, Object v, PgColumn column) throws SQLException {
        String t = column.typeName();
        if (v == null) {
            ps.setNull(i, Types.NULL);
        } else if (v instanceof Instant instant) {
            switch (t) {
                case "timestamptz" -> ps.setObject(i, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
                case "timestamp" -> ps.setObject(i, LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
                case "int8", "int4", "int2" -> ps.setLong(i, instant.toEpochMilli());
                default -> ps.setString(i, StoredTime.format(instant));
            }
        } else if (v instanceof LocalDate date) {
            if (t.equals("date")) {
                ps.setObject(i, date);
            } else {
                ps.setString(i, StoredTime.format(date));
            }
        } else if (v instanceof Long l) {
            ps.setLong(i, l);
        } else if (v instanceof Integer n) {
            ps.setInt(i, n);
        } else if (v instanceof Short n) {
            ps.setShort(i, n);
        } else if (v instanceof Boolean b) {
            ps.setBoolean(i, b);
        } else if (v instanceof Double d) {
            ps.setDouble(i, d);
        } else if (v instanceof Float f) {
            ps.setFloat(i, f);
        } else if (v instanceof String s) {
            ps.setString(i, s);
        } else if (v instanceof byte[] bytes) {
            ps.setBytes(i, bytes);
        } else if (v instanceof BigDecimal d) {
            ps.setBigDecimal(i, d);
        } else {
            ps.setObject(i, v);
        }
    }

    // --- checksums ---------------------------------------------------------------------------

    /**
     * SHA-256 over the canonical rendering of a table's rows, in the order they are added, and their count. Each
     * value is a type tag and its canonical text: {@link Instant} as epoch seconds and nanoseconds, {@link LocalDate}
     * ISO, numbers in decimal ({@code Integer} and {@code Long} alike), booleans as 0/1, doubles by
     * {@link Double#toString}, {@code byte[]} and text as their bytes, each length-prefixed; SQL NULL has its own tag.
     */
    public static final class RowDigest {
        private final MessageDigest sha;
        private long rows;

        public RowDigest() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        public void add(Object[] row) {
            sha.update(ByteBuffer.allocate(4).putInt(row.length).array());
            for (Object v : row) {
                byte tag = tag(v);
                byte[] bytes = v instanceof byte[] b ? b : render(v).getBytes(StandardCharsets.UTF_8);
                sha.update(tag);
                sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
                sha.update(bytes);
            }
            rows++;
        }

        public long rows() {
            return rows;
        }

        /** The hex SHA-256 (call once, after the last row). */
        public String hex() {
            return HexFormat.of().formatHex(sha.digest());
        }

        private static byte tag(Object v) {
            if (v == null) return 'N';
            if (v instanceof String) return 'S';
            if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) return 'I';
            if (v instanceof Boolean) return 'B';
            if (v instanceof Instant) return 'T';
            if (v instanceof LocalDate) return 'D';
            if (v instanceof Double || v instanceof Float) return 'F';
            if (v instanceof BigDecimal) return 'M';
            if (v instanceof byte[]) return 'X';
            return 'O';
        }

        /** The canonical text of one value (not used for {@code byte[]} in the digest, which hashes the bytes). */
        static String render(Object v) {
            if (v == null) return "";
            if (v instanceof Boolean b) return b ? "1" : "0";
            if (v instanceof Instant t) return t.getEpochSecond() + "." + t.getNano();
            if (v instanceof Double || v instanceof Float) return Double.toString(((Number) v).doubleValue());
            if (v instanceof BigDecimal d) return d.stripTrailingZeros().toPlainString();
            if (v instanceof byte[] b) return HexFormat.of().formatHex(b);
            return v.toString();
        }
    }
}
