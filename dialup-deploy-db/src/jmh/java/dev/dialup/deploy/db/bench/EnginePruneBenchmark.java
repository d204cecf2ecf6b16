package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.usage.PruneResult;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 * Issue 13: prune one day of raw samples while ingest runs — {@link UsageMaintenanceBenchmark}'s approach on
 * every engine: another thread records single samples back to back ({@link UsageRepository#record}, one
 * call and transaction each) and keeps its longest call in the {@value #BEFORE_MILLIS} ms before the prune
 * (after a warm-up of {@value #WARMUP_MILLIS} ms that is not counted) and during it. Target: the longest call during the prune ≤ 2 × the longest before it.
 *
 * <p>One private copy of the 20 M-sample dataset per trial; iteration {@code i} opens the library with the
 * clock {@code 31 + i} days after the dataset's start, so with the default 30-day retention it prunes the
 * dataset's day {@code i} (2,880,000 samples at 1,000 sites) — no copy per iteration. PostgreSQL runs as the
 * runtime role (RLS on: production's setup), system scope. Each iteration prints its line and appends it to
 * {@code target/jmh-prune-stalls.txt} (the JMH score is the prune's own duration).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 3)
@Fork(1)
public class EnginePruneBenchmark {
    /** How long ingest runs alone before the prune starts: the "longest call before" window. */
    static final long BEFORE_MILLIS = 5_000;

    /** Ingest's warm-up before that window, not counted ({@link UsageMaintenanceBenchmark#WARMUP_MILLIS}). */
    static final long WARMUP_MILLIS = UsageMaintenanceBenchmark.WARMUP_MILLIS;

    @Param({EngineTargets.SQLITE, EngineTargets.PG_RLS_ON})
    public String target;

    private Path dir;
    private Path file;
    private String database;
    private int iteration;
    /** Single samples recorded so far (continues across iterations, so no sample repeats). */
    private long ingested;

    private DialupDatabase db;
    private UsageRepository usage;
    private AccessScope system;
    private PruneResult result;
    private long pruneMillis;
    private long maxDuringMicros;
    private long maxBeforeMicros;
    private long ingestedNow;

    @Setup(Level.Trial)
    public void copy() throws Exception {
        if (EngineTargets.postgres(target)) {
            database = PgBenchServer.copyOf(PgUsageData.database(), "bench_prune");
        } else {
            dir = Files.createTempDirectory("bench-engine-prune");
            file = UsageBenchData.copyTo(dir);
        }
    }

    @Setup(Level.Iteration)
    public void open() throws Exception {
        Instant now = UsageBenchData.START.plus(Duration.ofDays(31 + iteration));
        db = EngineTargets.open(target, file, database, now);
        usage = new UsageRepository(db);
        system = db.systemScope("bench-maintenance");
    }

    @TearDown(Level.Iteration)
    public void report() throws Exception {
        String line = String.format(
                "prune [%s, day %d]: %,d samples deleted in %d transactions in %,d ms, longest transaction %d ms;"
                        + " concurrent ingest: %,d single-sample records, longest record() call %.1f ms during the"
                        + " prune, %.1f ms in the %d s before it (ratio %.2f)%n",
                target,
                iteration,
                result.samplesDeleted(),
                result.transactions(),
                pruneMillis,
                result.longestTransactionMillis(),
                ingestedNow,
                maxDuringMicros / 1000.0,
                maxBeforeMicros / 1000.0,
                BEFORE_MILLIS / 1000,
                maxBeforeMicros == 0 ? Double.NaN : (double) maxDuringMicros / maxBeforeMicros);
        System.out.print(System.lineSeparator() + line);
        Files.writeString(
                Path.of("target", "jmh-prune-stalls.txt"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        db.close();
        iteration++;
    }

    @TearDown(Level.Trial)
    public void delete() throws Exception {
        if (database != null) PgBenchServer.drop(database);
        if (dir != null) BenchFiles.deleteRecursively(dir);
    }

    @Benchmark
    public PruneResult pruneOneDayWhileIngesting() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong max = new AtomicLong();
        AtomicLong count = new AtomicLong(ingested);
        java.util.concurrent.atomic.AtomicReference<RuntimeException> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread ingest = new Thread(
                () -> {
                    long n = count.get();
                    try {
                        while (!stop.get()) {
                            long ts = UsageBenchData.END.getEpochSecond()
                                    + n / UsageBenchData.SITES * UsageBenchData.INTERVAL;
                            long t0 = System.nanoTime();
                            usage.record(system, UsageBenchData.sample(n % UsageBenchData.SITES + 1, ts));
                            max.accumulateAndGet((System.nanoTime() - t0) / 1000, Math::max);
                            n++;
                        }
                    } catch (RuntimeException e) {
                        failure.set(e); // a failed ingest call would make the stall figures meaningless
                    } finally {
                        count.set(n);
                    }
                },
                "bench-ingest");
        ingest.start();
        Thread.sleep(WARMUP_MILLIS); // warm-up, not counted
        max.set(0);
        Thread.sleep(BEFORE_MILLIS); // ingest alone: the "before" window
        maxBeforeMicros = max.getAndSet(0);
        try {
            long p0 = System.nanoTime();
            result = usage.prune(system);
            pruneMillis = (System.nanoTime() - p0) / 1_000_000;
        } finally {
            stop.set(true);
            ingest.join();
        }
        if (failure.get() != null) throw new IllegalStateException("the concurrent ingest failed", failure.get());
        maxDuringMicros = max.get();
        ingestedNow = count.get() - ingested;
        ingested = count.get();
        return result;
    }
}
