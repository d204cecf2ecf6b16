package dev.dialup.deploy.db.bench;

import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.concurrent.TimeUnit;
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
 * Cost of one small write transaction through {@link DialupDatabase#write} (pool checkout,
 * BEGIN IMMEDIATE, jOOQ, commit) against the same UPDATE on a raw sqlite-jdbc connection with
 * the same pragmas, in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class WriteTransactionBenchmark {
    private Path dir;
    private DialupDatabase db;
    private Connection raw;
    private PreparedStatement rawUpdate;
    private long n;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("bench-write");
        db = DialupDatabase.open(dir.resolve("lib.db"));
        Path rawFile = dir.resolve("raw.db");
        DialupDatabase.open(rawFile).close(); // same schema
        raw = SqliteOnly.dataSource(rawFile, SqliteOnly.writerConfig(java.time.Duration.ofSeconds(10)))
                .getConnection();
        raw.setAutoCommit(false);
        rawUpdate =
                raw.prepareStatement("UPDATE system_config SET value = ? WHERE key = 'usage.sample_interval_seconds'");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        rawUpdate.close();
        raw.close();
        db.close();
        BenchFiles.deleteRecursively(dir);
    }

    @Benchmark
    public int library() {
        String v = Long.toString(30 + (n++ & 1));
        return db.write(tx -> tx.update(SYSTEM_CONFIG)
                .set(SYSTEM_CONFIG.VALUE, v)
                .where(SYSTEM_CONFIG.KEY.eq("usage.sample_interval_seconds"))
                .execute());
    }

    @Benchmark
    public int rawJdbc() throws Exception {
        rawUpdate.setString(1, Long.toString(30 + (n++ & 1)));
        int rows = rawUpdate.executeUpdate();
        raw.commit();
        return rows;
    }
}
