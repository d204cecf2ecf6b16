package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.audit.AuditLogRepository;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.usage.PruneResult;
import dev.dialup.deploy.db.usage.RollupResult;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The platform's own maintenance tasks, ready for {@link Maintenance}: the usage rollup,
 * the retention policies of the plan (raw usage 30 days, daily aggregates 1 year, audit log
 * 1 year, build logs archived after 90 days — all from {@code system_config}), then the
 * database's upkeep. {@link #nightly} is what a scheduler should run once a day. The tasks run
 * with the database's own system scope ({@link #scope}), so the database must be opened with
 * {@code DialupDatabase.Builder.allowSystemScope()}.
 */
public final class PlatformMaintenance {
    /** The audit label maintenance runs under: {@code system:maintenance}. */
    public static final String COMPONENT = "maintenance";

    private static final int ARCHIVE_BATCH = 200;

    private PlatformMaintenance() {}

    /**
     * The scope maintenance runs under on {@code db}: {@code db.systemScope("maintenance")}.
     *
     * @throws IllegalStateException if {@code db} was opened without {@code allowSystemScope()}
     */
    public static AccessScope scope(DialupDatabase db) {
        return db.systemScope(COMPONENT);
    }

    /**
     * Usage partitions ahead (PostgreSQL only), rollup, retention, log archival, optimize, backup — in that
     * order, each reported on its own.
     */
    public static Maintenance nightly(DialupDatabase db, BackupService backups) {
        Maintenance.Builder nightly = Maintenance.builder().clock(db.clock());
        if (hasUsagePartitions(db)) nightly.task(usagePartitionsTask(db));
        return nightly.task(rollupTask(db))
                .task(usagePruneTask(db))
                .task(auditPruneTask(db))
                .task(logArchiveTask(db))
                .task(Maintenance.optimizeTask(db))
                .task(Maintenance.backupTask(db, backups))
                .build();
    }

    /**
     * PostgreSQL: creates the daily partitions of raw usage samples for today and the next
     * {@value UsageRepository#PARTITION_DAYS_AHEAD} days ({@link UsageRepository#createPartitionsAhead});
     * on SQLite there are none and the task reports so.
     */
    public static MaintenanceTask usagePartitionsTask(DialupDatabase db) {
        return Maintenance.task("usage-partitions", () -> {
            if (!hasUsagePartitions(db)) return "no partitions on this engine";
            int created = new UsageRepository(db).createPartitionsAhead(scope(db));
            return String.format(
                    "%d daily partitions created (today and the next %d days are covered)",
                    created, UsageRepository.PARTITION_DAYS_AHEAD);
        });
    }

    private static boolean hasUsagePartitions(DialupDatabase db) {
        return dev.dialup.deploy.db.engine.registry.Engines.forDialect(
                        db.readDsl().dialect())
                .usagePartitions()
                .isPresent();
    }

    /**
     * Rolls up the last two complete UTC days. Rollup is idempotent, so re-doing the day before
     * yesterday catches late samples and a night the scheduler missed.
     */
    public static MaintenanceTask rollupTask(DialupDatabase db) {
        return Maintenance.task("usage-rollup", () -> {
            UsageRepository usage = new UsageRepository(db);
            LocalDate today = LocalDate.ofInstant(db.clock().instant(), ZoneOffset.UTC);
            StringBuilder summary = new StringBuilder();
            for (LocalDate day = today.minusDays(2); day.isBefore(today); day = day.plusDays(1)) {
                RollupResult r = usage.rollupDay(scope(db), day);
                if (summary.length() > 0) summary.append("; ");
                summary.append(String.format("%s: %,d sites from %,d samples", r.day(), r.sites(), r.samples()));
                if (!r.failures().isEmpty()) {
                    summary.append(String.format(
                            " (%d sites failed, first: site %d: %s)",
                            r.failures().size(),
                            r.failures().get(0).siteId(),
                            r.failures().get(0).reason()));
                }
            }
            return summary.toString();
        });
    }

    public static MaintenanceTask usagePruneTask(DialupDatabase db) {
        return Maintenance.task("usage-retention", () -> {
            PruneResult r = new UsageRepository(db).prune(scope(db));
            return String.format(
                    "%,d samples before %s and %,d daily rows before %s deleted in %,d transactions (longest %d ms)",
                    r.samplesDeleted(),
                    r.rawCutoff(),
                    r.dailyRowsDeleted(),
                    r.dailyCutoff(),
                    r.transactions(),
                    r.longestTransactionMillis());
        });
    }

    public static MaintenanceTask auditPruneTask(DialupDatabase db) {
        return Maintenance.task(
                "audit-retention",
                () -> String.format(
                        "%,d audit rows past retention deleted", new AuditLogRepository(db).prune(scope(db))));
    }

    public static MaintenanceTask logArchiveTask(DialupDatabase db) {
        return Maintenance.task(
                "build-log-archive", () -> String.format("%,d build logs archived", archiveAllOldLogs(db)));
    }

    /** Archives every build log past {@code deployments.log_archive_after_days}, a batch per transaction. */
    public static long archiveAllOldLogs(DialupDatabase db) {
        DeploymentRepository deployments = new DeploymentRepository(db);
        long total = 0;
        int n;
        do {
            n = deployments.archiveOldLogs(scope(db), ARCHIVE_BATCH);
            total += n;
        } while (n == ARCHIVE_BATCH);
        return total;
    }
}
