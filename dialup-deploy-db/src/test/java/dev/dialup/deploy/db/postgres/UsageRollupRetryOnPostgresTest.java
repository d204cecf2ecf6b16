package dev.dialup.deploy.db.postgres;

import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.PgTestServer;
import dev.dialup.deploy.db.testing.TestDb;
import dev.dialup.deploy.db.usage.RollupResult;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The daily rollup writes each site's row in a savepoint and reports a refused row as that site's failure. A
 * serialization failure is not a refusal: another writer committed the same (site, day) row after this
 * transaction's snapshot. Before the fix the rollup caught it like any refusal and reported the site as failed
 * although running again would succeed; now it goes up and {@code db.write} runs the whole rollup again.
 */
class UsageRollupRetryOnPostgresTest {
    @Test
    void aConcurrentDailyRowMakesTheRollupRunAgainNotFail() throws Exception {
        try (PgTestServer.Database pg = PgTestServer.freshMigratedDatabase("rollup_retry");
                DialupDatabase db = DialupDatabase.builder()
                        .location(pg.location())
                        .allowSystemScope()
                        .build()) {
            AccessScope system = db.systemScope("rollup-test");
            Fixtures f = new Fixtures(db);
            long site = f.personalSite("Rollup Site", f.user("rollup"));
            LocalDate day = LocalDate.now(db.clock()).minusDays(1);
            UsageRepository usage = new UsageRepository(db);
            usage.record(
                    system, UsageSample.of(site, day.atTime(12, 0).toInstant(ZoneOffset.UTC), 100, 10, 5, 1, 2, 30));
            long retriesBefore = db.writeRetries();
            AtomicInteger attempts = new AtomicInteger();

            RollupResult result = db.write(TestDb.system(db), tx -> {
                tx.fetchCount(USERS); // the snapshot of this attempt is taken here
                if (attempts.incrementAndGet() == 1) {
                    insertDailyRowElsewhere(pg, site, day); // commits after the snapshot
                }
                return usage.rollupDay(system, day); // joins this write
            });

            assertThat(result.failures()).isEmpty();
            assertThat(result.sites()).isEqualTo(1);
            assertThat(attempts).hasValue(2);
            assertThat(db.writeRetries() - retriesBefore).isEqualTo(1);
            Double avgMemory = db.read(
                    TestDb.system(db),
                    dsl -> dsl.select(SITE_USAGE_DAILY.AVG_MEMORY_MB)
                            .from(SITE_USAGE_DAILY)
                            .where(SITE_USAGE_DAILY.SITE_ID.eq(site))
                            .fetchSingle()
                            .value1());
            assertThat(avgMemory).isEqualTo(100.0); // the rollup's values, not the other writer's
        }
    }

    private static void insertDailyRowElsewhere(PgTestServer.Database pg, long site, LocalDate day) {
        try (Connection c = pg.connect();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO site_usage_daily (site_id, \"date\", avg_memory_mb) VALUES (?, ?, 1)")) {
            ps.setLong(1, site);
            ps.setObject(2, day);
            ps.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
