package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.integration.AdminDashboard;
import dev.dialup.deploy.db.integration.AdminDashboardQueries;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 13: the admin panel's four dashboard aggregates ({@link AdminDashboardBenchmark}'s calls and dataset
 * shape: 1,000 sites, 100,000 deployments, 90 days of daily usage — {@link EngineTargets#seedAdmin}) on every
 * engine target, system scope. Target: each ≤ 20 ms (median).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class EngineAdminBenchmark {
    @Param({EngineTargets.SQLITE, EngineTargets.PG_RLS_ON, EngineTargets.PG_RLS_OFF})
    public String target;

    private DialupDatabase db;
    private AdminDashboard dashboard;
    private AccessScope admin;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        db = EngineTargets.openAdmin(target);
        dashboard = new AdminDashboardQueries(db);
        admin = db.systemScope("bench");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        db.close();
    }

    @Benchmark
    public Object sitesByStatus() {
        return dashboard.sitesByStatus(admin);
    }

    @Benchmark
    public Object deploymentsPerDay() {
        return dashboard.deploymentsPerDay(admin, 30);
    }

    @Benchmark
    public Object topSitesByResourceUse() {
        return dashboard.topSitesByResourceUse(admin, 30, AdminDashboard.ResourceMetric.MEMORY, 10);
    }

    @Benchmark
    public Object recentFailedDeployments() {
        return dashboard.recentFailedDeployments(admin, 20);
    }
}
