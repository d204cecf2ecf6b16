package dev.dialup.deploy.db.bench;

import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
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
 * {@link WriteTransactionBenchmark} per engine target (docs/SCALING.md, "small write transactions"): one small
 * write transaction — a one-row {@code UPDATE} of {@code system_config} — through the library, without a scope
 * ({@code library}) and for a system scope ({@code libraryScoped}: on PostgreSQL the identity statement rides with
 * the set-up), against the same {@code UPDATE} and commit on a raw connection in the same run ({@code raw}: sqlite-jdbc
 * with the library's pragmas; pgjdbc as the superuser, autocommit off, the server's default isolation). Each target
 * writes a freshly migrated database of its own.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class EngineWriteTransactionBenchmark {
    static final String UPDATE = "UPDATE system_config SET value = ? WHERE key = 'usage.sample_interval_seconds'";

    @Param({EngineTargets.SQLITE, EngineTargets.PG_RLS_ON, EngineTargets.PG_RLS_OFF})
    public String target;

    private Path dir;
    private String database;
    private DialupDatabase db;
    private AccessScope system;
    private Connection raw;
    private PreparedStatement rawUpdate;
    private long n;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Instant now = Instant.now();
        if (EngineTargets.postgres(target)) {
            database = "bench_write_" + System.nanoTime();
            PgBenchServer.admin("CREATE DATABASE " + database);
            // Migrated by the library as the superuser, then opened as the target's role.
            DialupDatabase.builder()
                    .location(PgBenchServer.url(database, PgBenchServer.SUPERUSER))
                    .build()
                    .close();
            db = EngineTargets.openPostgres(target, database, now);
            raw = PgBenchServer.superuser(database);
        } else {
            dir = Files.createTempDirectory("bench-engine-write");
            db = EngineTargets.openSqlite(dir.resolve("lib.db"), now);
            Path rawFile = dir.resolve("raw.db");
            DialupDatabase.open(rawFile).close(); // same schema
            raw = SqliteOnly.dataSource(rawFile, SqliteOnly.writerConfig(Duration.ofSeconds(10)))
                    .getConnection();
        }
        system = db.systemScope("bench-write");
        raw.setAutoCommit(false);
        rawUpdate = raw.prepareStatement(UPDATE);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        rawUpdate.close();
        raw.close();
        db.close();
        if (database != null) PgBenchServer.drop(database);
        if (dir != null) BenchFiles.deleteRecursively(dir);
    }

    private String nextValue() {
        return Long.toString(30 + (n++ & 1));
    }

    @Benchmark
    public int library() {
        String v = nextValue();
        return db.write(tx -> tx.update(SYSTEM_CONFIG)
                .set(SYSTEM_CONFIG.VALUE, v)
                .where(SYSTEM_CONFIG.KEY.eq("usage.sample_interval_seconds"))
                .execute());
    }

    @Benchmark
    public int libraryScoped() {
        String v = nextValue();
        return db.write(
                system,
                tx -> tx.update(SYSTEM_CONFIG)
                        .set(SYSTEM_CONFIG.VALUE, v)
                        .where(SYSTEM_CONFIG.KEY.eq("usage.sample_interval_seconds"))
                        .execute());
    }

    @Benchmark
    public int raw() throws Exception {
        rawUpdate.setString(1, nextValue());
        int rows = rawUpdate.executeUpdate();
        raw.commit();
        return rows;
    }
}
