package dev.dialup.deploy.db.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.CapturedLog;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MaintenanceTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    @RegisterExtension
    final CapturedLog log = new CapturedLog();

    @Test
    void aFailingTaskIsReportedAndTheOthersStillRun() {
        List<String> ran = new ArrayList<>();
        Maintenance m = Maintenance.builder()
                .task(Maintenance.task("rollup", () -> {
                    ran.add("rollup");
                    return "rolled up 3 days";
                }))
                .task(Maintenance.task("prune", () -> {
                    ran.add("prune");
                    throw new IllegalStateException("disk on fire");
                }))
                .task(Maintenance.task("archive", () -> {
                    ran.add("archive");
                    return "archived 0 logs";
                }))
                .build();

        Maintenance.Report report = m.run();

        assertThat(ran).containsExactly("rollup", "prune", "archive");
        assertThat(report.ok()).isFalse();
        assertThat(report.outcomes())
                .extracting(Maintenance.Outcome::name)
                .containsExactly("rollup", "prune", "archive");
        assertThat(report.outcomes()).extracting(Maintenance.Outcome::ok).containsExactly(true, false, true);
        assertThat(report.failures()).singleElement().satisfies(f -> {
            assertThat(f.error()).isEqualTo("IllegalStateException: disk on fire");
            assertThat(f.summary()).isNull();
        });
        assertThat(log.text())
                .as("the failure is logged")
                .contains("Maintenance task prune failed: IllegalStateException: disk on fire");
        assertThat(report.outcomes().get(0).summary()).isEqualTo("rolled up 3 days");
        assertThat(report.outcomes())
                .allSatisfy(o -> assertThat(o.took().isNegative()).isFalse());
    }

    @Test
    void theStandardRunOptimizesThenWritesABackup() {
        try (DialupDatabase db = temp.open()) {
            BackupService backups = new BackupService(temp.dir().resolve("backups"), 2);
            Maintenance m = Maintenance.standard(db, backups);
            assertThat(m.taskNames()).containsExactly("optimize", "backup");

            Maintenance.Report report = m.run();

            assertThat(report.ok()).as(report.toString()).isTrue();
            assertThat(backups.list()).hasSize(1);
            assertThat(report.outcomes().get(1).summary())
                    .contains(backups.list().get(0).file().toString());
        }
    }
}
