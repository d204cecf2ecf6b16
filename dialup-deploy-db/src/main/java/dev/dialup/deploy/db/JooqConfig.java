package dev.dialup.deploy.db;

import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.ExecuteWithoutWhere;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;

/**
 * The jOOQ context of every {@link DialupDatabase} pool (and of the {@link StartupWarmup}). Returns a
 * {@code DSLContext}, not jOOQ's {@code Configuration}: javadoc cannot read the latter's annotations.
 */
final class JooqConfig {
    private JooqConfig() {}

    static DSLContext dsl(ConnectionProvider connections) {
        Settings settings = new Settings()
                .withExecuteUpdateWithoutWhere(ExecuteWithoutWhere.THROW)
                .withExecuteDeleteWithoutWhere(ExecuteWithoutWhere.THROW)
                .withRenderFormatted(false);
        return DSL.using(new DefaultConfiguration()
                .set(SQLDialect.SQLITE)
                .set(connections)
                .set(settings));
    }
}
