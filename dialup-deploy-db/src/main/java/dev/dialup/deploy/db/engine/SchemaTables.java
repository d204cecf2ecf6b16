package dev.dialup.deploy.db.engine;

import dev.dialup.deploy.db.generated.DefaultSchema;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Table;

/** The library's tables as jOOQ knows them (the generated schema), for checks that span all of them. */
public final class SchemaTables {
    private SchemaTables() {}

    /** Row count of every table of the schema, in schema order. */
    public static Map<String, Long> rowCounts(DSLContext dsl) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Table<?> table : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
            counts.put(table.getName(), (long) dsl.fetchCount(table));
        }
        return counts;
    }
}
