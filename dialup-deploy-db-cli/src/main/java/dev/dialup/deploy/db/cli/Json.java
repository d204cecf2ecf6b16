package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.generated.DefaultSchema;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.tools.json.JSONValue;

/**
 * JSON output for {@code --json}: one object per command on stdout, errors included. Numbers are
 * JSON numbers (schema versions too), and row counts list the same tables in the same order in
 * every command (see {@link #rowCounts}).
 */
final class Json {
    /** Flyway's bookkeeping table: not platform data, never in row counts. */
    private static final String HISTORY_TABLE = "flyway_schema_history";

    private Json() {}

    static String of(Map<String, ?> object) {
        return JSONValue.toJSONString(object);
    }

    /** A schema version as a JSON number ({@code "30"} becomes {@code 30}); a dotted version stays a string; null stays null. */
    static Object version(String version) {
        if (version == null) {
            return null;
        }
        if (version.matches("\\d{1,18}")) {
            return Long.parseLong(version);
        }
        return version;
    }

    /**
     * Row counts as every command prints them: one entry per table, sorted by table name, without
     * Flyway's history table and without views. The same file gives the same list from {@code migrate}, {@code info},
     * {@code backup}, {@code restore} and {@code demo}.
     */
    static Map<String, Long> rowCounts(Map<String, Long> counts) {
        Map<String, Long> sorted = new TreeMap<>(counts);
        sorted.remove(HISTORY_TABLE);
        // Views (site_resource_usage) are not tables: a backup's manifest does not list them either.
        sorted.keySet().removeIf(name -> {
            org.jooq.Table<?> t = DefaultSchema.DEFAULT_SCHEMA.getTable(name);
            return t != null && t.getTableType() != org.jooq.TableOptions.TableType.TABLE;
        });
        return new LinkedHashMap<>(sorted);
    }

    /** The object printed on stdout when a {@code --json} command fails: {@code {"error": {...}}}. */
    static String error(String type, String reason, String message, int exitCode) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", type);
        error.put("reason", reason);
        error.put("message", message);
        error.put("exitCode", exitCode);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("ok", false);
        json.put("error", error);
        return of(json);
    }
}
