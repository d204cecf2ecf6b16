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
    /** Configuration data key: the engine, bound to its database, whose pools a context runs on. */
    private static final String ENGINE = "dev.dialup.deploy.db.engine";

    private JooqConfig() {}

    /**
     * A context of {@code engine}'s dialect over {@code connections}, which remembers {@code engine}
     * ({@link #engineOf}): questions about a failure (which unique key?) go to the engine bound to the
     * database that raised it.
     */
    public static DSLContext dsl(ConnectionProvider connections, DatabaseEngine engine) {
        DSLContext dsl = dsl(connections, engine.dialect());
        dsl.configuration().data(ENGINE, engine);
        return dsl;
    }

    /** The engine {@link #dsl(ConnectionProvider, DatabaseEngine)} remembered, or null. */
    public static DatabaseEngine engineOf(DSLContext dsl) {
        return dsl.configuration().data(ENGINE) instanceof DatabaseEngine engine ? engine : null;
    }

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
