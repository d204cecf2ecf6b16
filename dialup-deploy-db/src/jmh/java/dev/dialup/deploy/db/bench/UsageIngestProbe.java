package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;

/**
 * A profiling probe for issue 15 (not a benchmark: no statistics): library and plan-baseline
 * ingest on private copies of the benchmark datasets, alternating, with wall time per phase, so a
 * JFR recording ({@code -XX:StartFlightRecording}) shows where ingest spends its time.
 * Arguments: rounds of 1,000 samples, single samples, repetitions.
 */
public final class UsageIngestProbe {
    private UsageIngestProbe() {}

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        int singles = Integer.parseInt(args[1]);
        int reps = Integer.parseInt(args[2]);
        Path dir = Files.createTempDirectory("usage-probe");
        try (DialupDatabase db = DialupDatabase.builder()
                        .allowSystemScope()
                        .path(UsageBenchData.copyTo(dir))
                        .build();
                Connection raw = SqliteOnly.dataSource(
                                UsageBenchData.copyPlanTo(dir), SqliteOnly.writerConfig(Duration.ofSeconds(10)))
                        .getConnection()) {
            UsageRepository usage = new UsageRepository(db);
            AccessScope system = db.systemScope("probe");
            raw.setAutoCommit(false);
            PreparedStatement insert = raw.prepareStatement(UsageBenchData.PLAN_INSERT);
            UsageIngestBenchmark.Rounds lib = new UsageIngestBenchmark.Rounds();
            UsageIngestBenchmark.Rounds plan = new UsageIngestBenchmark.Rounds();
            for (int rep = 0; rep < reps; rep++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < rounds; i++) usage.recordBatch(system, lib.next());
                long t1 = System.nanoTime();
                for (int i = 0; i < rounds; i++) {
                    for (var x : plan.next()) {
                        UsageBenchData.bindPlan(insert, x);
                        insert.addBatch();
                    }
                    insert.executeBatch();
                    raw.commit();
                }
                long t2 = System.nanoTime();
                for (int i = 0; i < singles; i++) {
                    long n = lib.single++;
                    long ts = UsageBenchData.END.getEpochSecond()
                            + n / UsageBenchData.SITES * UsageBenchData.INTERVAL
                            + 1;
                    usage.record(system, UsageBenchData.sample(n % UsageBenchData.SITES + 1, ts));
                }
                long t3 = System.nanoTime();
                for (int i = 0; i < singles; i++) {
                    long n = plan.single++;
                    long ts = UsageBenchData.END.getEpochSecond()
                            + n / UsageBenchData.SITES * UsageBenchData.INTERVAL
                            + 1;
                    UsageBenchData.bindPlan(insert, UsageBenchData.sample(n % UsageBenchData.SITES + 1, ts));
                    insert.executeUpdate();
                    raw.commit();
                }
                long t4 = System.nanoTime();
                System.out.printf(
                        "rep %d: batch library %,.0f/s plan %,.0f/s (%.2fx); single library %,.0f/s plan %,.0f/s (%.2fx)%n",
                        rep,
                        rate(rounds * 1000L, t1 - t0),
                        rate(rounds * 1000L, t2 - t1),
                        (double) (t2 - t1) / (t1 - t0),
                        rate(singles, t3 - t2),
                        rate(singles, t4 - t3),
                        (double) (t4 - t3) / (t3 - t2));
            }
            insert.close();
        } finally {
            BenchFiles.deleteRecursively(dir);
        }
    }

    private static double rate(long n, long nanos) {
        return n / (nanos / 1e9);
    }
}
