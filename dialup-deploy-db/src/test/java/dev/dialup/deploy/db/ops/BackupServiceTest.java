package dev.dialup.deploy.db.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.Progress;
import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.BackupManifest;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.FileOps;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class BackupServiceTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    @Test
    void backupIsAVerifiedCopyWithAManifestOfVersionCountsAndChecksum() throws Exception {
        Path backups = temp.dir().resolve("backups");
        Backup backup;
        try (DialupDatabase db = temp.open()) {
            Fixtures f = new Fixtures(db);
            f.personalSite("Blog", f.user("ada"));
            backup = new BackupService(backups, 3).backup(db);
        }
        assertThat(backup.file()).exists().hasParent(backups);
        assertThat(backup.file().getFileName().toString()).matches("test-\\d{8}T\\d{9}Z\\.db");
        assertThat(Files.readString(backup.manifestFile())).contains("\"sha256\"");
        BackupManifest m = BackupManifest.read(backup.manifestFile());
        assertThat(m).isEqualTo(backup.manifest());
        assertThat(m.schemaVersion())
                .isEqualTo(DialupDatabase.statusOf(temp.file()).latestVersion());
        assertThat(m.rowCounts())
                .containsEntry("users", 1L)
                .containsEntry("sites", 1L)
                .containsEntry("site_resource_limits", 1L);
        assertThat(m.sha256()).isEqualTo(FileOps.sha256(backup.file(), Progress.NONE, "test"));
        assertThat(m.bytes()).isEqualTo(Files.size(backup.file()));
        assertThat(m.kind()).isEqualTo(BackupService.KIND_BACKUP);
        assertThat(OpsTestFiles.integrity(backup.file())).containsExactly("ok");
        try (Stream<Path> files = Files.list(backups)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void backupOfAClosedFileLeavesTheFileUnchanged() throws Exception {
        Path db = temp.file();
        try (DialupDatabase open = temp.open()) {
            new Fixtures(open).user("ada");
        }
        byte[] before = Files.readAllBytes(db);
        Backup backup = new BackupService(temp.dir().resolve("b"), 2).backup(db);
        assertThat(Files.readAllBytes(db)).isEqualTo(before);
        assertThat(backup.manifest().rowCounts()).containsEntry("users", 1L);
    }

    @Test
    void onlyTheNewestBackupsAreKeptWithTheirManifests() throws Exception {
        Path backups = temp.dir().resolve("backups");
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        BackupService service = new BackupService(backups, 2).withClock(clock);
        List<Backup> taken = new ArrayList<>();
        try (DialupDatabase db = temp.open()) {
            for (int i = 0; i < 4; i++) {
                taken.add(service.backup(db));
                clock.now = clock.now.plusSeconds(3600);
            }
        }
        assertThat(service.list())
                .extracting(Backup::file)
                .containsExactly(taken.get(3).file(), taken.get(2).file());
        assertThat(taken.get(0).file()).doesNotExist();
        assertThat(taken.get(0).manifestFile()).doesNotExist();
        assertThat(taken.get(1).file()).doesNotExist();
        try (Stream<Path> files = Files.list(backups)) {
            assertThat(files).hasSize(4); // two backups, two manifests
        }
    }

    @Test
    void backupsTakenInTheSameMillisecondGetDistinctNames() {
        Clock fixed = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        BackupService service = new BackupService(temp.dir().resolve("backups"), 5).withClock(fixed);
        try (DialupDatabase db = temp.open()) {
            Backup a = service.backup(db);
            Backup b = service.backup(db);
            assertThat(a.file()).isNotEqualTo(b.file());
            assertThat(service.list()).hasSize(2);
        }
    }

    /**
     * Load test: a writer commits sequence numbers 1, 2, 3... in separate transactions while a
     * backup runs. The restored backup passes both checks and holds exactly 1..k, with the
     * counter row written in the same transactions equal to k: a consistent prefix.
     */
    @Test
    void backupTakenDuringConcurrentWritesRestoresToAConsistentPrefix() throws Exception {
        Path backups = temp.dir().resolve("backups");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger committed = new AtomicInteger();
        Backup backup;
        try (DialupDatabase db = temp.open()) {
            Fixtures f = new Fixtures(db);
            long site = f.personalSite("Load", f.user("ada"));
            db.writeVoid(tx -> tx.execute("INSERT INTO system_config(key, value) VALUES ('test.seq', '0')"));
            Thread writer = Thread.ofPlatform().start(() -> {
                int seq = 0;
                while (!stop.get()) {
                    int next = ++seq;
                    db.writeVoid(tx -> {
                        OpsTestFiles.insertUsage(db, site, next);
                        tx.execute("UPDATE system_config SET value = ? WHERE key = 'test.seq'", String.valueOf(next));
                    });
                    committed.set(next);
                }
            });
            while (committed.get() < 300) {
                Thread.sleep(5);
            }
            backup = new BackupService(backups, 3).backup(db);
            int atBackupEnd = committed.get();
            while (committed.get() < atBackupEnd + 200) {
                Thread.sleep(5);
            }
            stop.set(true);
            writer.join();
        }
        Path restored = temp.dir().resolve("restored").resolve("restored.db");
        new RestoreService().restore(backup.file(), restored, false);

        assertThat(OpsTestFiles.integrity(restored)).containsExactly("ok");
        assertThat(OpsTestFiles.foreignKeyViolations(restored)).isEmpty();
        long rows = OpsTestFiles.count(restored, "SELECT count(*) FROM site_resource_usage");
        long distinct = OpsTestFiles.count(restored, "SELECT count(DISTINCT active_requests) FROM site_resource_usage");
        long max = OpsTestFiles.count(restored, "SELECT max(active_requests) FROM site_resource_usage");
        long min = OpsTestFiles.count(restored, "SELECT min(active_requests) FROM site_resource_usage");
        long counter =
                OpsTestFiles.count(restored, "SELECT CAST(value AS INTEGER) FROM system_config WHERE key = 'test.seq'");
        assertThat(rows).isGreaterThanOrEqualTo(300).isLessThan(committed.get());
        assertThat(min).isEqualTo(1);
        assertThat(distinct).isEqualTo(rows);
        assertThat(max).isEqualTo(rows);
        assertThat(counter).isEqualTo(rows);
        // Samples live in usage_recent until moved into the usage_samples history (V60): together they are the view.
        assertThat(backup.manifest().rowCounts().get("usage_samples")
                        + backup.manifest().rowCounts().get("usage_recent"))
                .isEqualTo(rows);
    }

    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
