package dev.dialup.deploy.db.backup;

import dev.dialup.deploy.db.BackupVerificationException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.PostgresToolsUnavailableException;
import dev.dialup.deploy.db.Progress;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FileOps;
import dev.dialup.deploy.db.engine.JdbcUrls;
import dev.dialup.deploy.db.engine.PgTools;
import dev.dialup.deploy.db.engine.PrivateFiles;
import dev.dialup.deploy.db.engine.postgresql.PostgresCatalog;
import dev.dialup.deploy.db.engine.postgresql.RowSecurity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups of a PostgreSQL database with {@code pg_dump --format=custom}, into one directory, keeping the newest
 * {@code keep}, each with the same {@link BackupManifest} as the SQLite backups (schema version, row counts, size,
 * SHA-256).
 *
 * <p>A backup: one {@code REPEATABLE READ} transaction exports its snapshot; the schema version and every table's row
 * count are read in it, and {@code pg_dump --snapshot} dumps exactly that snapshot (writers go on meanwhile). The
 * archive is written to a private temporary file, fsynced and verified ({@code pg_restore --list} reads it, and the
 * rows of every table in its COPY blocks match the counted ones), then renamed into place with its manifest.
 *
 * <p>{@code pg_dump} comes from {@value PgTools#ENV_BIN} or the {@code PATH} and must be at least the server's major
 * version; otherwise the backup is refused with {@link PostgresToolsUnavailableException}, whose message names the
 * standard procedure. The connection goes to the tools through the environment ({@code PGHOST}, {@code PGUSER},
 * {@code PGPASSWORD}, ...), never the command line; manifests and messages show the URL redacted.
 */
public final class PgDumpBackup {
    public static final String SUFFIX = ".dump";

    private static final Logger log = LoggerFactory.getLogger(PgDumpBackup.class);
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

    private final Path directory;
    private final int keep;
    private final Clock clock;
    private final Progress progress;
    private final PgTools tools;

    public PgDumpBackup(Path directory, int keep) {
        this(directory, keep, Clock.systemUTC(), Progress.NONE, new PgTools());
    }

    private PgDumpBackup(Path directory, int keep, Clock clock, Progress progress, PgTools tools) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, was " + keep);
        }
        this.directory = directory.toAbsolutePath().normalize();
        this.keep = keep;
        this.clock = Objects.requireNonNull(clock);
        this.progress = Objects.requireNonNull(progress);
        this.tools = Objects.requireNonNull(tools);
    }

    public PgDumpBackup withProgress(Progress progress) {
        return new PgDumpBackup(directory, keep, clock, progress, tools);
    }

    public PgDumpBackup withClock(Clock clock) {
        return new PgDumpBackup(directory, keep, clock, progress, tools);
    }

    /**
     * Finds the tools through {@code environment} ({@value PgTools#ENV_BIN}, {@code PATH}) instead of this process's
     * environment.
     */
    public PgDumpBackup withToolEnvironment(Map<String, String> environment) {
        return new PgDumpBackup(directory, keep, clock, progress, new PgTools(environment));
    }

    public Path directory() {
        return directory;
    }

    /**
     * Backs up the database of {@code jdbcUrl}.
     *
     * @throws PostgresToolsUnavailableException when no {@code pg_dump} of the server's major version (or newer) is
     *     found; nothing is written
     * @throws BackupVerificationException       when the written archive does not verify; it is not kept
     */
    public Backup backup(String jdbcUrl) {
        return backup(jdbcUrl, JdbcUrls.postgresDataSource(jdbcUrl));
    }

    /** {@link #backup(String)} with the connection for the snapshot taken from {@code dataSource}. */
    public Backup backup(String jdbcUrl, DataSource dataSource) {
        String shown = JdbcUrls.redact(jdbcUrl);
        Map<String, String> env = PgTools.environmentFor(jdbcUrl);
        Path tmp = null;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
            RowSecurity.actAsSystem(c); // row-level security is forced even for the owner
            PgTools.Tool pgDump = tools.findForServer("pg_dump", PgTools.serverMajor(c));
            PgTools.Tool pgRestore = tools.find("pg_restore");
            String snapshot;
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                snapshot = rs.getString(1);
            }
            String version = schemaVersion(c);
            if (version == null) {
                throw new DialupDataException("Cannot back up " + shown + ": it has no " + DatabaseEngine.HISTORY_TABLE
                        + " table, so it is not a dialup-deploy database (run 'migrate' against it first)");
            }
            Map<String, Long> counts = rowCounts(c);
            String database = currentDatabase(c);

            PrivateFiles.createDirectories(directory);
            Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            String name;
            while (true) {
                name = database + "-" + STAMP.format(at) + SUFFIX;
                tmp = directory.resolve("." + name + ".tmp");
                if (!Files.exists(directory.resolve(name)) && !Files.exists(tmp)) break;
                at = at.plusMillis(1);
            }
            PrivateFiles.createFile(tmp);
            progress.update("dump", 0, 0);
            List<String> command = List.of(
                    pgDump.path().toString(),
                    "--format=custom",
                    "--no-password",
                    // Row-level security is forced even for the owner, so pg_dump must not switch it off (it would
                    // refuse); PGOPTIONS below gives its session the system identity, so every row is dumped.
                    "--enable-row-security",
                    // The day partitions' rows are written as rows of usage_samples: the archive's COPY blocks then
                    // count per table as the manifest does, and a restore routes them into whatever partitions exist.
                    "--load-via-partition-root",
                    "--snapshot=" + snapshot,
                    "--file=" + tmp);
            Map<String, String> dumpEnv = new java.util.TreeMap<>(env);
            // A session-level setting of pg_dump's own connection only: it ends with the dump.
            dumpEnv.merge("PGOPTIONS", "-c " + RowSecurity.SYSTEM_SETTING + "=on", (a, b) -> a + " " + b);
            PgTools.Result r = PgTools.run(command, dumpEnv, null);
            c.rollback(); // the snapshot may go once pg_dump has it
            if (r.exit() != 0) {
                throw new DialupDataException(
                        "pg_dump of " + shown + " failed: " + JdbcUrls.redact(PgTools.firstLine(r)));
            }
            FileOps.fsync(tmp);

            progress.update("verify", 0, 0);
            verifyArchive(pgRestore, tmp, counts);
            String sha = FileOps.sha256(tmp, progress, "checksum");
            long bytes = Files.size(tmp);
            Path file = directory.resolve(name);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            BackupManifest manifest = new BackupManifest(
                    BackupManifest.FORMAT, name, shown, at, BackupService.KIND_BACKUP, version, bytes, sha, counts);
            Path manifestFile = BackupManifest.pathFor(file);
            FileOps.writeAtomically(manifestFile, manifest.toJson().getBytes(StandardCharsets.UTF_8));
            FileOps.fsyncDirectory(directory);
            prune(database);
            log.info("Backed up PostgreSQL database {} to {}", database, file);
            return new Backup(file, manifestFile, manifest);
        } catch (SQLException e) {
            throw new DialupDataException("Backup of " + shown + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new DialupDataException(
                    "Backup of " + shown + " into " + directory + " failed: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    log.warn("Could not remove the unfinished backup {}: {}", tmp, e.getMessage());
                }
            }
        }
    }

    /**
     * Checks a PostgreSQL backup without restoring it: its manifest (unless {@code allowMissingManifest}) and SHA-256,
     * that {@code pg_restore --list} reads it, and that its COPY blocks hold the manifest's row counts.
     *
     * @return the backup, with a null manifest when verified without one
     * @throws BackupVerificationException       when it is damaged or does not match its manifest
     * @throws PostgresToolsUnavailableException when {@code pg_restore} is not found
     */
    public Backup verify(Path dumpFile, boolean allowMissingManifest) {
        Path file = dumpFile.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new DialupDataException("No backup file at " + file);
        }
        PgTools.Tool pgRestore = tools.find("pg_restore");
        Path manifestFile = BackupManifest.pathFor(file);
        BackupManifest manifest = null;
        try {
            if (Files.exists(manifestFile)) {
                manifest = BackupManifest.read(manifestFile);
                String sha = FileOps.sha256(file, progress, "checksum");
                if (!sha.equals(manifest.sha256())) {
                    throw new BackupVerificationException(
                            file,
                            List.of("SHA-256 " + sha + " does not match the manifest's " + manifest.sha256()
                                    + " (the file changed after it was written)"));
                }
            } else if (!allowMissingManifest) {
                throw new BackupVerificationException(
                        file,
                        List.of("no manifest " + manifestFile.getFileName()
                                + " beside it (use --force to restore a file without one)"));
            }
        } catch (IOException e) {
            throw new DialupDataException("Cannot read backup " + file + ": " + e.getMessage(), e);
        }
        verifyArchive(pgRestore, file, manifest == null ? null : manifest.rowCounts());
        return new Backup(file, manifestFile, manifest);
    }

    /** {@code pg_restore --list} reads the archive and its COPY blocks hold {@code expected} rows per table. */
    private static void verifyArchive(PgTools.Tool pgRestore, Path archive, Map<String, Long> expected) {
        PgTools.Result list =
                PgTools.run(List.of(pgRestore.path().toString(), "--list", archive.toString()), Map.of(), null);
        if (list.exit() != 0) {
            throw new BackupVerificationException(
                    archive, List.of("pg_restore --list cannot read it: " + PgTools.firstLine(list)));
        }
        if (expected == null) {
            return;
        }
        Map<String, Long> found;
        try {
            found = PgTools.archiveRowCounts(pgRestore, archive);
        } catch (DialupDataException e) {
            throw new BackupVerificationException(archive, List.of(e.getMessage()));
        }
        List<String> problems = new ArrayList<>();
        expected.forEach((table, rows) -> {
            long inArchive = found.getOrDefault(table, 0L);
            if (inArchive != rows) {
                problems.add(table + ": " + inArchive + " rows in the archive, " + rows + " expected");
            }
        });
        if (!problems.isEmpty()) {
            throw new BackupVerificationException(archive, problems);
        }
    }

    /** Every PostgreSQL backup in the directory that has a manifest, newest first. */
    public List<Backup> list() {
        return BackupFiles.withManifests(dumpFiles());
    }

    /** The highest successfully applied migration, or null when there is no migration history. */
    public static String schemaVersion(Connection c) throws SQLException {
        return PostgresCatalog.schemaVersion(c);
    }

    /** Row count of every table of the current schema (the migration history included), by name. */
    public static Map<String, Long> rowCounts(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT c.relname FROM pg_class c"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
                        + " AND NOT c.relispartition ORDER BY c.relname")) {
            while (rs.next()) tables.add(rs.getString(1));
        }
        Map<String, Long> counts = new TreeMap<>();
        try (Statement st = c.createStatement()) {
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + t.replace("\"", "\"\"") + "\"")) {
                    rs.next();
                    counts.put(t, rs.getLong(1));
                }
            }
        }
        return counts;
    }

    private static String currentDatabase(Connection c) throws SQLException {
        return PostgresCatalog.currentDatabase(c);
    }

    private void prune(String database) throws IOException {
        Pattern own = Pattern.compile(Pattern.quote(database) + "-\\d{8}T\\d{9}Z" + Pattern.quote(SUFFIX));
        BackupFiles.prune(directory, dumpFiles(), name -> own.matcher(name).matches(), keep);
    }

    private List<Path> dumpFiles() {
        return BackupFiles.list(directory, "*" + SUFFIX);
    }
}
