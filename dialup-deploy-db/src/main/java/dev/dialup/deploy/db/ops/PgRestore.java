package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.BackupVerificationException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.IncompatibleDatabaseException;
import dev.dialup.deploy.db.PostgresToolsUnavailableException;
import dev.dialup.deploy.db.Progress;
import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.PgDumpBackup;
import dev.dialup.deploy.db.engine.JdbcUrls;
import dev.dialup.deploy.db.engine.PgTools;
import dev.dialup.deploy.db.engine.postgresql.PostgresCatalog;
import dev.dialup.deploy.db.engine.postgresql.RowSecurity;
import dev.dialup.deploy.db.migration.Migrator;
import dev.dialup.deploy.db.migration.UpToDateCheck;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a {@link PgDumpBackup} into an empty PostgreSQL database with {@code pg_restore}.
 *
 * <p>Order: verify the backup (manifest SHA-256, {@code pg_restore --list}, the row counts of its COPY blocks, a
 * schema version this library knows); refuse a target that already holds tables (restore into a new database, see
 * docs/OPERATIONS.md); run {@code pg_restore --single-transaction --exit-on-error --no-owner --no-privileges} (all or
 * nothing; objects belong to the restoring role, grants to the runtime role are given again afterwards); then check
 * the restored schema version and every table's row count against the manifest.
 */
public final class PgRestore {
    private static final Logger log = LoggerFactory.getLogger(PgRestore.class);

    private final Progress progress;
    private final Map<String, String> toolEnvironment;

    public PgRestore() {
        this(Progress.NONE);
    }

    public PgRestore(Progress progress) {
        this(progress, System.getenv());
    }

    private PgRestore(Progress progress, Map<String, String> toolEnvironment) {
        this.progress = Objects.requireNonNull(progress);
        this.toolEnvironment = Map.copyOf(toolEnvironment);
    }

    /** Finds {@code pg_restore} through {@code environment} ({@code DIALUP_PG_BIN}, {@code PATH}). */
    public PgRestore withToolEnvironment(Map<String, String> environment) {
        return new PgRestore(progress, environment);
    }

    /**
     * @param targetDatabase the restored database's name (never a URL)
     * @param rowCounts      every table's rows after the restore
     */
    public record Result(String targetDatabase, Path backup, String schemaVersion, Map<String, Long> rowCounts) {}

    /** {@link #restore(Path, String, DataSource, boolean)} with a plain connection to {@code jdbcUrl}. */
    public Result restore(Path dumpFile, String jdbcUrl, boolean allowMissingManifest) {
        return restore(dumpFile, jdbcUrl, JdbcUrls.postgresDataSource(jdbcUrl), allowMissingManifest);
    }

    /**
     * Verifies {@code dumpFile} and restores it into the empty database of {@code jdbcUrl}.
     *
     * @throws BackupVerificationException       the backup is damaged, has no manifest (without
     *                                           {@code allowMissingManifest}), or the restored rows differ
     * @throws IncompatibleDatabaseException     the backup's schema is newer than this library
     * @throws PostgresToolsUnavailableException no {@code pg_restore} was found
     * @throws DialupDataException               the target is not empty, or {@code pg_restore} failed (nothing
     *                                           was restored: it runs in one transaction)
     */
    public Result restore(Path dumpFile, String jdbcUrl, DataSource target, boolean allowMissingManifest) {
        String shown = JdbcUrls.redact(jdbcUrl);
        Path file = dumpFile.toAbsolutePath().normalize();
        PgTools tools = new PgTools(toolEnvironment);
        progress.update("verify", 0, 0);
        Backup verified = new PgDumpBackup(file.getParent(), 1)
                .withProgress(progress)
                .withToolEnvironment(toolEnvironment)
                .verify(file, allowMissingManifest);
        String latest = UpToDateCheck.latestShippedVersion();
        if (verified.manifest() != null && Migrator.isNewer(verified.manifest().schemaVersion(), latest)) {
            throw new IncompatibleDatabaseException(
                    IncompatibleDatabaseException.Reason.NEWER_SCHEMA,
                    file,
                    "the backup is at schema version " + verified.manifest().schemaVersion()
                            + ", newer than this library (knows up to " + latest
                            + "); restore it with a newer dialup-deploy-db");
        }
        PgTools.Tool pgRestore = tools.find("pg_restore");
        try (Connection c = target.getConnection()) {
            String database = currentDatabase(c);
            List<String> existing = relations(c);
            if (!existing.isEmpty()) {
                throw new DialupDataException("Refusing to restore into " + shown + ": the database already holds "
                        + existing.size() + " tables or other relations ("
                        + String.join(", ", existing.subList(0, Math.min(5, existing.size())))
                        + (existing.size() > 5 ? ", ..." : "") + "). Restore into a new, empty database"
                        + " (CREATE DATABASE ... OWNER <owner role>), then switch the services' DIALUP_DB to it");
            }
            progress.update("restore", 0, 0);
            Map<String, String> env = PgTools.environmentFor(jdbcUrl);
            PgTools.Result r = PgTools.run(
                    List.of(
                            pgRestore.path().toString(),
                            "--single-transaction",
                            "--exit-on-error",
                            "--no-owner",
                            "--no-privileges",
                            "--no-password",
                            "--dbname=" + database,
                            file.toString()),
                    env,
                    null);
            if (r.exit() != 0) {
                throw new DialupDataException("pg_restore into " + shown + " failed, nothing was restored: "
                        + JdbcUrls.redact(PgTools.firstLine(r)));
            }
            progress.update("check", 0, 0);
            String version = PgDumpBackup.schemaVersion(c);
            Map<String, Long> counts;
            c.setAutoCommit(false);
            try {
                RowSecurity.actAsSystem(c); // row-level security is forced even for the owner
                counts = PgDumpBackup.rowCounts(c);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
            if (verified.manifest() != null) {
                List<String> problems = new ArrayList<>();
                if (!Objects.equals(version, verified.manifest().schemaVersion())) {
                    problems.add("schema version " + version + " after the restore, the manifest says "
                            + verified.manifest().schemaVersion());
                }
                verified.manifest().rowCounts().forEach((table, rows) -> {
                    if (!rows.equals(counts.get(table))) {
                        problems.add(table + ": " + counts.get(table) + " rows after the restore, " + rows
                                + " in the manifest");
                    }
                });
                if (!problems.isEmpty()) {
                    throw new BackupVerificationException(file, problems);
                }
            }
            log.info("Restored PostgreSQL database {} from {}", database, file);
            return new Result(database, file, version, counts);
        } catch (SQLException e) {
            throw new DialupDataException("Restore into " + shown + " failed: " + e.getMessage(), e);
        }
    }

    private static List<String> relations(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT c.relname FROM pg_class c"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
                        + " ORDER BY c.relname")) {
            while (rs.next()) names.add(rs.getString(1));
        }
        return names;
    }

    private static String currentDatabase(Connection c) throws SQLException {
        return PostgresCatalog.currentDatabase(c);
    }
}
