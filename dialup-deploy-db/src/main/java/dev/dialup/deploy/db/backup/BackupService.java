package dev.dialup.deploy.db.backup;

import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.IncompatibleDatabaseException;
import dev.dialup.deploy.db.Progress;
import dev.dialup.deploy.db.ReaderConnections;
import dev.dialup.deploy.db.engine.CopyVerifier;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FileOps;
import dev.dialup.deploy.db.engine.PrivateFiles;
import dev.dialup.deploy.db.engine.registry.Engines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online backups of a database file into one directory, keeping the newest {@code keep} of
 * each kind.
 *
 * <p>A backup is the engine's consistent snapshot (SQLite: {@code VACUUM INTO}) taken in one read transaction (writers go
 * on meanwhile), written to a temporary file in the backup directory, fsynced, checked with
 * {@link CopyVerifier} (integrity check, schema version, row counts), then renamed into place atomically, with a
 * {@link BackupManifest} beside it. A half-written backup is never visible under a backup
 * name. Names sort by time: {@code dialup-deploy-20260101T120000000Z.db}, and
 * {@code ...Z-pre-migration.db} for the automatic backup taken before migrations.
 */
public final class BackupService {
    public static final String DEFAULT_DIR_NAME = "backups";
    public static final int DEFAULT_KEEP = 7;
    public static final String KIND_BACKUP = "backup";
    public static final String KIND_PRE_MIGRATION = "pre-migration";

    private static final Logger log = LoggerFactory.getLogger(BackupService.class);
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Duration BUSY_TIMEOUT = Duration.ofSeconds(10);
    /** Backups are of database files. */
    private static final DatabaseEngine ENGINE = Engines.files();

    private final Path directory;
    private final int keep;
    private final Clock clock;
    private final Progress progress;

    public BackupService(Path directory, int keep) {
        this(directory, keep, Clock.systemUTC(), Progress.NONE);
    }

    private BackupService(Path directory, int keep, Clock clock, Progress progress) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, was " + keep);
        }
        this.directory = directory.toAbsolutePath().normalize();
        this.keep = keep;
        this.clock = Objects.requireNonNull(clock);
        this.progress = Objects.requireNonNull(progress);
    }

    /** Backups in {@code backups/} next to the database file (so {@code ./data/backups/} for the default file). */
    public static BackupService besideDatabase(Path dbFile) {
        return new BackupService(defaultDirectory(dbFile), DEFAULT_KEEP);
    }

    public static Path defaultDirectory(Path dbFile) {
        return dbFile.toAbsolutePath().normalize().resolveSibling(DEFAULT_DIR_NAME);
    }

    /** The default {@code DialupDatabase.Builder#beforeMigrate} hook: a pre-migration backup beside the file. */
    public static Consumer<Path> preMigrationHook() {
        return file -> besideDatabase(file).backupBeforeMigration(file);
    }

    /** A pre-migration hook that writes into {@code directory}, keeping {@code keep} pre-migration backups. */
    public static Consumer<Path> preMigrationHook(Path directory, int keep) {
        return file -> new BackupService(directory, keep).backupBeforeMigration(file);
    }

    public BackupService withProgress(Progress progress) {
        return new BackupService(directory, keep, clock, progress);
    }

    /** Clock for backup names and manifest times (tests pin it). */
    public BackupService withClock(Clock clock) {
        return new BackupService(directory, keep, clock, progress);
    }

    public Path directory() {
        return directory;
    }

    public int keep() {
        return keep;
    }

    /** Backs up an open database through its reader pool; its writers are not blocked. */
    public Backup backup(ReaderConnections db) {
        return db.withReaderConnection(c -> snapshot(c, db.path(), KIND_BACKUP));
    }

    /**
     * Backs up a database file with a read-only connection of its own: usable while services
     * in other processes write to it. The file is never migrated or changed.
     */
    public Backup backup(Path dbFile) {
        return withFile(dbFile, KIND_BACKUP);
    }

    /** What the pre-migration hook does: a backup of kind {@value #KIND_PRE_MIGRATION}. */
    public Backup backupBeforeMigration(Path dbFile) {
        Backup b = withFile(dbFile, KIND_PRE_MIGRATION);
        log.info("Backed up {} to {} before applying migrations", dbFile, b.file());
        return b;
    }

    /** Every backup in the directory that has a manifest, newest first. */
    public List<Backup> list() {
        return BackupFiles.withManifests(backupFiles());
    }

    private Backup withFile(Path dbFile, String kind) {
        Path file = dbFile.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new DialupDataException("Cannot back up " + file + ": no such database file");
        }
        try {
            if (!ENGINE.looksLikeDatabase(file)) {
                throw new IncompatibleDatabaseException(
                        IncompatibleDatabaseException.Reason.NOT_SQLITE,
                        file,
                        "not an SQLite database, nothing to back up");
            }
        } catch (IOException e) {
            throw new DialupDataException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        try (Connection c = ENGINE.readerDataSource(file, BUSY_TIMEOUT).getConnection()) {
            return snapshot(c, file, kind);
        } catch (SQLException e) {
            throw new DialupDataException("Cannot back up " + file + ": " + e.getMessage(), e);
        }
    }

    private Backup snapshot(Connection source, Path dbFile, String kind) throws SQLException {
        Path tmp = null;
        try {
            PrivateFiles.createDirectories(directory);
            String base = baseName(dbFile);
            Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            String name;
            // Names are unique per millisecond; two backups in the same one take the next free stamp.
            while (true) {
                name = base + "-" + STAMP.format(at) + (KIND_PRE_MIGRATION.equals(kind) ? "-" + KIND_PRE_MIGRATION : "")
                        + ".db";
                tmp = directory.resolve("." + name + ".tmp");
                if (!Files.exists(directory.resolve(name)) && !Files.exists(tmp)) break;
                at = at.plusMillis(1);
            }
            long expected = ENGINE.sizeEstimate(source);
            Path target = tmp;
            // Created private before SQLite writes into it (VACUUM INTO accepts an empty file).
            PrivateFiles.createFile(tmp);
            try (var watcher = SizeWatcher.start(target, expected, progress, "snapshot")) {
                ENGINE.snapshot(source, tmp);
            }
            progress.update("snapshot", expected, expected);
            FileOps.fsync(tmp);

            progress.update("verify", 0, 0);
            CopyVerifier.Verified checked = CopyVerifier.verify(ENGINE, tmp);
            String sha = FileOps.sha256(tmp, progress, "checksum");
            long bytes = Files.size(tmp);

            Path file = directory.resolve(name);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            BackupManifest manifest = new BackupManifest(
                    BackupManifest.FORMAT,
                    name,
                    dbFile.toString(),
                    at,
                    kind,
                    checked.schemaVersion(),
                    bytes,
                    sha,
                    checked.rowCounts());
            Path manifestFile = BackupManifest.pathFor(file);
            FileOps.writeAtomically(manifestFile, manifest.toJson().getBytes(StandardCharsets.UTF_8));
            FileOps.fsyncDirectory(directory);
            prune(base, kind);
            return new Backup(file, manifestFile, manifest);
        } catch (IOException e) {
            throw new DialupDataException(
                    "Backup of " + dbFile + " into " + directory + " failed: " + e.getMessage(), e);
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

    /** Deletes backups of {@code kind} of this database beyond the newest {@code keep}, with their manifests. */
    private void prune(String base, String kind) throws IOException {
        Pattern own = namePattern(base);
        BackupFiles.prune(
                directory,
                backupFiles(),
                name -> {
                    Matcher m = own.matcher(name);
                    return m.matches() && kind.equals(m.group(2) == null ? KIND_BACKUP : KIND_PRE_MIGRATION);
                },
                keep);
    }

    private List<Path> backupFiles() {
        return BackupFiles.list(directory, "*.db");
    }

    private static Pattern namePattern(String base) {
        return Pattern.compile(Pattern.quote(base) + "-(\\d{8}T\\d{9}Z)(-" + KIND_PRE_MIGRATION + ")?\\.db");
    }

    private static String baseName(Path dbFile) {
        String n = dbFile.getFileName().toString();
        return n.endsWith(".db") ? n.substring(0, n.length() - 3) : n;
    }

    /** Reports the growth of a file SQLite is writing (VACUUM INTO has no progress callback). */
    private static final class SizeWatcher implements AutoCloseable {
        private final Thread thread;

        private SizeWatcher(Thread thread) {
            this.thread = thread;
        }

        static SizeWatcher start(Path file, long expected, Progress progress, String step) {
            Thread t = Thread.ofPlatform()
                    .daemon()
                    .name("dialup-backup-progress")
                    .start(() -> {
                        try {
                            while (!Thread.currentThread().isInterrupted()) {
                                progress.update(step, Math.min(FileOps.sizeOrZero(file), expected), expected);
                                Thread.sleep(200);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
            return new SizeWatcher(t);
        }

        @Override
        public void close() {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
