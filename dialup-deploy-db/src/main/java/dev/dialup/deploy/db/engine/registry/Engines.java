package dev.dialup.deploy.db.engine.registry;

import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.sqlite.SqliteEngine;
import java.util.List;
import org.jooq.SQLDialect;

/**
 * The engines this library knows. A database file is an SQLite database ({@link #files()});
 * a second engine is added to {@link #all()}.
 */
public final class Engines {
    private static final DatabaseEngine SQLITE = new SqliteEngine();
    private static final List<DatabaseEngine> ALL = List.of(SQLITE);

    private Engines() {}

    /** The engine of database files (backups, restores and verify work on files). */
    public static DatabaseEngine files() {
        return SQLITE;
    }

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
