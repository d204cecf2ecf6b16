package dev.dialup.deploy.db.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.PgTestServer;
import dev.dialup.deploy.db.usage.PruneResult;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Retention deletes old {@code usage_recent} rows in transactions that do not touch the {@code usage_ingest_state}
 * row every ingest call updates: the counter is lowered afterwards, in a transaction of its own. Before that fix a
 * delete transaction also updated the counter, so on PostgreSQL (SERIALIZABLE writes) it waited for every
 * concurrent ingest transaction holding that row and then lost to it — under steady ingest the prune failed with
 * {@code WRITE_CONFLICTS} (found by the issue 13 prune benchmark). Here an "ingest" transaction holds the row while
 * the prune runs: the old rows must be gone while it is still open, and the prune must finish once it commits.
 */
class PruneBesideIngestOnPostgresTest {
    @Test
    void recentRowsAreDeletedWhileAnIngestTransactionHoldsTheCounterRow() throws Exception {
        try (PgTestServer.Database pg = PgTestServer.freshMigratedDatabase("prune_beside_ingest");
                DialupDatabase db = DialupDatabase.builder()
                        .location(pg.location())
                        .allowSystemScope()
                        .build()) {
            AccessScope system = db.systemScope("prune-test");
            Fixtures f = new Fixtures(db);
            long site = f.personalSite("Prune Site", f.user("prune"));
            long old = Instant.now().minus(Duration.ofDays(40)).getEpochSecond();
            int rows = 50;
            try (Connection c = pg.connect();
                    PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO usage_recent (ts, site_id, memory_mb_x100) VALUES (?, ?, 100)");
                    Statement st = c.createStatement()) {
                for (int i = 0; i < rows; i++) {
                    ps.setLong(1, old + 30L * i);
                    ps.setLong(2, site);
                    ps.addBatch();
                }
                ps.executeBatch();
                st.executeUpdate("UPDATE usage_ingest_state SET recent_rows = " + rows + " WHERE id = 1");
            }
            UsageRepository usage = new UsageRepository(db);

            try (Connection ingest = pg.connect()) {
                ingest.setAutoCommit(false);
                try (Statement st = ingest.createStatement()) {
                    // what every ingest call does to the shared row, left open
                    st.executeUpdate("UPDATE usage_ingest_state SET recent_rows = recent_rows + 1 WHERE id = 1");
                }
                CompletableFuture<PruneResult> prune = CompletableFuture.supplyAsync(() -> usage.prune(system));

                // The delete commits although the ingest transaction still holds the counter row.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                long left = recentRows(pg);
                while (left > 0 && System.nanoTime() < deadline && !prune.isDone()) {
                    Thread.sleep(20);
                    left = recentRows(pg);
                }
                assertThat(left)
                        .as("old usage_recent rows left while the ingest transaction is open")
                        .isZero();
                assertThat(prune)
                        .as("the counter update waits for the ingest transaction")
                        .isNotDone();

                ingest.commit();
                PruneResult result = prune.get(60, TimeUnit.SECONDS);
                assertThat(result.samplesDeleted()).isEqualTo(rows);
            }
            // The ingest's +1 and the prune's -rows both counted.
            try (Connection c = pg.connect();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT recent_rows FROM usage_ingest_state WHERE id = 1")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
        }
    }

    private static long recentRows(PgTestServer.Database pg) throws Exception {
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM usage_recent")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
