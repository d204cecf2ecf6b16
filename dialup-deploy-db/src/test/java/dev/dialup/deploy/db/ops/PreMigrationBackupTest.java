package dev.dialup.deploy.db.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreMigrationBackupTest {
    @TempDir
    Path dir;

    @Test
    void openingALegacyDatabaseFirstBacksUpTheUntouchedLegacyFile() throws Exception {
        Path file = OpsTestFiles.legacyFile(dir.resolve("dialup-deploy.db"), 5);
        byte[] legacyBytes = Files.readAllBytes(file);

        try (DialupDatabase db = DialupDatabase.open(file)) {
            assertThat(db.rowCounts()).containsEntry("processes", 5L);
        }

        List<Backup> backups = BackupService.besideDatabase(file).list();
        assertThat(backups).hasSize(1);
        Backup pre = backups.get(0);
        assertThat(pre.file()).hasParent(dir.resolve("backups"));
        assertThat(pre.file().getFileName().toString()).endsWith("-pre-migration.db");
        assertThat(pre.manifest().kind()).isEqualTo(BackupService.KIND_PRE_MIGRATION);
        assertThat(pre.manifest().schemaVersion()).isEqualTo("1");
        assertThat(pre.manifest().rowCounts()).containsOnlyKeys("processes").containsEntry("processes", 5L);
        // The legacy file itself: same content (VACUUM INTO rewrites pages, so compare rows, not bytes).
        Path copyOfOriginal = Files.write(dir.resolve("original.db"), legacyBytes);
        assertThat(OpsTestFiles.count(
                        pre.file(), "SELECT count(*) FROM sqlite_master WHERE name = 'flyway_schema_history'"))
                .isZero();
        assertThat(OpsTestFiles.count(pre.file(), "SELECT total(port) + total(startTime) FROM processes"))
                .isEqualTo(OpsTestFiles.count(copyOfOriginal, "SELECT total(port) + total(startTime) FROM processes"));
    }

    @Test
    void rollingBackAMigrationIsRestoringItsPreMigrationBackup() throws Exception {
        Path file = OpsTestFiles.legacyFile(dir.resolve("dialup-deploy.db"), 3);
        try (DialupDatabase db = DialupDatabase.open(file)) {
            assertThat(db.statusAtOpen().upToDate()).isTrue();
        }
        Backup pre = BackupService.besideDatabase(file).list().get(0);

        new RestoreService().restore(pre.file(), file, false);

        assertThat(Verifier.verify(file).schemaState()).isEqualTo(Verifier.SchemaState.LEGACY);
        assertThat(OpsTestFiles.count(file, "SELECT count(*) FROM processes")).isEqualTo(3);
    }

    @Test
    void openingAnUpToDateOrNewDatabaseTakesNoBackup() {
        Path file = dir.resolve("fresh.db");
        try (DialupDatabase db = DialupDatabase.open(file)) {
            assertThat(db.statusAtOpen().upToDate()).isTrue();
        }
        try (DialupDatabase db = DialupDatabase.open(file)) {
            assertThat(db.statusAtOpen().upToDate()).isTrue();
        }
        assertThat(dir.resolve("backups")).doesNotExist();
    }

    @Test
    void thePreMigrationBackupCanBeRedirectedOrTurnedOff() throws Exception {
        Path legacyA = OpsTestFiles.legacyFile(dir.resolve("a.db"), 2);
        Path legacyB = OpsTestFiles.legacyFile(dir.resolve("b.db"), 2);
        Path elsewhere = dir.resolve("elsewhere");

        try (DialupDatabase db = DialupDatabase.builder()
                .path(legacyA)
                .beforeMigrate(BackupService.preMigrationHook(elsewhere, 2))
                .build()) {
            assertThat(db.rowCounts()).containsEntry("processes", 2L);
        }
        try (DialupDatabase db =
                DialupDatabase.builder().path(legacyB).beforeMigrate(null).build()) {
            assertThat(db.rowCounts()).containsEntry("processes", 2L);
        }

        assertThat(new BackupService(elsewhere, 2).list())
                .singleElement()
                .satisfies(b -> assertThat(b.file().getFileName().toString()).startsWith("a-"));
        assertThat(dir.resolve("backups")).doesNotExist();
    }
}
