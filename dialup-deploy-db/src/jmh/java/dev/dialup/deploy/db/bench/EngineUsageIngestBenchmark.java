package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
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
import org.openjdk.jmh.annotations.Warmup;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Issue 13: batched ingest through the library on every engine target against a raw pgjdbc {@code COPY} of
 * the same rows, on private copies of the 20 M-sample dataset (the library and the baseline never share a
 * database), continuing after the dataset's last round. Scores are samples per second; every call is
 * {@value UsageBenchData#BATCH} samples (one 30-s round of 1,000 sites) in one transaction.
 * <ul>
 *   <li>{@code libraryBatch}: {@link UsageRepository#recordBatch}, system scope, per target (SQLite; PostgreSQL
 *       as the runtime role — RLS on; PostgreSQL as the superuser — RLS off). Everything the call does is
 *       counted: validation, the insert, the latest/day-total maintenance and the move steps it runs.</li>
 *   <li>{@code postgresqlRawCopy} (the baseline, same run): the same 1,000 samples formatted as {@code COPY}
 *       text and sent with pgjdbc's {@link CopyManager} into the table the library's ingest writes new samples
 *       to ({@code usage_recent} while it exists, else {@code usage_samples}; {@code -Ddialup.bench.pg.copyTable}
 *       overrides), then {@code COMMIT}; its triggers fire as for the library. It connects as the superuser:
 *       {@code COPY FROM} is refused for a role that row-level security applies to. It writes one of the three
 *       tables the library writes: the floor of any ingest that keeps the aggregates.</li>
 *   <li>{@code postgresqlRawCopyIntoSameTables} (the baseline of the target, same run): raw pgjdbc writing the
 *       same rows into the same three tables in one transaction — the samples by {@code COPY}, then
 *       {@code usage_latest} and {@code usage_day_totals} by two {@code INSERT … SELECT FROM unnest(…) ON CONFLICT
 *       DO UPDATE} statements (the fastest raw form: {@code COPY} cannot upsert) — as the superuser. No
 *       validation, no duplicate handling, no row-level security: what the library adds to that is its
 *       overhead (docs/DECISIONS.md, "Ingest baseline on PostgreSQL").</li>
 * </ul>
 * Targets: library (RLS on) ≥ 0.8 × raw COPY into the same tables and ≥ 50,000 samples/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class EngineUsageIngestBenchmark {
    /**
     * The clock of the ingesting library: 30 days after the dataset, so the samples that follow it (86,400
     * rounds of 1,000 sites fit in 30 days) are never in the future.
     */
    static final java.time.Instant INGEST_NOW = UsageBenchData.END.plus(Duration.ofDays(30));

    /** The library on its own copy of the dataset. */
    @State(Scope.Benchmark)
    public static class Library {
        @Param({EngineTargets.SQLITE, EngineTargets.PG_RLS_ON, EngineTargets.PG_RLS_OFF})
        public String target;

        Path dir;
        String database;
        DialupDatabase db;
        UsageRepository usage;
        AccessScope system;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            if (EngineTargets.postgres(target)) {
                database = PgBenchServer.copyOf(PgUsageData.database(), "bench_ingest_library");
                db = EngineTargets.openPostgres(target, database, INGEST_NOW);
            } else {
                dir = Files.createTempDirectory("bench-engine-ingest");
                db = EngineTargets.openSqlite(UsageBenchData.copyTo(dir), INGEST_NOW);
            }
            usage = new UsageRepository(db);
            system = db.systemScope("bench-monitor");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            db.close();
            if (database != null) PgBenchServer.drop(database);
            if (dir != null) BenchFiles.deleteRecursively(dir);
        }
    }

    /** pgjdbc COPY as the superuser on its own copy of the PostgreSQL dataset. */
    @State(Scope.Benchmark)
    public static class RawCopy {
        String database;
        Connection raw;
        CopyManager copy;
        String sql;
        final StringBuilder text = new StringBuilder(64 * UsageBenchData.BATCH);

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            database = PgBenchServer.copyOf(PgUsageData.database(), "bench_ingest_raw");
            raw = PgBenchServer.superuser(database);
            String table = System.getProperty(
                    "dialup.bench.pg.copyTable",
                    // The table the library's ingest writes to: the partitioned usage_samples (V61) when it is,
                    // else usage_recent (V60) while it exists.
                    partitioned(raw) || !PgUsageData.tableExists(raw, "usage_recent")
                            ? "usage_samples"
                            : "usage_recent");
            raw.setAutoCommit(false);
            copy = raw.unwrap(PGConnection.class).getCopyAPI();
            sql = "COPY " + table + " (" + PgUsageData.COLUMNS + ") FROM STDIN";
            System.out.println(System.lineSeparator() + "raw COPY baseline: " + sql);
        }

        private static boolean partitioned(Connection c) throws java.sql.SQLException {
            try (java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery(
                            "SELECT count(*) FROM pg_class WHERE relname = 'usage_samples' AND relkind = 'p'")) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            raw.close();
            PgBenchServer.drop(database);
        }
    }

    /** Raw pgjdbc into the three tables the library writes, as the superuser, on its own copy of the dataset. */
    @State(Scope.Benchmark)
    public static class RawSameTables {
        String database;
        RawSameTablesWriter writer;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            database = PgBenchServer.copyOf(PgUsageData.database(), "bench_ingest_raw_same");
            writer = new RawSameTablesWriter(database);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            writer.close();
            PgBenchServer.drop(database);
        }
    }

    @Benchmark
    @OperationsPerInvocation(UsageBenchData.BATCH)
    public int libraryBatch(Library lib, UsageIngestBenchmark.Rounds rounds) {
        return lib.usage.recordBatch(lib.system, rounds.next());
    }

    @Benchmark
    @OperationsPerInvocation(UsageBenchData.BATCH)
    public long postgresqlRawCopy(RawCopy raw, UsageIngestBenchmark.Rounds rounds) throws Exception {
        for (UsageSample x : rounds.next()) PgUsageData.appendCopyLine(raw.text, x);
        CopyIn in = raw.copy.copyIn(raw.sql);
        PgUsageData.flush(in, raw.text);
        long n = in.endCopy();
        raw.raw.commit();
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(UsageBenchData.BATCH)
    public long postgresqlRawCopyIntoSameTables(RawSameTables raw, UsageIngestBenchmark.Rounds rounds)
            throws Exception {
        return raw.writer.write(rounds.next());
    }
}
