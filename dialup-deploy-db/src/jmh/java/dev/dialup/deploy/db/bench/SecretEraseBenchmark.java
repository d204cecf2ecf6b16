package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Cost of erasing overwritten plaintext (issue 10): a plain variable re-saved as a secret runs
 * with {@code secure_delete} and a truncating WAL checkpoint after the commit. Both benchmarks
 * make the same two writes through {@link EnvironmentRepository#set}; only the first one's second
 * write replaces a plain value (and so erases), the baseline's replaces a secret (no erase).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SecretEraseBenchmark {
    private AccessScope SYSTEM;

    private Path dir;
    private DialupDatabase db;
    private EnvironmentRepository env;
    private long site;
    private long n;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("bench-secret-erase");
        db = DialupDatabase.builder()
                .path(dir.resolve("secrets.db"))
                .allowSystemScope()
                .build();
        SYSTEM = db.systemScope("bench-secrets");
        site = db.<Long>write(tx -> {
            tx.execute(
                    "INSERT INTO users (username, email, password_hash) VALUES ('owner', 'owner@example.test', '!bench')");
            tx.execute(
                    "INSERT INTO sites (name, slug, owner_id, site_type, is_active) VALUES ('s', 's', 1, 'dynamic', 1)");
            return ((Number) tx.fetchValue("SELECT id FROM sites WHERE slug = 's'")).longValue();
        });
        env = new EnvironmentRepository(db, SecretsKeyset.generate());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        db.close();
        BenchFiles.deleteRecursively(dir);
    }

    /** Plain value, then re-saved as a secret: the second write erases the plaintext. */
    @Benchmark
    public Object plainResavedAsSecret() {
        env.set(SYSTEM, site, "TOKEN", "plain-" + n++, false);
        return env.set(SYSTEM, site, "TOKEN", "secret-" + n, true);
    }

    /** Baseline, same run: secret replaced by a secret (nothing plain to erase). */
    @Benchmark
    public Object secretResavedAsSecret() {
        env.set(SYSTEM, site, "TOKEN2", "secret-" + n++, true);
        return env.set(SYSTEM, site, "TOKEN2", "secret-" + n, true);
    }
}
