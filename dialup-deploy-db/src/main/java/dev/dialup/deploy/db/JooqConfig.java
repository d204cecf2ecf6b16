package dev.dialup.deploy.db;

import org.jooq.Configuration;
import org.jooq.ConnectionProvider;
import org.jooq.SQLDialect;
import org.jooq.conf.ExecuteWithoutWhere;
import org.jooq.conf.Settings;
import org.jooq.impl.DefaultConfiguration;

/** The jOOQ configuration of every {@link DialupDatabase} context (and of the {@link StartupWarmup}). */
final class JooqConfig {
    private JooqConfig() {}

    static Configuration configuration(ConnectionProvider connections) {
        Settings settings = new Settings()
                .withExecuteUpdateWithoutWhere(ExecuteWithoutWhere.THROW)
                .withExecuteDeleteWithoutWhere(ExecuteWithoutWhere.THROW)
                .withRenderFormatted(false);
        return new DefaultConfiguration()
                .set(SQLDialect.SQLITE)
                .set(connections)
                .set(settings);
    }
}
