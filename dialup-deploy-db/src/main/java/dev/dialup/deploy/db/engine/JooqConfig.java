package dev.dialup.deploy.db.engine;

import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.ExecuteWithoutWhere;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;

/**
 * The jOOQ context of every {@code DialupDatabase} pool (and of the {@link StartupWarmup}). Returns a
 * {@code DSLContext}, not jOOQ's {@code Configuration}: javadoc cannot read the latter's annotations.
 */
public final class JooqConfig {
    private JooqConfig() {}

    /** A context in {@code dialect} (the engine's) over {@code connections}, with the library's settings. */
    public static DSLContext dsl(ConnectionProvider connections, SQLDialect dialect) {
        Settings settings = new Settings()
                .withExecuteUpdateWithoutWhere(ExecuteWithoutWhere.THROW)
                .withExecuteDeleteWithoutWhere(ExecuteWithoutWhere.THROW)
                .withRenderFormatted(false);
        return DSL.using(
                new DefaultConfiguration().set(dialect).set(connections).set(settings));
    }
}
