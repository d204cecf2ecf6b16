package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
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

    /** One copy for the whole trial: re-running a day's rollup replaces it (idempotent). */
    @State(Scope.Benchmark)
    public static class RollupState {
        Path dir;
        DialupDatabase db;
        UsageRepository usage;
        AccessScope system;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            dir = Files.createTempDirectory("bench-usage-rollup");
            db = DialupDatabase.builder()
                    .allowSystemScope()
                    .path(UsageBenchData.copyTo(dir))
                    .clock(Clock.fixed(UsageBenchData.END, ZoneOffset.UTC))
                    .build();
            usage = new UsageRepository(db);
            system = db.systemScope("bench-maintenance");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            db.close();
            BenchFiles.deleteRecursively(dir);
        }
    }

    /** Daily rollup of the dataset's fourth day (its last on a smaller dataset): 1,000 sites × 2,880 samples. */
    @Benchmark
    public RollupResult rollupDay(RollupState st) {
        return st.usage.rollupDay(
                st.system,
                LocalDate.ofInstant(UsageBenchData.START, ZoneOffset.UTC)
                        .plusDays(Math.min(3, UsageBenchData.DAYS - 1)));
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
        AccessScope system;
        PruneResult result;
        long pruneMillis;
        long maxStallMicros;
        long maxBeforeMicros;
        long ingested;

        @Setup(Level.Iteration)
        public void setUp() throws Exception {
            dir = Files.createTempDirectory("bench-usage-prune");
            db = DialupDatabase.builder()
                    .allowSystemScope()
                    .path(UsageBenchData.copyTo(dir))
                    .clock(Clock.fixed(UsageBenchData.START.plus(Duration.ofDays(31)), ZoneOffset.UTC))
                    .build();
            usage = new UsageRepository(db);
            system = db.systemScope("bench-maintenance");
        }

        @TearDown(Level.Iteration)
        public void tearDown() throws Exception {
            String line = String.format(
                    "prune: %,d samples deleted in %d transactions in %,d ms, longest transaction %d ms;"
                            + " concurrent ingest: %,d single-sample records, longest record() call %.1f ms during the prune,"
                            + " %.1f ms in the %d s before it%n",
                    result.samplesDeleted(),
                    result.transactions(),
                    pruneMillis,
                    result.longestTransactionMillis(),
                    ingested,
                    maxStallMicros / 1000.0,
                    maxBeforeMicros / 1000.0,
                    BEFORE_MILLIS / 1000);
            System.out.print(System.lineSeparator() + line);
            java.nio.file.Files.writeString(
                    java.nio.file.Path.of("target", "jmh-prune-stalls.txt"),
                    line,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            db.close();
            BenchFiles.deleteRecursively(dir);
        }
    }

    /** How long ingest runs alone before the prune starts: the "longest call before" window. */
    static final long BEFORE_MILLIS = 5_000;

    /**
     * Ingest's warm-up before that window, not counted: the first calls on a freshly opened copy prepare
     * statements, fill the page cache and run cold code (their 400–550 ms would otherwise be the "before").
     */
    static final long WARMUP_MILLIS = 5_000;

    /**
     * Prunes one day while another thread records single samples (one {@code record} call per
     * sample, back to back) and keeps the longest call: the ingest stall. The same thread's
     * longest call in the {@value #BEFORE_MILLIS} ms before the prune (after a
     * {@value #WARMUP_MILLIS} ms warm-up that is not counted) is the comparison.
     */
    @Benchmark
    public PruneResult pruneOneDayWhileIngesting(PruneState st) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong max = new AtomicLong();
        AtomicLong count = new AtomicLong();
        Thread ingest = new Thread(
                () -> {
                    long n = 0;
                    while (!stop.get()) {
                        long ts = UsageBenchData.END.getEpochSecond()
                                + n / UsageBenchData.SITES * UsageBenchData.INTERVAL;
                        long t0 = System.nanoTime();
                        st.usage.record(st.system, UsageBenchData.sample(n % UsageBenchData.SITES + 1, ts));
                        max.accumulateAndGet((System.nanoTime() - t0) / 1000, Math::max);
                        n++;
                    }
                    count.set(n);
                },
                "bench-ingest");
        ingest.start();
        Thread.sleep(WARMUP_MILLIS); // warm-up, not counted
        max.set(0);
        Thread.sleep(BEFORE_MILLIS); // ingest alone: the "before" window
        st.maxBeforeMicros = max.getAndSet(0);
        try {
            long p0 = System.nanoTime();
            st.result = st.usage.prune(st.system);
            st.pruneMillis = (System.nanoTime() - p0) / 1_000_000;
        } finally {
            stop.set(true);
            ingest.join();
        }
        st.maxStallMicros = max.get();
        st.ingested = count.get();
        return st.result;
    }
}
