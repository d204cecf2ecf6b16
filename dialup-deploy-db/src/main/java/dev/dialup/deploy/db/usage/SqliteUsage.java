package dev.dialup.deploy.db.usage;

import java.sql.SQLException;
import org.jooq.Record;
import org.jooq.Table;

/**
 * Everything in the usage package that is specific to SQLite, in one place for the engine seam
 * (issue 11): the rest of the package renders its SQL with the database's configured dialect and
 * runs it through jOOQ or plain JDBC. The storage design itself (time-keyed
 * {@code WITHOUT ROWID} recent table, site-clustered history, triggers keeping
 * {@code usage_latest} and {@code usage_day_totals}) is SQLite's too, but it lives in the
 * migrations (V20, V60; docs/schema.md).
 */
final class SqliteUsage {
    /** SQLite's extended result code for a foreign-key violation ({@code SQLITE_CONSTRAINT_FOREIGNKEY}). */
    private static final int CONSTRAINT_FOREIGNKEY = 787;

    private SqliteUsage() {}

    /**
     * Whether a failed batch insert broke a foreign key (a sample of a missing site). SQLite
     * reports it only with its result code and message, not with an SQL state; another engine
     * uses SQL state {@code 23503}.
     */
    static boolean isForeignKeyViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && (sql.getErrorCode() == CONSTRAINT_FOREIGNKEY || "23503".equals(sql.getSQLState())
                    || (sql.getMessage() != null && sql.getMessage().contains("FOREIGN KEY")))) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code outer CROSS JOIN inner}, joined by the caller's WHERE: SQLite never reorders a
     * CROSS JOIN, so {@code outer} (sites or limits, ~1,000 rows) stays the outer loop and each of
     * its rows is one range seek into {@code inner}'s {@code (site_id, ts)} key — instead of the
     * planner's occasional choice to scan the sample table. Other engines treat it as an inner
     * join and plan it themselves.
     */
    static Table<Record> seekPerSite(Table<?> outer, Table<?> inner) {
        return outer.crossJoin(inner);
    }
}
