package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.DialupDatabase;
import dev.dialup.deploy.db.SchemaStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a database file without changing it (read-only connection): {@code integrity_check},
 * {@code foreign_key_check}, and where its schema stands against this library.
 */
public final class Verifier {
    private static final int MAX_INTEGRITY_LINES = 20;

    public enum SchemaState {
        /** At the newest version this library knows. */
        CURRENT,
        /** Older: migrations are pending and apply on the next open or {@code migrate} (not a problem). */
        PENDING,
        /** A legacy Bun database, adopted on the next open (not a problem). */
        LEGACY,
        /** No tables yet. */
        EMPTY,
        /** Newer than this library: a problem, this library must not write to it. */
        NEWER,
        /** Tables this library does not recognise and no migration history: a problem. */
        UNRECOGNISED
    }

    /**
     * @param integrity            {@code ["ok"]} or the problems {@code integrity_check} reported
     * @param foreignKeyViolations one entry per row whose parent is missing
     * @param problems             everything that makes the check fail; empty means ok
     */
    public record Report(Path database, List<String> integrity, List<String> foreignKeyViolations, SchemaState schemaState,
                         String schemaVersion, String latestVersion, List<String> pendingMigrations, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private Verifier() {}

    public static Report verify(Path dbFile) {
        Path file = dbFile.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new DialupDataException("No database at " + file);
        }
        List<String> problems = new ArrayList<>();
        try {
            if (!SqliteOnly.isNew(file) && !SqliteOnly.hasSqliteHeader(file)) {
                problems.add("not an SQLite database (bad file header)");
                return new Report(file, List.of(), List.of(), SchemaState.UNRECOGNISED, null, null, List.of(), problems);
            }
        } catch (IOException e) {
            throw new DialupDataException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        List<String> integrity;
        List<String> fk;
        SchemaVersions.FileSchema schema;
        try (Connection c = SqliteOnly.dataSource(file, SqliteOnly.readerConfig(Duration.ofSeconds(10))).getConnection()) {
            integrity = SqliteOnly.integrityCheck(c, MAX_INTEGRITY_LINES);
            fk = SqliteOnly.foreignKeyCheck(c);
            schema = SchemaVersions.of(c);
        } catch (SQLException e) {
            problems.add("not a readable SQLite database: " + e.getMessage());
            return new Report(file, List.of(), List.of(), SchemaState.UNRECOGNISED, null, null, List.of(), problems);
        }
        if (!integrity.equals(List.of("ok"))) {
            problems.add("integrity_check: " + String.join("; ", integrity));
        }
        if (!fk.isEmpty()) {
            problems.add("foreign_key_check: " + fk.size() + " row(s) reference missing parents, e.g. " + fk.get(0));
        }
        SchemaStatus status = DialupDatabase.statusOf(file);
        SchemaState state = switch (schema.shape()) {
            case EMPTY -> SchemaState.EMPTY;
            case LEGACY -> SchemaState.LEGACY;
            case UNRECOGNISED -> SchemaState.UNRECOGNISED;
            case MANAGED -> SchemaVersions.isNewer(schema.version(), status.latestVersion()) ? SchemaState.NEWER
                    : status.upToDate() ? SchemaState.CURRENT : SchemaState.PENDING;
        };
        if (state == SchemaState.NEWER) {
            problems.add("schema version " + schema.version() + " is newer than this library (knows up to "
                    + status.latestVersion() + ")");
        } else if (state == SchemaState.UNRECOGNISED) {
            problems.add("tables this library does not recognise and no migration history");
        }
        List<String> pending = state == SchemaState.NEWER ? List.of() : status.pending();
        return new Report(file, integrity, fk, state, schema.version(), status.latestVersion(), pending, problems);
    }
}
