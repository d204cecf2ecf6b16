package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.ops.PlatformMaintenance;
import dev.dialup.deploy.db.usage.RollupResult;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "rollup",
        mixinStandardHelpOptions = true,
        description = {
            "Roll raw resource-usage samples up into site_usage_daily, one UTC day at a time.",
            "Idempotent: re-running a day replaces its rows. Safe while ingest runs (aggregation reads a snapshot).",
            "Default: yesterday (UTC)."
        })
final class RollupCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @Option(names = "--from", paramLabel = "YYYY-MM-DD", description = "First UTC day (default: yesterday).")
    LocalDate from;

    @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "Last UTC day, inclusive (default: --from).")
    LocalDate to;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<RollupResult> results = new ArrayList<>();
        try (DialupDatabase db = options.existingBuilder()
                .migrateOnOpen(false)
                .allowSystemScope()
                .build()) {
            LocalDate first = from != null
                    ? from
                    : LocalDate.ofInstant(db.clock().instant(), ZoneOffset.UTC).minusDays(1);
            LocalDate last = to != null ? to : first;
            if (last.isBefore(first)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--to " + last + " is before --from " + first);
            }
            long days = ChronoUnit.DAYS.between(first, last) + 1;
            UsageRepository usage = new UsageRepository(db);
            ProgressBar bar = ProgressBar.forCommand(spec.commandLine().getErr(), options.json(), "days");
            try {
                for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
                    results.add(usage.rollupDay(PlatformMaintenance.scope(db), day));
                    bar.update("rollup", results.size(), days);
                }
            } finally {
                bar.finish();
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put(
                    "days",
                    results.stream()
                            .map(r -> Map.of(
                                    "day",
                                    r.day().toString(),
                                    "sites",
                                    r.sites(),
                                    "samples",
                                    r.samples(),
                                    "failedSites",
                                    r.failures().stream()
                                            .map(RollupResult.SiteFailure::siteId)
                                            .toList()))
                            .toList());
            out.println(Json.of(json));
        } else {
            for (RollupResult r : results) {
                out.printf("%s  %,6d sites  %,12d samples%n", r.day(), r.sites(), r.samples());
                for (RollupResult.SiteFailure f : r.failures()) {
                    out.printf("    site %d not rolled up: %s%n", f.siteId(), f.reason());
                }
            }
        }
        return DialupCli.EXIT_OK;
    }
}
