package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.sites.Site;
import dev.dialup.deploy.db.sites.SiteFilter;
import dev.dialup.deploy.db.sites.SiteRepository;
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
 * Issue 13: a page of 50 visible sites for a user scope ({@link VisibleSitesBenchmark}'s {@code library}
 * call and dataset: 1,000 organizations × 10 sites, the user in 50 of them, 505 visible) on every engine
 * target. Target: ≤ 1 ms (median).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class EngineVisibleSitesBenchmark {
    @Param({EngineTargets.SQLITE, EngineTargets.PG_RLS_ON, EngineTargets.PG_RLS_OFF})
    public String target;

    private DialupDatabase db;
    private SiteRepository sites;
    private AccessScope scope;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        db = EngineTargets.openTenancy(target);
        sites = new SiteRepository(db);
        scope = new AccessScopes(db).forUser(EngineTargets.tenancyUser(target, db));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        db.close();
    }

    /** One page of 50 of the user's 505 visible sites, with a scope the service already holds. */
    @Benchmark
    public Page<Site> page50() {
        return sites.list(scope, SiteFilter.ALL, null, 50);
    }
}
