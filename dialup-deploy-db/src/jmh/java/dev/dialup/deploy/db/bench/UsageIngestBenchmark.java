package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.usage.UsageRecorder;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ingest into a private copy of the 20M-sample dataset (so the B-tree has its production
 * depth), continuing after the dataset's last round. Scores are samples per second.
 * <ul>
 *   <li>{@code libraryBatch}: {@link UsageRepository#recordBatch} with one 30-s round of all
 *       1,000 sites (validation, one write transaction into {@code usage_recent}, and the move
 *       steps that keep it small — the steady-state cost);</li>
 *   <li>{@code planRawBatch} (the baseline of issue 15, same run): the same 1,000 samples as one
 *       sqlite-jdbc batch of a prepared INSERT plus commit into the plan's literal
 *       {@code site_resource_usage} table (rowid, TEXT time, REAL values, {@code (site_id,
 *       timestamp)} index) on a copy of {@link UsageBenchData#planDataset()}, preloaded to the
 *       same 20,160,000 rows, WAL and {@code synchronous=NORMAL} (the library's writer config);</li>
 *   <li>{@code libraryRecordOne}: {@link UsageRepository#record}, one sample per call and
 *       transaction, as a poller would (WAL, {@code synchronous=NORMAL}: committed to the WAL,
 *       not fsynced; the background checkpoint fsyncs);</li>
 *   <li>{@code planRawRecordOne}: the baseline's one-sample transaction, for comparison;</li>
 *   <li>{@code recorderRecordOne}: one sample per call through a {@link UsageRecorder} (default
 *       settings: batches of up to 1,000, 100 ms, capacity 10,000), created in the trial's set-up:
 *       per invocation {@value #RECORDER_CALLS} single {@link UsageRecorder#record} calls, then
 *       {@link UsageRecorder#flush()}. Conservative: the time includes waiting for the commit of
 *       the last batch, so the score is samples per second <em>committed</em> (to the WAL, as
 *       above), not merely queued. Its durability differs from {@code libraryRecordOne}'s: a
 *       sample is committed within about the flush interval of its call, and a crash loses at
 *       most the recorder's pending samples (docs/usage.md, "Buffered recording").</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class UsageIngestBenchmark {

    /** Rounds continue after the dataset's last one; a batch is {@link UsageBenchData#BATCH} samples, round by round. */
    @State(Scope.Benchmark)
    public static class Rounds {
        /** Next (round, site) of the batches, as round * SITES + site - 1. */
        long next = (long) UsageBenchData.ROUNDS * UsageBenchData.SITES;

        long single;

        List<UsageSample> next() {
            List<UsageSample> batch = new ArrayList<>(UsageBenchData.BATCH);
            for (int i = 0; i < UsageBenchData.BATCH; i++, next++) {
                long ts = UsageBenchData.START.getEpochSecond() + next / UsageBenchData.SITES * UsageBenchData.INTERVAL;
                batch.add(UsageBenchData.sample(next % UsageBenchData.SITES + 1, ts));
            }
            return batch;
        }
    }

    /** The library on its own copy of the dataset (one per benchmark method's trial). */
    @State(Scope.Benchmark)
    public static class Library {
        Path dir;
        DialupDatabase db;
        UsageRepository usage;
        AccessScope system;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            dir = Files.createTempDirectory("bench-usage-ingest");
            db = DialupDatabase.builder()
                    .allowSystemScope()
                    .path(UsageBenchData.copyTo(dir))
                    .build();
            usage = new UsageRepository(db);
            system = db.systemScope("bench-monitor");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            db.close();
            BenchFiles.deleteRecursively(dir);
        }
    }

    /** A recorder with the default settings on the Library state's database, one per trial. */
    @State(Scope.Benchmark)
    public static class Recorder {
        UsageRecorder recorder;

        @Setup(Level.Trial)
        public void setUp(Library lib) {
            recorder = lib.usage.recorder(lib.system);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            recorder.close();
        }
    }

    /** Raw sqlite-jdbc into the plan's table on its own copy of the plan-layout file, with the library's writer pragmas. */
    @State(Scope.Benchmark)
    public static class Plan {
        Path dir;
        Connection raw;
        PreparedStatement insert;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            dir = Files.createTempDirectory("bench-usage-plan");
            raw = SqliteOnly.dataSource(UsageBenchData.copyPlanTo(dir), SqliteOnly.writerConfig(Duration.ofSeconds(10)))
                    .getConnection();
            raw.setAutoCommit(false);
            insert = raw.prepareStatement(UsageBenchData.PLAN_INSERT);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            insert.close();
            raw.close();
            BenchFiles.deleteRecursively(dir);
        }
    }

    @Benchmark
    @OperationsPerInvocation(UsageBenchData.BATCH)
    public int libraryBatch(Library lib, Rounds rounds) {
        return lib.usage.recordBatch(lib.system, rounds.next());
    }

    @Benchmark
    @OperationsPerInvocation(UsageBenchData.BATCH)
    public int planRawBatch(Plan plan, Rounds rounds) throws Exception {
        for (UsageSample x : rounds.next()) {
            UsageBenchData.bindPlan(plan.insert, x);
            plan.insert.addBatch();
        }
        int n = plan.insert.executeBatch().length;
        plan.raw.commit();
        return n;
    }

    @Benchmark
    public int planRawRecordOne(Plan plan, Rounds rounds) throws Exception {
        long n = rounds.single++;
        long ts = UsageBenchData.END.getEpochSecond() + n / UsageBenchData.SITES * UsageBenchData.INTERVAL;
        UsageBenchData.bindPlan(plan.insert, UsageBenchData.sample(n % UsageBenchData.SITES + 1, ts));
        int count = plan.insert.executeUpdate();
        plan.raw.commit();
        return count;
    }

    @Benchmark
    public int libraryRecordOne(Library lib, Rounds rounds) {
        long n = rounds.single++;
        long ts = UsageBenchData.END.getEpochSecond() + n / UsageBenchData.SITES * UsageBenchData.INTERVAL;
        return lib.usage.record(lib.system, UsageBenchData.sample(n % UsageBenchData.SITES + 1, ts));
    }

    /** Single {@code record} calls per invocation of {@code recorderRecordOne}. */
    static final int RECORDER_CALLS = 1_000;

    @Benchmark
    @OperationsPerInvocation(RECORDER_CALLS)
    public long recorderRecordOne(Recorder rec, Rounds rounds) {
        for (int i = 0; i < RECORDER_CALLS; i++) {
            long n = rounds.single++;
            long ts = UsageBenchData.END.getEpochSecond() + n / UsageBenchData.SITES * UsageBenchData.INTERVAL;
            rec.recorder.record(UsageBenchData.sample(n % UsageBenchData.SITES + 1, ts));
        }
        rec.recorder.flush(); // every sample of this invocation committed (or rejected)
        return rec.recorder.recorded();
    }
}
