package dev.dialup.deploy.db.engine.registry;

import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.postgresql.PostgresEngine;
import dev.dialup.deploy.db.engine.postgresql.PostgresLocation;
import dev.dialup.deploy.db.engine.sqlite.SqliteEngine;
import java.util.List;
import org.jooq.SQLDialect;

/**
 * The engines this library knows. A database file is an SQLite database ({@link #files()}); a
 * {@code jdbc:postgresql:} URL is a PostgreSQL database ({@link #forLocation}).
 */
public final class Engines {
    private static final DatabaseEngine SQLITE = new SqliteEngine();
    private static final DatabaseEngine POSTGRES = new PostgresEngine();
    private static final List<DatabaseEngine> ALL = List.of(SQLITE, POSTGRES);

    private Engines() {}

    /** The engine of database files (backups, restores and verify work on files). */
    public static DatabaseEngine files() {
        return SQLITE;
    }

    /**
     * The engine of a database location: a {@code jdbc:postgresql:} URL gives a PostgreSQL engine
     * bound to it; anything else is an SQLite file (the file engine).
     */
    public static DatabaseEngine forLocation(String location) {
        return PostgresLocation.isPostgresUrl(location) ? new PostgresEngine(PostgresLocation.parse(location)) : SQLITE;
    }

    /** Every engine, unbound (dialect-level questions: SQL rendering, error classification). */
    public static List<DatabaseEngine> all() {
        return ALL;
    }

    /** The engine whose dialect family is {@code dialect}'s. */
    public static DatabaseEngine forDialect(SQLDialect dialect) {
        for (DatabaseEngine e : ALL) {
            if (e.dialect().family() == dialect.family()) {
                return e;
            }
        }
        throw new IllegalArgumentException("No engine for dialect " + dialect);
    }
}
