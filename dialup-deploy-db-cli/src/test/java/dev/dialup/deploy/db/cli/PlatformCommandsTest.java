package dev.dialup.deploy.db.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.ops.PlatformMaintenance;
import dev.dialup.deploy.db.testing.DbSnapshot;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlatformCommandsTest {
    @TempDir
    Path dir;

    private static CliRun cli(String... args) {
        return CliRun.of(args);
    }

    @Test
    void demoSeedsTheWorldRollsUpADayAndPrintsTheDashboardAndASecondRunChangesNothing() {
        Path file = dir.resolve("data/dialup-deploy.db");
        CliRun first = cli("demo", "--db", file.toString(), "--create-dirs");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out())
                .contains("(created)")
                .contains("14,400 samples")
                .contains("== Admin dashboard ==")
                .contains("demo-acme-shop")
                .contains("Recent failed deployments");
        java.util.Map<String, java.util.List<String>> after;
        try (DialupDatabase db = DialupDatabase.open(file)) {
            var rows = db.rowCounts();
            assertThat(rows)
                    .containsEntry("users", 4L)
                    .containsEntry("sites", 5L)
                    .containsEntry("deployments", 15L)
                    .containsEntry("site_usage_daily", 5L);
            // recent rows and the history together (V60 moves them between the two)
            assertThat(rows.get("usage_samples") + rows.get("usage_recent")).isEqualTo(14_400L);
            after = DbSnapshot.of(db);
        }
        CliRun second = cli("demo", "--db", file.toString(), "--json");
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.out()).contains("\"created\":false");
        try (DialupDatabase db = DialupDatabase.open(file)) {
            var again = DbSnapshot.of(db);
            for (String table : after.keySet()) {
                // SQLite's AUTOINCREMENT counter advances on an upsert that updates; no row changes.
                if (table.equals("sqlite_sequence")) continue;
                assertThat(again.get(table))
                        .as("re-sent usage and re-run rollup are idempotent: " + table)
                        .isEqualTo(after.get(table));
            }
        }
    }

    @Test
    void rollupAndPruneRunOnTheDemoDatabaseAndReportInJson() {
        Path file = dir.resolve("dialup.db");
        assertThat(cli("demo", "--db", file.toString()).exit()).isZero();
        String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
        CliRun rollup = cli("rollup", "--db", file.toString(), "--from", yesterday, "--json");
        assertThat(rollup.exit()).as(rollup.err()).isZero();
        assertThat(rollup.out()).contains("\"samples\":14400").contains("\"sites\":5");
        CliRun prune = cli("prune", "--db", file.toString(), "--json");
        assertThat(prune.exit()).as(prune.err()).isZero();
        assertThat(prune.out()).contains("\"samplesDeleted\":0").contains("\"auditRowsDeleted\":0");
        CliRun bad = cli("rollup", "--db", file.toString(), "--from", "2026-01-05", "--to", "2026-01-01");
        assertThat(bad.exit()).isEqualTo(DialupCli.EXIT_USAGE);
    }

    @Test
    void theNightlyMaintenanceRunsEveryTaskAndReportsEach() {
        Path file = dir.resolve("dialup.db");
        assertThat(cli("demo", "--db", file.toString()).exit()).isZero();
        try (DialupDatabase db =
                DialupDatabase.builder().path(file).allowSystemScope().build()) {
            var report = PlatformMaintenance.nightly(db, BackupService.besideDatabase(file))
                    .run();
            assertThat(report.outcomes())
                    .extracting(o -> o.name())
                    .containsExactly(
                            "usage-rollup",
                            "usage-retention",
                            "audit-retention",
                            "build-log-archive",
                            "optimize",
                            "backup");
            assertThat(report.failures()).isEmpty();
            assertThat(report.outcomes().get(0).summary()).contains("14,400 samples");
        }
    }
}
