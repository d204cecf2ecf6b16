package dev.dialup.deploy.db.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.StorageException;
import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A database whose disk fills up, or whose directory is deleted under it, reports a
 * {@link StorageException} that says so, and keeps every commit made before.
 *
 * <p>Disk full is simulated two ways: SQLite's {@code max_page_count} (SQLITE_FULL, exactly
 * the error a full disk gives; works everywhere, and chmod cannot be used because CI runs as
 * root), and — where the sandbox allows mounting — a real 2 MB tmpfs that fills up.
 */
class StorageFailureTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    private Path mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            run("umount", mounted.toString());
        }
    }

    private static void ingest(DialupDatabase db, long site, int batch) {
        CrashIngestChild.ingestBatch(db, site, batch);
    }

    private static long rows(DialupDatabase db) {
        return db.rowCounts().get("site_resource_usage");
    }

    @Test
    void aFullDatabaseReportsDiskFullRollsBackAndKeepsEveryEarlierCommit() throws Exception {
        try (DialupDatabase db = temp.open()) {
            Fixtures f = new Fixtures(db);
            long site = f.personalSite("Full", f.user("ada"));
            for (int batch = 1; batch <= 3; batch++) {
                ingest(db, site, batch);
            }
            db.withWriterConnection(c -> SqliteOnly.maxPageCount(c, SqliteOnly.pragmaLong(c, "page_count") + 2));

            assertThatThrownBy(() -> {
                        for (int batch = 4; batch <= 50; batch++) {
                            ingest(db, site, batch);
                        }
                    })
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("no room to write")
                    .extracting(e -> ((StorageException) e).reason())
                    .isEqualTo(StorageException.Reason.DISK_FULL);
            long afterFailure = rows(db);
            assertThat(afterFailure % CrashIngestChild.BATCH_ROWS).isZero();
            assertThat(afterFailure).isGreaterThanOrEqualTo(3L * CrashIngestChild.BATCH_ROWS);

            // Space freed: writing works again on the same open database.
            db.withWriterConnection(c -> SqliteOnly.maxPageCount(c, 1_073_741_823L));
            ingest(db, site, 99);
            assertThat(rows(db)).isEqualTo(afterFailure + CrashIngestChild.BATCH_ROWS);
        }
        assertThat(Verifier.verify(temp.file()).ok()).isTrue();
    }

    @Test
    void aDatabaseOnAFilledTmpfsReportsDiskFullAndRecoversOnceSpaceIsFreed() throws Exception {
        Path mount = Files.createDirectory(temp.dir().resolve("tmpfs"));
        Assumptions.assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString()) == 0,
                "mounting a tmpfs is not allowed here; the max_page_count test covers SQLITE_FULL");
        mounted = mount;
        Path file = mount.resolve("dialup-deploy.db");
        int committed = 0;
        long site;
        try (DialupDatabase db =
                DialupDatabase.builder().path(file).allowSystemScope().build()) {
            Fixtures f = new Fixtures(db);
            site = f.personalSite("Tmpfs", f.user("ada"));
            StorageException full = null;
            for (int batch = 1; batch <= 1_000 && full == null; batch++) {
                try {
                    ingest(db, site, batch);
                    committed = batch;
                } catch (StorageException e) {
                    full = e;
                }
            }
            assertThat(full).as("the 2 MB tmpfs filled up").isNotNull();
            assertThat(full.reason()).as(full.getMessage()).isEqualTo(StorageException.Reason.DISK_FULL);
            assertThat(committed).isPositive();
        }
        assertThat(run("mount", "-o", "remount,size=16m", mount.toString())).isZero();
        try (DialupDatabase db =
                DialupDatabase.builder().path(file).allowSystemScope().build()) {
            assertThat(rows(db)).isEqualTo((long) committed * CrashIngestChild.BATCH_ROWS);
            ingest(db, site, committed + 1);
        }
        assertThat(Verifier.verify(file).ok()).isTrue();
    }

    @Test
    void deletingTheDirectoryUnderAnOpenDatabaseFailsTheNextWriteAndTheBackupRestoresIt() throws Exception {
        Path home = Files.createDirectory(temp.dir().resolve("home"));
        Path file = home.resolve("dialup-deploy.db");
        BackupService backups = new BackupService(temp.dir().resolve("backups"), 3);
        try (DialupDatabase db =
                DialupDatabase.builder().path(file).allowSystemScope().build()) {
            Fixtures f = new Fixtures(db);
            long site = f.personalSite("Gone", f.user("ada"));
            ingest(db, site, 1);
            ingest(db, site, 2);
            backups.backup(db);

            deleteRecursively(home);

            assertThatThrownBy(() -> ingest(db, site, 3))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("deleted while the database was open")
                    .extracting(e -> ((StorageException) e).reason())
                    .isEqualTo(StorageException.Reason.FILE_MISSING);
        }
        Backup latest = backups.list().get(0);
        new RestoreService().restore(latest.file(), file, false);
        try (DialupDatabase db =
                DialupDatabase.builder().path(file).allowSystemScope().build()) {
            assertThat(rows(db)).isEqualTo(2L * CrashIngestChild.BATCH_ROWS);
        }
        assertThat(Verifier.verify(file).ok()).isTrue();
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static int run(String... command) throws Exception {
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
