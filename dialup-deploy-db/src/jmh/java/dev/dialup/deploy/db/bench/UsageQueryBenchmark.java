package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Read paths over the cached 20M-sample dataset, opened in place (these calls only read), with
 * the clock at the end of the dataset. Sites rotate per call so one hot site is not measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class UsageQueryBenchmark {
    private DialupDatabase db;
    private UsageRepository usage;
    private List<Long> allIds;
    private AccessScope system;
    private long n;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        db = DialupDatabase.builder()
                .allowSystemScope()
                .path(UsageBenchData.dataset())
                .clock(Clock.fixed(UsageBenchData.END, ZoneOffset.UTC))
                .build();
        usage = new UsageRepository(db);
        system = db.systemScope("bench-dashboard");
        allIds = LongStream.rangeClosed(1, UsageBenchData.SITES).boxed().toList();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        db.close();
    }

    private long nextSite() {
        return n++ % UsageBenchData.SITES + 1;
    }

    @Benchmark
    public Object latestForVisibleSitesSystem() {
        return usage.latestForVisibleSites(system);
    }

    @Benchmark
    public Object latest1000Ids() {
        return usage.latest(system, allIds);
    }

    @Benchmark
    public Object series24h() {
        Instant to = UsageBenchData.END;
        return usage.series(system, nextSite(), to.minus(Duration.ofDays(1)), to);
    }

    @Benchmark
    public Object seriesBuckets7d500() {
        return usage.seriesBuckets(system, nextSite(), UsageBenchData.START, UsageBenchData.END, 500);
    }

    @Benchmark
    public Object sitesOverLimit5min() {
        return usage.sitesOverLimit(system, Duration.ofMinutes(5));
    }
}
