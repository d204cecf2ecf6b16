package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.DialupDatabase;
import dev.dialup.deploy.db.tenancy.AccessScope;
import dev.dialup.deploy.db.usage.PruneResult;
import dev.dialup.deploy.db.usage.RollupResult;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Rollup and retention on private copies of the 20M-sample dataset (single-shot: each is a
 * long batch job, not a hot call).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class UsageMaintenanceBenchmark {
    private static final AccessScope SYSTEM = AccessScope.system("bench-maintenance");

    /** One copy for the whole trial: re-running a day's rollup replaces it (idempotent). */
    @State(Scope.Benchmark)
    public static class RollupState {
        Path dir;
        DialupDatabase db;
        UsageRepository usage;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            dir = Files.createTempDirectory("bench-usage-rollup");
            db = DialupDatabase.builder().path(UsageBenchData.copyTo(dir))
                    .clock(Clock.fixed(UsageBenchData.END, ZoneOffset.UTC)).build();
            usage = new UsageRepository(db);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            db.close();
            BenchFiles.deleteRecursively(dir);
        }
    }

    /** Daily rollup of the dataset's fourth day: 1,000 sites × 2,880 samples. */
    @Benchmark
    public RollupResult rollupDay(RollupState st) {
        return st.usage.rollupDay(SYSTEM, LocalDate.ofInstant(UsageBenchData.START, ZoneOffset.UTC).plusDays(3));
    }

    /**
     * A fresh copy per iteration with the clock 31 days after the dataset's start, so with the
     * default 30-day raw retention exactly its first day (2.88M samples) is past retention.
     */
    @State(Scope.Benchmark)
    public static class PruneState {
        Path dir;
        DialupDatabase db;
        UsageRepository usage;
        PruneResult result;
        long maxStallMicros;
        long ingested;

        @Setup(Level.Iteration)
        public void setUp() throws Exception {
            dir = Files.createTempDirectory("bench-usage-prune");
            db = DialupDatabase.builder().path(UsageBenchData.copyTo(dir))
                    .clock(Clock.fixed(UsageBenchData.START.plus(Duration.ofDays(31)), ZoneOffset.UTC)).build();
            usage = new UsageRepository(db);
        }

        @TearDown(Level.Iteration)
        public void tearDown() throws Exception {
            System.out.printf("%nprune: %,d samples deleted in %d transactions, longest transaction %d ms;"
                            + " concurrent ingest: %,d single-sample records, longest record() call %.1f ms%n",
                    result.samplesDeleted(), result.transactions(), result.longestTransactionMillis(), ingested,
                    maxStallMicros / 1000.0);
            db.close();
            BenchFiles.deleteRecursively(dir);
        }
    }

    /**
     * Prunes one day while another thread records single samples (one {@code record} call per
     * sample, back to back) and keeps the longest call: the ingest stall.
     */
    @Benchmark
    public PruneResult pruneOneDayWhileIngesting(PruneState st) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong max = new AtomicLong();
        AtomicLong count = new AtomicLong();
        Thread ingest = new Thread(() -> {
            long n = 0;
            while (!stop.get()) {
                long ts = UsageBenchData.END.getEpochSecond() + n / UsageBenchData.SITES * UsageBenchData.INTERVAL;
                long t0 = System.nanoTime();
                st.usage.record(SYSTEM, UsageBenchData.sample(n % UsageBenchData.SITES + 1, ts));
                max.accumulateAndGet((System.nanoTime() - t0) / 1000, Math::max);
                n++;
            }
            count.set(n);
        }, "bench-ingest");
        ingest.start();
        Thread.sleep(200); // ingest is running before the prune starts
        try {
            st.result = st.usage.prune(SYSTEM);
        } finally {
            stop.set(true);
            ingest.join();
        }
        st.maxStallMicros = max.get();
        st.ingested = count.get();
        return st.result;
    }
}
