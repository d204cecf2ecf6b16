package dev.dialup.deploy.db.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import javax.sql.DataSource;
import org.jooq.ConnectionProvider;
import org.jooq.exception.DataAccessException;

/**
 * The {@link ConnectionProvider} of the core's jOOQ contexts: connections from a pool, with
 * {@link Connection#getTransactionIsolation()} answered from memory after the first call on each physical
 * connection.
 *
 * <p>Why: jOOQ 3.21's {@code DefaultTransactionProvider} asks every connection for its isolation level when a
 * transaction begins (to restore it afterwards if the transaction had changed it — ours never do: the level is
 * set per transaction with {@code SET TRANSACTION}), and pgjdbc answers that with a
 * {@code SHOW TRANSACTION ISOLATION LEVEL} round trip each time: one extra round trip per transaction on
 * PostgreSQL, 1,000s per second under load (jOOQ issue #20135; pgjdbc does not cache it, pgjdbc PR #987).
 * The session's level only changes through {@link Connection#setTransactionIsolation}, which the wrapper
 * remembers. Everything else goes to the pool's connection unchanged (including {@code unwrap}).
 */
final class PooledConnections implements ConnectionProvider {
    /** Session isolation level per physical connection; entries go when the pool drops the connection. */
    private static final Map<Connection, Integer> ISOLATION = Collections.synchronizedMap(new WeakHashMap<>());

    private final DataSource pool;

    PooledConnections(DataSource pool) {
        this.pool = pool;
    }

    @Override
    public Connection acquire() {
        try {
            Connection pooled = pool.getConnection();
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler(pooled));
        } catch (SQLException e) {
            throw new DataAccessException("Error getting connection from data source " + pool, e);
        }
    }

    @Override
    public void release(Connection connection) {
        try {
            connection.close(); // back to the pool
        } catch (SQLException e) {
            throw new DataAccessException("Error closing connection " + connection, e);
        }
    }

    private static InvocationHandler handler(Connection pooled) {
        boolean[] levelSet = {false};
        return (proxy, method, args) -> {
            switch (method.getName()) {
                case "getTransactionIsolation" -> {
                    Connection physical = pooled.unwrap(Connection.class);
                    Integer known = ISOLATION.get(physical);
                    if (known != null) return known;
                    int level = pooled.getTransactionIsolation();
                    ISOLATION.put(physical, level);
                    return level;
                }
                case "setTransactionIsolation" -> {
                    levelSet[0] = true;
                    ISOLATION.remove(pooled.unwrap(Connection.class)); // asked again next time
                }
                case "close" -> {
                    // The pool puts a changed level back on return: ask again after that, too.
                    if (levelSet[0] && !pooled.isClosed()) ISOLATION.remove(pooled.unwrap(Connection.class));
                }
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "toString" -> {
                    return "pooled connection " + pooled;
                }
                default -> {}
            }
            try {
                return method.invoke(pooled, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
    }
}
