package dev.dialup.deploy.db.usage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * SQL rendered once (by jOOQ, in the database's dialect) and prepared once per physical writer
 * connection, by name: the ingest and move hot paths run plain JDBC over these instead of
 * rendering and compiling their statements on every call (compiling an INSERT with its triggers
 * costs more than running it for one row). The pool's proxy would close statements when the
 * connection goes back to the pool, so they are prepared on the physical connection. Each physical
 * connection has its own set (SQLite has one writer connection, PostgreSQL a pool of them, each used
 * by one thread at a time); a set is dropped once its connection is closed (the pool retired it).
 */
final class WriterStatements<K extends Enum<K>> {
    private final Class<K> keys;
    private final Map<K, String> sql;
    private final Map<Connection, EnumMap<K, PreparedStatement>> prepared = new HashMap<>();
    private int times;

    WriterStatements(Class<K> keys, Map<K, String> sql) {
        this.keys = keys;
        this.sql = new EnumMap<>(sql);
        if (this.sql.size() != keys.getEnumConstants().length)
            throw new IllegalArgumentException("SQL missing for a statement of " + keys);
    }

    /** The statements on {@code c}'s physical connection, prepared now if it is a new one. */
    synchronized Map<K, PreparedStatement> on(Connection c) throws SQLException {
        Connection physical = c.unwrap(Connection.class);
        EnumMap<K, PreparedStatement> ps = prepared.get(physical);
        if (ps == null || physical.isClosed()) {
            prepared.values().removeIf(WriterStatements::closed);
            ps = new EnumMap<>(keys);
            for (Map.Entry<K, String> e : sql.entrySet()) ps.put(e.getKey(), physical.prepareStatement(e.getValue()));
            prepared.put(physical, ps);
            times++;
        }
        return ps;
    }

    /** How many times the statements were prepared (once per physical connection); tests read it. */
    synchronized int timesPrepared() {
        return times;
    }

    private static boolean closed(EnumMap<?, PreparedStatement> statements) {
        try {
            return statements.values().iterator().next().isClosed();
        } catch (SQLException e) {
            return true;
        }
    }
}
