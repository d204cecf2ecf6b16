package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.BackupVerificationException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.IncompatibleDatabaseException;
import dev.dialup.deploy.db.Progress;
import dev.dialup.deploy.db.SchemaStatus;
import dev.dialup.deploy.db.backup.BackupManifest;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.CopyVerifier;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FileOps;
import dev.dialup.deploy.db.engine.FileShape;
import dev.dialup.deploy.db.engine.OpenDatabases;
import dev.dialup.deploy.db.engine.PrivateFiles;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.migration.Migrator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies a backup and puts it in place of a database file.
 *
 * <p>Order of a restore: refuse if this process has the target open; verify the backup
 * (manifest SHA-256, {@link CopyVerifier}, a schema version this library knows); copy it
 * to a temporary file beside the target and fsync it; checkpoint the current file so its
 * WAL is folded in, keep it as {@code <file>.before-restore-<time>}; remove stale
 * {@code -wal}/{@code -shm}; rename the copy over the target atomically. A failure before the
 * rename leaves the target as it was.
 */
public final class RestoreService {
    private static final Logger log = LoggerFactory.getLogger(RestoreService.class);
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Duration BUSY_TIMEOUT = Duration.ofSeconds(10);
    /** Restores are of database files. */
    private static final DatabaseEngine ENGINE = Engines.files();

    private final Clock clock;
    private final Progress progress;

    public RestoreService() {
        this(Clock.systemUTC(), Progress.NONE);
    }

    public RestoreService(Clock clock, Progress progress) {
        this.clock = Objects.requireNonNull(clock);
        this.progress = Objects.requireNonNull(progress);
    }

    /**
     * What a verified backup holds.
     *
     * @param manifest null only when verified without one ({@code allowMissingManifest})
     */
    public record VerifiedBackup(
            Path file, BackupManifest manifest, String schemaVersion, Map<String, Long> rowCounts) {}

    /**
     * @param restored       the database file that now holds the backup
     * @param previousFile   where the file it replaced was kept, or null if there was none
     */
    public record RestoreResult(
            Path restored, Path backup, Path previousFile, String schemaVersion, Map<String, Long> rowCounts) {}

    /**
     * Checks a backup without changing anything: its manifest exists (unless
     * {@code allowMissingManifest}) and its SHA-256 matches, {@code integrity_check} is ok, and
     * its schema is one this library knows.
     *
     * @throws BackupVerificationException   when the file is damaged or does not match its manifest
     * @throws IncompatibleDatabaseException when its schema is newer than this library or unrecognised
     */
    public VerifiedBackup verify(Path backupFile, boolean allowMissingManifest) {
        Path file = backupFile.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new DialupDataException("No backup file at " + file);
        }
        List<String> problems = new ArrayList<>();
        Path manifestFile = BackupManifest.pathFor(file);
        BackupManifest manifest = null;
        try {
            if (Files.exists(manifestFile)) {
                manifest = BackupManifest.read(manifestFile);
                String sha = FileOps.sha256(file, progress, "checksum");
                if (!sha.equals(manifest.sha256())) {
                    problems.add("SHA-256 " + sha + " does not match the manifest's " + manifest.sha256()
                            + " (the file changed after it was written)");
                }
            } else if (!allowMissingManifest) {
                problems.add("no manifest " + manifestFile.getFileName()
                        + " beside it (use --force to restore a file without one)");
            }
            if (!problems.isEmpty()) {
                throw new BackupVerificationException(file, problems);
            }
            if (!ENGINE.looksLikeDatabase(file)) {
                throw new BackupVerificationException(file, List.of("not an SQLite database"));
            }
        } catch (IOException e) {
            throw new DialupDataException("Cannot read backup " + file + ": " + e.getMessage(), e);
        }

        progress.update("verify", 0, 0);
        CopyVerifier.Verified schema = CopyVerifier.verify(ENGINE, file);
        Map<String, Long> counts = schema.rowCounts();
        if (schema.shape().kind() == FileShape.Kind.UNRECOGNISED) {
            throw new IncompatibleDatabaseException(
                    IncompatibleDatabaseException.Reason.UNRECOGNISED_SCHEMA,
                    file,
                    "the backup holds tables this library does not recognise and no migration history");
        }
        SchemaStatus library = DialupDatabase.statusOf(file);
        if (Migrator.isNewer(schema.schemaVersion(), library.latestVersion())) {
            throw new IncompatibleDatabaseException(
                    IncompatibleDatabaseException.Reason.NEWER_SCHEMA,
                    file,
                    "the backup is at schema version " + schema.schemaVersion()
                            + ", newer than this library (knows up to " + library.latestVersion()
                            + "); restore it with a newer dialup-deploy-db");
        }
        if (manifest != null && !Objects.equals(manifest.schemaVersion(), schema.schemaVersion())) {
            throw new BackupVerificationException(
                    file,
                    List.of("schema version " + schema.schemaVersion() + " does not match the manifest's "
                            + manifest.schemaVersion()));
        }
        return new VerifiedBackup(file, manifest, schema.schemaVersion(), counts);
    }

    /**
     * Verifies {@code backupFile} and replaces {@code target} with it, keeping the replaced file.
     *
     * @throws DialupDataException when this process has {@code target} open (close it first)
     */
    public RestoreResult restore(Path backupFile, Path target, boolean allowMissingManifest) {
        Path live = target.toAbsolutePath().normalize();
        refuseIfOpen(live);
        VerifiedBackup verified = verify(backupFile, allowMissingManifest);
        if (OpenDatabases.canonical(live).equals(OpenDatabases.canonical(verified.file()))) {
            throw new DialupDataException("Cannot restore " + live + " from itself");
        }
        String stamp = STAMP.format(clock.instant());
        Path tmp = live.resolveSibling("." + live.getFileName() + ".restore-" + stamp + ".tmp");
        Path previous = null;
        try {
            PrivateFiles.createDirectories(live.getParent());
            FileOps.copy(verified.file(), tmp, progress, "copy");
            refuseIfOpen(live);
            if (Files.exists(live)) {
                checkpoint(live);
                previous = live.resolveSibling(live.getFileName() + ".before-restore-" + stamp);
                keepPrevious(live, previous);
            } else if (Files.exists(FileOps.sidecar(live, "-wal"))) {
                // A WAL without its database would be replayed into the restored file: move it aside.
                Files.move(
                        FileOps.sidecar(live, "-wal"),
                        FileOps.sidecar(live, ".orphan-" + stamp + "-wal"),
                        StandardCopyOption.ATOMIC_MOVE);
            }
            Files.deleteIfExists(FileOps.sidecar(live, "-shm"));
            Files.move(tmp, live, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            FileOps.fsyncDirectory(live.getParent());
        } catch (IOException e) {
            throw new DialupDataException(
                    "Restore of " + live + " from " + verified.file() + " failed: " + e.getMessage()
                            + (previous != null ? " (the previous file is kept at " + previous + ")" : ""),
                    e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    log.warn("Could not remove {}: {}", tmp, e.getMessage());
                }
            }
        }
        log.info("Restored {} from {} (previous file kept at {})", live, verified.file(), previous);
        return new RestoreResult(live, verified.file(), previous, verified.schemaVersion(), verified.rowCounts());
    }

    private static void refuseIfOpen(Path live) {
        if (OpenDatabases.isOpen(live)) {
            throw new DialupDataException("Refusing to restore " + live + ": it is open for writing in this process."
                    + " Close every DialupDatabase on it (and stop the services using it) first");
        }
    }

    /** Folds the WAL into the main file so the kept previous file is complete on its own. */
    private static void checkpoint(Path live) {
        if (FileOps.sizeOrZero(FileOps.sidecar(live, "-wal")) == 0) {
            return;
        }
        try (Connection c = ENGINE.maintenanceDataSource(live, BUSY_TIMEOUT).getConnection()) {
            ENGINE.truncateLog(c);
        } catch (SQLException e) {
            // A damaged current file is exactly why one restores; its WAL is kept beside the copy below.
            log.warn("Could not checkpoint {} before replacing it: {}", live, e.getMessage());
        }
    }

    /**
     * Keeps the current file under {@code previous}: a hard link (instant, and the live name
     * is never missing), or a copy where links are not supported. A WAL the checkpoint could
     * not fold in moves along with it, so SQLite never applies it to the restored file.
     */
    private static void keepPrevious(Path live, Path previous) throws IOException {
        try {
            Files.createLink(previous, live);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(live, previous, StandardCopyOption.COPY_ATTRIBUTES);
        }
        Path wal = FileOps.sidecar(live, "-wal");
        if (Files.exists(wal)) {
            if (Files.size(wal) > 0) {
                Files.move(wal, FileOps.sidecar(previous, "-wal"), StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.delete(wal);
            }
        }
    }
}
