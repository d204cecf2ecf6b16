package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.DialupDatabase;
import dev.dialup.deploy.db.ops.SqliteOnly;
import dev.dialup.deploy.db.tenancy.AccessScope;
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
 *       1,000 sites (validation, site check, one write transaction);</li>
 *   <li>{@code rawJdbcBatch} (baseline, same run): the same 1,000 rows as one sqlite-jdbc batch
 *       of a prepared INSERT plus commit, same tables, keys and triggers, same pragmas;</li>
 *   <li>{@code libraryRecordOne}: {@link UsageRepository#record}, one sample per call and
 *       transaction, as a poller would (WAL, {@code synchronous=NORMAL}).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class UsageIngestBenchmark {
    private static final AccessScope SYSTEM = AccessScope.system("bench-monitor");
    private Path dir;
    private DialupDatabase db;
    private UsageRepository usage;
    private Connection raw;
    private PreparedStatement rawInsert;
    private long round;
    private long single;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("bench-usage-ingest");
        Path file = UsageBenchData.copyTo(dir);
        db = DialupDatabase.open(file);
        usage = new UsageRepository(db);
        raw = SqliteOnly.dataSource(file, SqliteOnly.writerConfig(Duration.ofSeconds(10))).getConnection();
        raw.setAutoCommit(false);
        rawInsert = raw.prepareStatement(UsageBenchData.RAW_INSERT);
        round = UsageBenchData.ROUNDS;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        rawInsert.close();
        raw.close();
        db.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private List<UsageSample> nextRound() {
        long ts = UsageBenchData.START.getEpochSecond() + round++ * UsageBenchData.INTERVAL;
        List<UsageSample> batch = new ArrayList<>(UsageBenchData.SITES);
        for (int site = 1; site <= UsageBenchData.SITES; site++) batch.add(UsageBenchData.sample(site, ts));
        return batch;
    }

    @Benchmark
    @OperationsPerInvocation(UsageBenchData.SITES)
    public int libraryBatch() {
        return usage.recordBatch(SYSTEM, nextRound());
    }

    @Benchmark
    @OperationsPerInvocation(UsageBenchData.SITES)
    public int rawJdbcBatch() throws Exception {
        for (UsageSample x : nextRound()) {
            UsageBenchData.bindRaw(rawInsert, x);
            rawInsert.addBatch();
        }
        int n = rawInsert.executeBatch().length;
        raw.commit();
        return n;
    }

    @Benchmark
    public int libraryRecordOne() {
        long n = single++;
        long ts = UsageBenchData.END.getEpochSecond() + 10_000_000L + n / UsageBenchData.SITES * UsageBenchData.INTERVAL;
        return usage.record(SYSTEM, UsageBenchData.sample(n % UsageBenchData.SITES + 1, ts));
    }
}
