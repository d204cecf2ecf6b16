package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.SchemaStatus;
import dev.dialup.deploy.db.StorageException;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FileOps;
import dev.dialup.deploy.db.engine.FileShape;
import dev.dialup.deploy.db.engine.PrivateFiles;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.migration.Migrator;
import java.io.IOException;
import java.nio.file.DirectoryStream;
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
    /** verify checks database files. */
    private static final DatabaseEngine ENGINE = Engines.files();

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
        UNRECOGNISED,
        /** Not an SQLite database at all (bad header, or unreadable as one): a problem. */
        NOT_SQLITE
    }

    /**
     * @param database             the file checked, or null for a PostgreSQL database
     * @param location             where the database is, safe to print: the file, or the server URL without credentials
     * @param integrity            {@code ["ok"]} or the problems {@code integrity_check} reported; empty when
     *                             the checks did not run (see {@link #contentChecked()})
     * @param foreignKeyViolations one entry per row whose parent is missing (meaningless unless {@link #contentChecked()})
     * @param problems             everything that makes the check fail; empty means ok
     * @param warnings             worth an operator's attention but not a failure: file modes looser than
     *                             {@code 0600}, processes rows linked to no site
     */
    public record Report(
            /* The file checked, or null for a PostgreSQL database (see location). */
            Path database,
            /* Where the database is, safe to print: the file, or the server URL without credentials. */
            String location,
            List<String> integrity,
            List<String> foreignKeyViolations,
            SchemaState schemaState,
            String schemaVersion,
            String latestVersion,
            List<String> pendingMigrations,
            List<String> problems,
            List<String> warnings) {
        public boolean ok() {
            return problems.isEmpty();
        }

        /** Whether {@code integrity_check} and {@code foreign_key_check} ran (false for a file that is not SQLite). */
        public boolean contentChecked() {
            return !integrity.isEmpty();
        }

        /** The file is one this library refuses to touch: not SQLite, a newer schema, or unrecognised tables. */
        public boolean refused() {
            return schemaState == SchemaState.NOT_SQLITE
                    || schemaState == SchemaState.NEWER
                    || schemaState == SchemaState.UNRECOGNISED;
        }
    }

    private Verifier() {}

    /**
     * @throws StorageException (NOT_READABLE / NOT_WRITABLE) when this process lacks a permission
     *                          the check needs, naming the path and the permission
     */
    public static Report verify(Path dbFile) {
        Path file = dbFile.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            ENGINE.permissionProblem(file, false).ifPresent(e -> {
                throw e;
            });
            throw new DialupDataException("No database at " + file);
        }
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        modeWarnings(file, warnings);
        try {
            if (Files.size(file) > 0 && !ENGINE.looksLikeDatabase(file)) {
                problems.add("not an SQLite database (bad file header)");
                return notSqlite(file, problems, warnings);
            }
        } catch (IOException e) {
            ENGINE.permissionProblem(file, false).ifPresent(p -> {
                throw p;
            });
            throw new DialupDataException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return checkContent(ENGINE, file, file.toString(), () -> DialupDatabase.statusOf(file), problems, warnings);
        } catch (SQLException e) {
            ENGINE.permissionProblem(file, false).ifPresent(p -> {
                throw p;
            });
            problems.add("not a readable SQLite database: " + e.getMessage());
            return notSqlite(file, problems, warnings);
        }
    }

    /** The report on a file that is not a readable SQLite database: nothing else was checked. */
    private static Report notSqlite(Path file, List<String> problems, List<String> warnings) {
        return new Report(
                file,
                file.toString(),
                List.of(),
                List.of(),
                SchemaState.NOT_SQLITE,
                null,
                null,
                List.of(),
                problems,
                warnings);
    }

    /**
     * Checks a database file or, for a {@code jdbc:postgresql:} URL, a PostgreSQL database: its
     * constraints and indexes are valid, no row misses its parent, and where its schema stands.
     * Nothing is changed (read-only connection).
     *
     * @throws StorageException when a file permission is missing, or the server cannot be reached
     */
    public static Report verify(String location) {
        DatabaseEngine engine = Engines.forLocation(location);
        if (engine == ENGINE) {
            return verify(Path.of(location));
        }
        String where = engine.describe(null);
        try {
            return checkContent(
                    engine, null, where, () -> DialupDatabase.statusOf(location), new ArrayList<>(), new ArrayList<>());
        } catch (SQLException e) {
            throw engine.translateStorageFailure(
                    null, new DialupDataException("Cannot verify " + where + ": " + e.getMessage(), e));
        }
    }

    private static Report checkContent(
            DatabaseEngine engine,
            Path file,
            String where,
            java.util.function.Supplier<SchemaStatus> schemaStatus,
            List<String> problems,
            List<String> warnings)
            throws SQLException {
        List<String> integrity;
        List<String> fk;
        FileShape schema;
        long unlinkedProcesses;
        try (Connection c =
                engine.readerDataSource(file, Duration.ofSeconds(10)).getConnection()) {
            // Row-level security (PostgreSQL): the checks read every row as the system capability.
            boolean claimed = engine.claimSystemIdentity(c);
            try {
                integrity = engine.integrityCheck(c, MAX_INTEGRITY_LINES);
                fk = engine.foreignKeyViolations(c);
                schema = engine.classify(c);
                unlinkedProcesses = schema.kind() == FileShape.Kind.MANAGED ? engine.processesWithoutSite(c) : 0;
            } finally {
                if (claimed) {
                    c.rollback();
                }
            }
        }
        // Read after the content checks: a file this process cannot open fails there, naming the permission.
        SchemaStatus status = schemaStatus.get();
        if (unlinkedProcesses > 0) {
            warnings.add(unlinkedProcesses + " row(s) in processes name a site that does not exist (site_id is NULL):"
                    + " rows written by the legacy process tracker for an unknown site");
        }
        if (!integrity.equals(List.of("ok"))) {
            problems.add("integrity_check: " + String.join("; ", integrity));
        }
        if (!fk.isEmpty()) {
            problems.add("foreign_key_check: " + fk.size() + " row(s) reference missing parents, e.g. " + fk.get(0));
        }
        // The verdict on the file's one classification (FileShape), against this library's migrations.
        SchemaState state = switch (schema.kind()) {
            case NEW -> SchemaState.EMPTY;
            case FOREIGN -> SchemaState.NOT_SQLITE;
            case LEGACY -> SchemaState.LEGACY;
            case UNRECOGNISED -> SchemaState.UNRECOGNISED;
            case MANAGED ->
                Migrator.isNewer(schema.version(), status.latestVersion())
                        ? SchemaState.NEWER
                        : status.upToDate() ? SchemaState.CURRENT : SchemaState.PENDING;
        };
        if (state == SchemaState.NEWER) {
            problems.add("schema version " + schema.version() + " is newer than this library (knows up to "
                    + status.latestVersion() + ")");
        } else if (state == SchemaState.UNRECOGNISED) {
            problems.add("tables this library does not recognise and no migration history");
        }
        List<String> pending = state == SchemaState.NEWER ? List.of() : status.pending();
        return new Report(
                file,
                where,
                integrity,
                fk,
                state,
                schema.version(),
                status.latestVersion(),
                pending,
                problems,
                warnings);
    }

    /** The database, its sidecars and the backups beside it should be {@code 0600}: warn about each looser one. */
    private static void modeWarnings(Path file, List<String> warnings) {
        List<Path> files = new ArrayList<>(List.of(file, FileOps.sidecar(file, "-wal"), FileOps.sidecar(file, "-shm")));
        Path backups = BackupService.defaultDirectory(file);
        if (Files.isDirectory(backups)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(backups, "*.db*")) {
                ds.forEach(files::add);
            } catch (IOException e) {
                // Listing the backups is best effort: the check is a warning only.
            }
        }
        for (Path f : files) {
            PrivateFiles.looseMode(f)
                    .ifPresent(mode -> warnings.add("file mode " + mode + " on " + f
                            + " lets other users read it; it should be rw------- (chmod 600)"));
        }
    }
}
