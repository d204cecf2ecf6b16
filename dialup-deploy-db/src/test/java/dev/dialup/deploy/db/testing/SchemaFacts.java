package dev.dialup.deploy.db.testing;

import dev.dialup.deploy.db.engine.jooq.EpochMillisBinding;
import dev.dialup.deploy.db.generated.DefaultSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.ForeignKey;
import org.jooq.Index;
import org.jooq.Meta;
import org.jooq.SQLDialect;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.UniqueKey;
import org.jooq.impl.DSL;

/**
 * The logical schema of a migrated database as a sorted set of one-line facts, read through jOOQ's
 * {@link Meta} ({@code DSL.using(conn).meta()}), so that a SQLite and a PostgreSQL database can be compared
 * line by line ({@link #drift}). docs/schema.md ("PostgreSQL", "Drift test") lists what is compared:
 *
 * <ul>
 *   <li>{@code table T (TABLE|VIEW)}</li>
 *   <li>{@code column T.c #n LOGICALTYPE null|not null [identity]}: the position, the engine type mapped to a
 *       logical type ({@link #sqliteType}, {@link #postgresType}); a primary-key column is never null (SQLite
 *       reports a non-INTEGER primary key as nullable, a historical quirk that the library never relies on)</li>
 *   <li>{@code primary key T (a, b)}, {@code unique T (a, b)} (names differ by engine and are not compared)</li>
 *   <li>{@code foreign key T (a) -> U (b) on delete RULE}</li>
 *   <li>{@code index T.name [unique] (a, lower(b)) [partial]}: explicitly created indexes; a SQLite
 *       {@code COLLATE NOCASE} key is the same fact as a PostgreSQL {@code lower(...)} key; whether an index is
 *       partial comes from {@code PRAGMA index_list} on SQLite (Meta does not expose it there)</li>
 * </ul>
 * Not compared (Meta does not expose them on both engines): CHECK constraints, defaults, partial-index
 * predicates, triggers (compared by name in the drift test itself).
 */
public final class SchemaFacts {
    /** Flyway's history table and SQLite's internal tables are not part of the schema. */
    private static final Set<String> IGNORED_TABLES =
            Set.of("flyway_schema_history", "sqlite_sequence", "sqlite_stat1", "sqlite_stat4");

    private SchemaFacts() {}

    /** The facts of the database behind {@code c} (SQLite or PostgreSQL, schema {@code public}). */
    public static SortedSet<String> of(Connection c) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        boolean sqlite = product.contains("sqlite");
        DSLContext ctx = DSL.using(c, sqlite ? SQLDialect.SQLITE : SQLDialect.POSTGRES);
        Meta meta =
                sqlite ? ctx.meta() : ctx.meta().filterSchemas(s -> s.getName().equals("public"));
        SortedSet<String> facts = new TreeSet<>();
        for (Table<?> t : meta.getTables()) {
            String table = t.getName();
            if (IGNORED_TABLES.contains(table)) continue;
            facts.add("table " + table + " (" + t.getTableType() + ")");
            Set<String> pk = new TreeSet<>();
            if (t.getPrimaryKey() != null) {
                pk.addAll(names(t.getPrimaryKey().getFields()));
                facts.add("primary key " + table + " ("
                        + String.join(", ", names(t.getPrimaryKey().getFields())) + ")");
            }
            int position = 0;
            for (Field<?> f : t.fields()) {
                position++;
                DataType<?> d = f.getDataType();
                String type = sqlite ? sqliteType(table, f.getName(), d) : postgresType(d);
                boolean nullable = d.nullable() && !pk.contains(f.getName());
                facts.add("column " + table + "." + f.getName() + " #" + position + " " + type
                        + (nullable ? " null" : " not null") + (d.identity() ? " identity" : ""));
            }
            for (UniqueKey<?> k : t.getUniqueKeys()) {
                facts.add("unique " + table + " (" + String.join(", ", names(k.getFields())) + ")");
            }
            if (sqlite) {
                facts.addAll(sqliteForeignKeys(c, table));
            } else
                for (ForeignKey<?, ?> k : t.getReferences()) {
                    facts.add("foreign key " + table + " (" + String.join(", ", names(k.getFields())) + ") -> "
                            + k.getKey().getTable().getName() + " (" + String.join(", ", names(k.getKeyFields())) + ")"
                            + " on delete " + k.getDeleteRule());
                }
            for (Index i : t.getIndexes()) {
                facts.add(index(c, sqlite, table, i));
            }
        }
        return facts;
    }

    /**
     * The differences between two fact sets, one line each ({@code "only in <a>: fact"}); empty when they agree.
     */
    public static List<String> drift(String aName, SortedSet<String> a, String bName, SortedSet<String> b) {
        List<String> out = new ArrayList<>();
        for (String f : a) if (!b.contains(f)) out.add("only in " + aName + ": " + f);
        for (String f : b) if (!a.contains(f)) out.add("only in " + bName + ": " + f);
        return out;
    }

    /** Logical type of a PostgreSQL column (docs/schema.md, "PostgreSQL type mapping"). */
    static String postgresType(DataType<?> d) {
        String name = d.getTypeName().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "smallint", "int2" -> "int16";
            case "integer", "int", "int4" -> "int32";
            case "bigint", "int8" -> "int64";
            case "clob", "text", "varchar", "character varying", "char", "character", "bpchar" -> "text";
            case "boolean", "bool" -> "boolean";
            case "timestamp with time zone", "timestamptz" -> "timestamp";
            case "timestamp", "timestamp without time zone" -> "local-timestamp";
            case "date" -> "date";
            case "float", "double", "double precision", "float8" -> "double";
            case "real", "float4" -> "float32";
            case "blob", "bytea", "binary", "varbinary" -> "bytes";
            default -> "other:" + name;
        };
    }

    /**
     * Logical type of a SQLite column. SQLite's declared types say too little: an INTEGER is 32 or 64 bits and an
     * expression column of a view has no type. Both are decided by the generated jOOQ class (what the repositories
     * read and write), so PostgreSQL is held to the width the generated code expects.
     */
    static String sqliteType(String table, String column, DataType<?> d) {
        Field<?> generated = generatedField(table, column);
        String name = d.getTypeName().toLowerCase(Locale.ROOT);
        if (name.isEmpty()
                || name.equals("other")
                || name.equals("integer")
                || name.equals("int")
                || name.equals("bigint")) {
            if (generated != null) return generatedType(generated);
            return name.isEmpty() || name.equals("other") ? "other:untyped" : "int64";
        }
        return switch (name) {
            case "clob", "text", "varchar" -> "text";
            case "boolean" -> "boolean";
            case "timestamp", "datetime" -> "timestamp";
            case "date" -> "date";
            case "real", "double", "float" -> "double";
            case "blob" -> "bytes";
            default -> "other:" + name;
        };
    }

    /** The logical type the generated code expects of a column (its Java type, or its binding). */
    static String generatedType(Field<?> f) {
        if (f.getBinding() instanceof EpochMillisBinding) return "int64";
        Class<?> type = f.getType();
        if (type == Long.class) return "int64";
        if (type == Integer.class) return "int32";
        if (type == Short.class) return "int16";
        if (type == String.class) return "text";
        if (type == Boolean.class) return "boolean";
        if (type == Instant.class) return "timestamp";
        if (type == LocalDate.class) return "date";
        if (type == Double.class) return "double";
        if (type == byte[].class) return "bytes";
        return "other:" + type.getSimpleName();
    }

    /** The generated field of {@code table.column}, or null when the generated code has none. */
    public static Field<?> generatedField(String table, String column) {
        Table<?> t = DefaultSchema.DEFAULT_SCHEMA.getTable(table);
        return t == null ? null : t.field(column);
    }

    /**
     * SQLite foreign keys from {@code PRAGMA foreign_key_list}: jOOQ's SQLite Meta merges two unnamed foreign keys
     * of one table to the same parent table into one composite key (organization_invitations' inviter_id and
     * responder_id), so they are read by their pragma id here.
     */
    private static List<String> sqliteForeignKeys(Connection c, String table) throws SQLException {
        java.util.Map<Integer, List<String[]>> byId = new java.util.TreeMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('" + table
                                + "') ORDER BY id, seq")) {
            while (rs.next()) {
                byId.computeIfAbsent(rs.getInt(1), k -> new ArrayList<>())
                        .add(new String[] {rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)});
            }
        }
        List<String> out = new ArrayList<>();
        for (List<String[]> cols : byId.values()) {
            String rule = cols.get(0)[3].toUpperCase(Locale.ROOT).replace(' ', '_');
            out.add("foreign key " + table + " (" + cols.stream().map(x -> x[1]).collect(Collectors.joining(", "))
                    + ") -> "
                    + cols.get(0)[0] + " (" + cols.stream().map(x -> x[2]).collect(Collectors.joining(", ")) + ")"
                    + " on delete " + rule);
        }
        return out;
    }

    private static String index(Connection c, boolean sqlite, String table, Index i) throws SQLException {
        List<String> keys = new ArrayList<>();
        boolean partial;
        if (sqlite) {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT name, coll FROM pragma_index_xinfo('" + i.getName()
                            + "') WHERE key = 1 ORDER BY seqno")) {
                while (rs.next()) {
                    String col = rs.getString(1);
                    keys.add("NOCASE".equalsIgnoreCase(rs.getString(2)) ? "lower(" + col + ")" : col);
                }
            }
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT partial FROM pragma_index_list('" + table
                            + "') WHERE name = '" + i.getName() + "'")) {
                partial = rs.next() && rs.getInt(1) == 1;
            }
        } else {
            for (SortField<?> f : i.getFields()) {
                keys.add(f.getName().replace("\"", "").replace(" ", ""));
            }
            partial = i.getWhere() != null;
        }
        return "index " + table + "." + i.getName() + (i.getUnique() ? " unique" : "") + " (" + String.join(", ", keys)
                + ")" + (partial ? " partial" : "");
    }

    private static List<String> names(List<? extends Field<?>> fields) {
        return fields.stream().map(Field::getName).collect(Collectors.toList());
    }
}
