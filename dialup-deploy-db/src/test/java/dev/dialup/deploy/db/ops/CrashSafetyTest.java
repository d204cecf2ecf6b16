package dev.dialup.deploy.db.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kills a child JVM that ingests usage with SIGKILL at random moments, again and again.
 * After every kill the database opens, passes {@code integrity_check}, holds every batch the
 * child reported committed, and holds no partial batch.
 */
@EnabledOnOs(OS.LINUX)
class CrashSafetyTest {
    private static final int KILLS = 15;
    private static final int SIGKILL_EXIT = 128 + 9;

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    @Test
    void sigkillDuringBatchedIngestNeverLosesACommittedBatchNorLeavesAPartialOne() throws Exception {
        Path file = temp.file();
        long site;
        try (DialupDatabase db = temp.open()) {
            Fixtures f = new Fixtures(db);
            site = f.personalSite("Ingest", f.user("ada"));
        }
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<Integer> reported = Collections.synchronizedList(new ArrayList<>());
        int nextBatch = 1;
        for (int kill = 1; kill <= KILLS; kill++) {
            Process child = startChild(file, site, nextBatch);
            CountDownLatch firstCommit = new CountDownLatch(1);
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("COMMITTED ")) {
                            reported.add(Integer.parseInt(line.substring(10).trim()));
                            firstCommit.countDown();
                        }
                    }
                } catch (Exception e) {
                    // the pipe breaks when the child dies
                }
            });
            try {
                assertThat(firstCommit.await(60, TimeUnit.SECONDS))
                        .as("child started committing (seed %d)", seed)
                        .isTrue();
                Thread.sleep(random.nextInt(400));
            } finally {
                child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no close, no checkpoint
            }
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(SIGKILL_EXIT);
            reader.join(5_000);

            assertThat(OpsTestFiles.integrity(file))
                    .as("integrity after kill %d (seed %d)", kill, seed)
                    .containsExactly("ok");
            long partial = OpsTestFiles.count(
                    file,
                    "SELECT count(*) FROM (SELECT active_requests FROM site_resource_usage"
                            + " GROUP BY active_requests HAVING count(*) <> " + CrashIngestChild.BATCH_ROWS + ")");
            assertThat(partial)
                    .as("batches with a partial row set after kill %d", kill)
                    .isZero();
            Map<Integer, Long> rowsPerBatch = rowsPerBatch(file);
            synchronized (reported) {
                for (int batch : reported) {
                    assertThat(rowsPerBatch.getOrDefault(batch, 0L))
                            .as("rows of batch %d, reported committed (kill %d, seed %d)", batch, kill, seed)
                            .isEqualTo(CrashIngestChild.BATCH_ROWS);
                }
            }
            nextBatch =
                    (int) OpsTestFiles.count(file, "SELECT coalesce(max(active_requests), 0) FROM site_resource_usage")
                            + 1;
        }
        assertThat(reported).hasSizeGreaterThanOrEqualTo(KILLS);
        try (DialupDatabase db = temp.open()) {
            assertThat(Verifier.verify(db.path()).ok()).isTrue();
            assertThat(db.rowCounts().get("site_resource_usage"))
                    .isEqualTo((long) (nextBatch - 1) * CrashIngestChild.BATCH_ROWS);
        }
    }

    private static Map<Integer, Long> rowsPerBatch(Path file) throws Exception {
        Map<Integer, Long> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(SqliteOnly.jdbcUrl(file));
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT active_requests, count(*) FROM site_resource_usage GROUP BY active_requests")) {
            while (rs.next()) {
                rows.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return rows;
    }

    private Process startChild(Path file, long site, int firstBatch) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-Xmx128m",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "--enable-native-access=ALL-UNNAMED",
                        // sqlite-jdbc copies its native library into its tmpdir and deletes it at exit: a
                        // SIGKILLed child leaves its 1 MB copy behind, so keep those in this test's directory.
                        "-Dorg.sqlite.tmpdir=" + temp.dir(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashIngestChild.class.getName(),
                        file.toString(),
                        String.valueOf(site),
                        String.valueOf(firstBatch))
                .redirectError(temp.dir().resolve("child-stderr.txt").toFile())
                .start();
    }
}
