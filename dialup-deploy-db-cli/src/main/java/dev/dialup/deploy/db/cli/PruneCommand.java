package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.audit.AuditLogRepository;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.ops.PlatformMaintenance;
import dev.dialup.deploy.db.usage.PruneResult;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "prune",
        mixinStandardHelpOptions = true,
        description = {
            "Apply the retention policies from system_config: raw usage samples (usage.raw_retention_days, 30),"
                    + " daily aggregates (usage.daily_retention_days, 365), audit rows (audit.retention_days, 365), and archive"
                    + " build logs of deployments finished more than deployments.log_archive_after_days (90) ago.",
            "Deletes in small transactions, so services keep writing meanwhile. Run 'optimize' afterwards to return freed pages.",
            "On PostgreSQL raw samples go by whole UTC days: every daily partition lying wholly before the cutoff is dropped."
        })
final class PruneCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ProgressBar bar = ProgressBar.forCommand(spec.commandLine().getErr(), options.json(), "steps");
        PruneResult usage;
        long audit;
        long archived;
        try (DialupDatabase db = options.existingBuilder()
                .migrateOnOpen(false)
                .allowSystemScope()
                .build()) {
            bar.update("usage", 0, 3);
            usage = new UsageRepository(db).prune(PlatformMaintenance.scope(db));
            bar.update("audit", 1, 3);
            audit = new AuditLogRepository(db).prune(PlatformMaintenance.scope(db));
            bar.update("logs", 2, 3);
            archived = PlatformMaintenance.archiveAllOldLogs(db);
        } finally {
            bar.finish();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("samplesDeleted", usage.samplesDeleted());
            json.put("rawCutoff", usage.rawCutoff().toString());
            json.put("dailyRowsDeleted", usage.dailyRowsDeleted());
            json.put("dailyCutoff", usage.dailyCutoff().toString());
            json.put("longestTransactionMillis", usage.longestTransactionMillis());
            json.put("auditRowsDeleted", audit);
            json.put("buildLogsArchived", archived);
            out.println(Json.of(json));
        } else {
            out.printf(
                    "Usage samples:   %,d deleted (older than %s), longest transaction %d ms%n",
                    usage.samplesDeleted(), usage.rawCutoff(), usage.longestTransactionMillis());
            out.printf(
                    "Daily usage:     %,d rows deleted (before %s)%n", usage.dailyRowsDeleted(), usage.dailyCutoff());
            out.printf("Audit log:       %,d rows deleted%n", audit);
            out.printf("Build logs:      %,d archived%n", archived);
        }
        return DialupCli.EXIT_OK;
    }
}
