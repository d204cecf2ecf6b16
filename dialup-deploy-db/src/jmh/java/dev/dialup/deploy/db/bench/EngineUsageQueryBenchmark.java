package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.time.Duration;
import java.time.Instant;
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
 * Issue 13: the usage read paths of {@link UsageQueryBenchmark} on every engine target
 * ({@link EngineTargets}: SQLite, PostgreSQL with RLS on, PostgreSQL with RLS off), over the same 20 M-sample
 * dataset opened in place (these calls only read), clock at the end of the dataset, system scope (as the
 * SQLite suite). Sites rotate per call. Targets: latest for all 1,000 sites ≤ 5 ms, 24-hour series ≤ 5 ms,
 * 7 days in 500 buckets ≤ 50 ms, sites over limit ≤ 10 ms (medians).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class EngineUsageQueryBenchmark {
    @Param({EngineTargets.SQLITE, EngineTargets.PG_RLS_ON, EngineTargets.PG_RLS_OFF})
    public String target;

    private DialupDatabase db;
    private UsageRepository usage;
    private AccessScope system;
    private long n;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        db = EngineTargets.openUsage(target);
        usage = new UsageRepository(db);
        system = db.systemScope("bench-dashboard");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        db.close();
    }

    private long nextSite() {
        return n++ % UsageBenchData.SITES + 1;
    }

    /** Latest sample of every site the (system) scope sees: all 1,000. */
    @Benchmark
    public Object latestForVisibleSites() {
        return usage.latestForVisibleSites(system);
    }

    /** One site's last 24 hours: 2,880 samples. */
    @Benchmark
    public Object series24h() {
        Instant to = UsageBenchData.END;
        return usage.series(system, nextSite(), to.minus(Duration.ofDays(1)), to);
    }

    /** One site's whole dataset (7 days) in 500 buckets. */
    @Benchmark
    public Object seriesBuckets7d500() {
        return usage.seriesBuckets(system, nextSite(), UsageBenchData.START, UsageBenchData.END, 500);
    }

    /** Every site over a limit, 5-minute window (the enforcement loop's query). */
    @Benchmark
    public Object sitesOverLimit5min() {
        return usage.sitesOverLimit(system, Duration.ofMinutes(5));
    }
}
