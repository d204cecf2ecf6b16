package dev.dialup.deploy.db;

import java.sql.SQLException;

/** A function over a JDBC resource that may throw {@link SQLException}. */
@FunctionalInterface
public interface SqlFunction<C, T> {
    T apply(C connection) throws SQLException;
}
