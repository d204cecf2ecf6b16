package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.usage.UsageSample;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Issue 13, beside {@link EngineUsageIngestBenchmark}: the same batched ingest from <b>two writers at once</b>, each
 * for its own half of the 1,000 sites (two collectors, each reporting the sites of its own hosts), so the writers
 * never touch the same rows. A batch is still {@value UsageBenchData#BATCH} samples: two consecutive 30-s rounds of
 * the writer's 500 sites. Scores are samples per second summed over both threads. With {@code -t 1} the same
 * batches from one writer (the first group's sites): the batch shape alone, without the second writer.
 * <ul>
 *   <li>{@code libraryBatch}: {@code UsageRepository.recordBatch} through one shared {@code DialupDatabase} per
 *       target (SQLite queues its writers behind its one writer; PostgreSQL runs them in parallel);</li>
 *   <li>{@code postgresqlRawCopyIntoSameTables}: {@link EngineUsageIngestBenchmark}'s raw baseline, one superuser
 *       connection per thread, on one shared copy of the dataset.</li>
 * </ul>
 * Not a target of the issue by itself: it shows what a second writer adds on this two-core machine, where one
 * writer leaves a core idle while it waits for the server's flush at commit and for each round trip.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
@Threads(2)
public class EngineConcurrentIngestBenchmark {

    /**
     * One writer's batches: the sites of its group (site ≡ group mod {@code siteGroups}; thread i writes group i),
     * round after round. With 2 groups a 1,000-sample batch holds two rounds of 500 sites, so it updates 500 latest
     * and 500 day-total rows instead of 1,000: run with {@code -t 1} for one writer with that same batch shape.
     */
    @State(Scope.Thread)
    public static class HalfRounds {
        @Param({"2"})
        public int siteGroups;

        long[] sites;
        long round = UsageBenchData.ROUNDS;

        @Setup(Level.Trial)
        public void setUp(ThreadParams thread) {
            if (thread.getThreadCount() > siteGroups) {
                throw new IllegalStateException("more threads than site groups: two writers would share rows");
            }
            List<Long> mine = new ArrayList<>();
            for (long s = 1; s <= UsageBenchData.SITES; s++) {
                if ((s - 1) % siteGroups == thread.getThreadIndex()) mine.add(s);
            }
            sites = mine.stream().mapToLong(Long::longValue).toArray();
        }

        List<UsageSample> next() {
            List<UsageSample> batch = new ArrayList<>(UsageBenchData.BATCH);
            while (batch.size() < UsageBenchData.BATCH) {
                long ts = UsageBenchData.START.getEpochSecond() + round * UsageBenchData.INTERVAL;
                for (int i = 0; i < sites.length && batch.size() < UsageBenchData.BATCH; i++) {
                    batch.add(UsageBenchData.sample(sites[i], ts));
                }
                round++;
            }
            return batch;
        }
    }

    /** Raw pgjdbc: one shared copy of the dataset. */
    @State(Scope.Benchmark)
    public static class RawDatabase {
        String database;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            database = PgBenchServer.copyOf(PgUsageData.database(), "bench_ingest2_raw_same");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            PgBenchServer.drop(database);
        }
    }

    /** Raw pgjdbc: each thread's own superuser connection and statements. */
    @State(Scope.Thread)
    public static class RawConnection {
        RawSameTablesWriter writer;

        @Setup(Level.Trial)
        public void setUp(RawDatabase db) throws Exception {
            writer = new RawSameTablesWriter(db.database);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            writer.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(UsageBenchData.BATCH)
    public int libraryBatch(EngineUsageIngestBenchmark.Library lib, HalfRounds rounds) {
        return lib.usage.recordBatch(lib.system, rounds.next());
    }

    @Benchmark
    @OperationsPerInvocation(UsageBenchData.BATCH)
    public long postgresqlRawCopyIntoSameTables(RawConnection raw, HalfRounds rounds) throws Exception {
        return raw.writer.write(rounds.next());
    }
}
