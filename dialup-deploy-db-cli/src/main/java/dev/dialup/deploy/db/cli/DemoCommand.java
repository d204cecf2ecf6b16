package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.integration.AdminDashboard;
import dev.dialup.deploy.db.integration.AdminDashboardQueries;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Show the platform's data layer at work on a real database: creates demo users, an organization with"
                    + " members, personal and organization sites with limits and a domain, some deployments with build logs,"
                    + " records yesterday's resource usage (30-second samples), rolls it up, and prints the admin dashboard.",
            "Running it again reuses the demo accounts and sites and re-sends the same usage (idempotent)."
        })
final class DemoCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @Mixin
    DialupCli.CreateDirsOption createDirs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ProgressBar bar = ProgressBar.forCommand(spec.commandLine().getErr(), options.json(), "steps");
        DemoData.Result seeded;
        AdminDashboard.SiteStatusCounts status;
        List<AdminDashboard.DeploymentsOnDay> perDay;
        List<AdminDashboard.SiteResourceUse> top;
        List<AdminDashboard.FailedDeployment> failed;
        Map<String, Long> rows;
        DialupDatabase.Builder builder = options.builder().allowSystemScope();
        if (createDirs.create) {
            builder.createDirectories(true);
        }
        try (DialupDatabase db = builder.build()) {
            try {
                seeded = new DemoData(db).seed(bar);
            } finally {
                bar.finish();
            }
            AccessScope admin = db.systemScope("cli:demo");
            AdminDashboard dashboard = new AdminDashboardQueries(db);
            status = dashboard.sitesByStatus(admin);
            perDay = dashboard.deploymentsPerDay(admin, 7);
            top = dashboard.topSitesByResourceUse(admin, 7, AdminDashboard.ResourceMetric.MEMORY, 5);
            failed = dashboard.recentFailedDeployments(admin, 5);
            rows = Json.rowCounts(db.rowCounts());
        }
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("database", options.display());
            json.put("created", seeded.created());
            json.put("usageSamples", seeded.usageSamples());
            json.put("rolledUpDay", seeded.rolledUpDay().toString());
            json.put("activeSites", status.active());
            json.put("inactiveSites", status.inactive());
            json.put("sitesByLatestDeployment", status.byLatestDeployment());
            json.put(
                    "deploymentsPerDay",
                    perDay.stream()
                            .map(d -> Map.of(
                                    "day",
                                    d.day().toString(),
                                    "total",
                                    d.total(),
                                    "succeeded",
                                    d.succeeded(),
                                    "failed",
                                    d.failed()))
                            .toList());
            json.put(
                    "topSitesByMemory",
                    top.stream()
                            .map(t -> Map.of(
                                    "site",
                                    t.siteName(),
                                    "avgMemoryMb",
                                    t.avgMemoryMb(),
                                    "maxMemoryMb",
                                    t.maxMemoryMb(),
                                    "avgCpuPercent",
                                    t.avgCpuPercent()))
                            .toList());
            json.put(
                    "recentFailedDeployments",
                    failed.stream()
                            .map(f -> Map.of("id", f.deploymentId(), "site", f.siteName()))
                            .toList());
            json.put("rowCounts", Json.rowCounts(rows));
            out.println(Json.of(json));
            return DialupCli.EXIT_OK;
        }
        out.printf(
                "Demo data in %s (%s)%n", options.display(), seeded.created() ? "created" : "already present: reused");
        out.printf(
                "Usage: %,d samples for %s recorded (re-sending is harmless) and rolled up%n%n",
                seeded.usageSamples(), seeded.rolledUpDay());
        out.println("== Admin dashboard ==");
        out.printf(
                "Sites: %d active, %d inactive; by latest deployment: %s%n",
                status.active(), status.inactive(), status.byLatestDeployment());
        out.println("Deployments per day (last 7 days):");
        for (var d : perDay) {
            out.printf("  %s  %3d total  %3d ok  %3d failed%n", d.day(), d.total(), d.succeeded(), d.failed());
        }
        out.println("Top sites by memory (daily aggregates, last 7 days):");
        for (var t : top) {
            out.printf(
                    "  %-18s avg %7.1f MB  max %7.1f MB  avg CPU %5.1f %%%n",
                    t.siteName(), t.avgMemoryMb(), t.maxMemoryMb(), t.avgCpuPercent());
        }
        out.println("Recent failed deployments:");
        for (var f : failed) {
            out.printf(
                    "  #%d  %-18s %s%n", f.deploymentId(), f.siteName(), f.commitHash() == null ? "" : f.commitHash());
        }
        out.println("Rows per table:");
        rows.forEach((t, n) -> out.printf("  %-28s %,d%n", t, n));
        return DialupCli.EXIT_OK;
    }
}
