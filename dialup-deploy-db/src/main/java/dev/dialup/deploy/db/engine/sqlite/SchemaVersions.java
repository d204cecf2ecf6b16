package dev.dialup.deploy.db.engine.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.flywaydb.core.api.MigrationVersion;

/** Reads which schema a database file is at, straight from the file (works on backups too). */
public final class SchemaVersions {
    /** The version a never-migrated legacy Bun database corresponds to. */
    public static final String LEGACY = "1";

    public enum Shape { EMPTY, LEGACY, MANAGED, UNRECOGNISED }

    public record FileSchema(Shape shape, String version) {}

    private SchemaVersions() {}

    public static FileSchema of(Connection c) throws SQLException {
        List<String> applied = SqliteOnly.appliedMigrationVersions(c);
        if (!applied.isEmpty()) {
            return new FileSchema(Shape.MANAGED, highest(applied));
        }
        List<String> tables = SqliteOnly.tableNames(c);
        if (tables.isEmpty()) {
            return new FileSchema(Shape.EMPTY, null);
        }
        if (tables.equals(List.of("processes"))) {
            return new FileSchema(Shape.LEGACY, LEGACY);
        }
        return new FileSchema(Shape.UNRECOGNISED, null);
    }

    public static String highest(List<String> versions) {
        return versions.stream().map(MigrationVersion::fromVersion).max(MigrationVersion::compareTo)
                .map(MigrationVersion::getVersion).orElse(null);
    }

    /** True when {@code version} is above {@code latestKnown}. */
    public static boolean isNewer(String version, String latestKnown) {
        return version != null && latestKnown != null
                && MigrationVersion.fromVersion(version).compareTo(MigrationVersion.fromVersion(latestKnown)) > 0;
    }
}
