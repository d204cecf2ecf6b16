package dev.dialup.deploy.db.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.BackupVerificationException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.IncompatibleDatabaseException;
import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RestoreServiceTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    private Path live() {
        return temp.file();
    }

    /** A database with one user, backed up, then given a second user that the restore must undo. */
    private Backup backupWithOneUserThenAddAnother() {
        try (DialupDatabase db = temp.open()) {
            Fixtures f = new Fixtures(db);
            f.user("ada");
            Backup b = new BackupService(temp.dir().resolve("backups"), 3).backup(db);
            f.user("grace");
            return b;
        }
    }

    @Test
    void restoreBringsBackTheBackupAndKeepsTheReplacedFile() throws Exception {
        Backup backup = backupWithOneUserThenAddAnother();

        RestoreService.RestoreResult result = new RestoreService().restore(backup.file(), live(), false);

        assertThat(result.restored()).isEqualTo(live());
        assertThat(OpsTestFiles.count(live(), "SELECT count(*) FROM users")).isEqualTo(1);
        assertThat(result.previousFile()).exists();
        assertThat(result.previousFile().getFileName().toString()).startsWith("test.db.before-restore-");
        assertThat(OpsTestFiles.count(result.previousFile(), "SELECT count(*) FROM users"))
                .isEqualTo(2);
        assertThat(live().resolveSibling("test.db-wal")).doesNotExist();
        assertThat(result.rowCounts()).containsEntry("users", 1L);
        try (DialupDatabase reopened = temp.open()) {
            assertThat(reopened.rowCounts()).containsEntry("users", 1L);
        }
    }

    @Test
    void aLeftoverWalWithoutItsDatabaseIsMovedAsideNotReplayedIntoTheRestoredFile() throws Exception {
        Backup backup = backupWithOneUserThenAddAnother();
        Path target = temp.dir().resolve("fresh").resolve("test.db");
        Files.createDirectories(target.getParent());
        Files.write(target.resolveSibling("test.db-wal"), new byte[] {1, 2, 3, 4});

        new RestoreService().restore(backup.file(), target, false);

        assertThat(target.resolveSibling("test.db-wal")).doesNotExist();
        try (var files = Files.list(target.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("test.db.orphan-"));
        }
        assertThat(OpsTestFiles.integrity(target)).containsExactly("ok");
        assertThat(OpsTestFiles.count(target, "SELECT count(*) FROM users")).isEqualTo(1);
    }

    @Test
    void restoreIsRefusedWhileTheDatabaseIsOpenInThisProcess() throws Exception {
        Backup backup = backupWithOneUserThenAddAnother();
        try (DialupDatabase db = temp.open()) {
            assertThatThrownBy(() -> new RestoreService().restore(backup.file(), live(), false))
                    .isInstanceOf(DialupDataException.class)
                    .hasMessageContaining("open for writing in this process");
            assertThat(db.rowCounts()).containsEntry("users", 2L);
        }
        try (var files = Files.list(temp.dir())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("before-restore"));
        }
    }

    @Test
    void aBackupThatChangedAfterItWasWrittenIsRefusedAndNothingIsReplaced() throws Exception {
        Backup backup = backupWithOneUserThenAddAnother();
        byte[] liveBefore = Files.readAllBytes(live());
        Files.write(backup.file(), new byte[] {0}, StandardOpenOption.APPEND);

        assertThatThrownBy(() -> new RestoreService().restore(backup.file(), live(), false))
                .isInstanceOf(BackupVerificationException.class)
                .hasMessageContaining("does not match the manifest");
        assertThat(Files.readAllBytes(live())).isEqualTo(liveBefore);
    }

    @Test
    void aBackupWithoutManifestNeedsForce() throws Exception {
        Backup backup = backupWithOneUserThenAddAnother();
        Files.delete(backup.manifestFile());

        assertThatThrownBy(() -> new RestoreService().restore(backup.file(), live(), false))
                .isInstanceOf(BackupVerificationException.class)
                .hasMessageContaining("no manifest");
        assertThat(OpsTestFiles.count(live(), "SELECT count(*) FROM users")).isEqualTo(2);

        new RestoreService().restore(backup.file(), live(), true);
        assertThat(OpsTestFiles.count(live(), "SELECT count(*) FROM users")).isEqualTo(1);
    }

    @Test
    void aBackupFromANewerSchemaIsRefused() throws Exception {
        try (DialupDatabase db = temp.open()) {
            db.writeVoid(
                    tx -> tx.execute(
                            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                                    + " installed_by, execution_time, success) VALUES (999, '999', 'from the future', 'SQL', 'V999__x.sql', 'test', 0, 1)"));
        }
        Backup future = new BackupService(temp.dir().resolve("backups"), 3).backup(live());
        Path other = temp.dir().resolve("other").resolve("other.db");

        assertThatThrownBy(() -> new RestoreService().restore(future.file(), other, false))
                .isInstanceOf(IncompatibleDatabaseException.class)
                .hasMessageContaining("newer than this library")
                .extracting(e -> ((IncompatibleDatabaseException) e).reason())
                .isEqualTo(IncompatibleDatabaseException.Reason.NEWER_SCHEMA);
        assertThat(other).doesNotExist();
    }

    @Test
    void aDamagedBackupFailsItsIntegrityCheck() throws Exception {
        Backup backup = backupWithOneUserThenAddAnother();
        byte[] bytes = Files.readAllBytes(backup.file());
        // Scribble over every page after the first: the header still says SQLite, the b-trees are garbage.
        for (int i = 4096; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        Files.write(backup.file(), bytes);
        Files.delete(backup.manifestFile());

        assertThatThrownBy(() -> new RestoreService().restore(backup.file(), live(), true))
                .isInstanceOf(BackupVerificationException.class);
        assertThat(OpsTestFiles.count(live(), "SELECT count(*) FROM users")).isEqualTo(2);
    }
}
