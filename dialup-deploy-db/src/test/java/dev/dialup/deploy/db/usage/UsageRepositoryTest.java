package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.USAGE_DAY_TOTALS;
import static dev.dialup.deploy.db.generated.Tables.USAGE_LATEST;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.DatabaseBusyException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class UsageRepositoryTest {
    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(Clock.fixed(NOW, ZoneOffset.UTC));

    DialupDatabase db;
    UsageRepository usage;
    AccessScope sys;
    long owner;
    long a;
    long b;

    @BeforeEach
    void setUp() {
        db = temp.db();
        sys = db.systemScope("monitoring");
        var f = new Fixtures(db);
        owner = f.user("owner");
        a = f.personalSite("a", owner);
        b = f.personalSite("b", owner);
        usage = new UsageRepository(db);
    }

    static UsageSample s(long site, Instant at, double mem) {
        return UsageSample.of(site, at, mem, 10.5, 100, 0.25, 30, 12.5);
    }

    @Test
    void aBatchIsStoredAndResendingItIsHarmless() {
        List<UsageSample> batch = List.of(
                s(a, NOW.minusSeconds(60), 100), s(b, NOW.minusSeconds(60), 200), s(a, NOW.minusSeconds(30), 110));
        assertThat(usage.recordBatch(sys, batch)).isEqualTo(3);
        var snapshot = DbSnapshot.of(db);
        assertThat(usage.recordBatch(sys, batch)).isZero();
        assertThat(DbSnapshot.of(db)).isEqualTo(snapshot);
        assertThat(usage.latest(sys, List.of(a, b)))
                .containsEntry(a, s(a, NOW.minusSeconds(30), 110))
                .containsEntry(b, s(b, NOW.minusSeconds(60), 200));
    }

    @Test
    void aBatchMixingStoredAndNewSamplesStoresAndCountsOnlyTheNewOnes() {
        // On PostgreSQL the first attempt (no per-row conflict handling) fails on the stored sample and the
        // statement that skips it runs instead; the aggregates must count every sample exactly once.
        usage.record(sys, s(a, NOW.minusSeconds(60), 100));
        List<UsageSample> batch = List.of(
                s(a, NOW.minusSeconds(60), 100), s(a, NOW.minusSeconds(30), 110), s(b, NOW.minusSeconds(30), 200));
        assertThat(usage.recordBatch(sys, batch)).isEqualTo(2);
        assertThat(usage.series(sys, a, NOW.minusSeconds(3600), NOW))
                .containsExactly(s(a, NOW.minusSeconds(60), 100), s(a, NOW.minusSeconds(30), 110));
        assertThat(usage.latest(sys, List.of(a, b)))
                .containsEntry(a, s(a, NOW.minusSeconds(30), 110))
                .containsEntry(b, s(b, NOW.minusSeconds(30), 200));
        // Today's bandwidth comes from the day totals: 0.25 MB per sample.
        assertThat(usage.usageVsLimits(sys, a).current()).containsEntry(UsageDimension.BANDWIDTH, 0.5);
        assertThat(usage.usageVsLimits(sys, b).current()).containsEntry(UsageDimension.BANDWIDTH, 0.25);
        var snapshot = DbSnapshot.of(db);
        assertThat(usage.recordBatch(sys, batch)).isZero();
        assertThat(DbSnapshot.of(db)).isEqualTo(snapshot);
    }

    /**
     * On PostgreSQL the history has no foreign key to sites (V64): a trigger deletes a deleted site's samples, and a
     * sample of a missing site is refused through usage_latest's key. SQLite's keys cascade as before.
     */
    @Test
    void deletingASiteDeletesItsUsageAndItsSamplesAreRefusedAfterwards() {
        // Yesterday and today: two day partitions on PostgreSQL.
        usage.recordBatch(
                sys,
                List.of(
                        s(a, NOW.minus(Duration.ofHours(25)), 90),
                        s(a, NOW.minusSeconds(60), 100),
                        s(b, NOW.minusSeconds(60), 200)));
        assertThat(usageRows(a)).isGreaterThanOrEqualTo(3); // samples, latest, day totals
        long ofB = usageRows(b);
        new SiteRepository(db).delete(new AccessScopes(db).forUser(owner), a);
        assertThat(usageRows(a)).isZero();
        assertThat(usageRows(b)).isEqualTo(ofB);
        var snapshot = DbSnapshot.of(db);
        assertThatThrownBy(() -> usage.recordBatch(sys, List.of(s(b, NOW, 1), s(a, NOW, 1))))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("samples[1]")
                .hasMessageContaining("does not exist");
        assertThat(DbSnapshot.of(db)).isEqualTo(snapshot);
    }

    /**
     * A site deleted while its samples arrive keeps none of them, whichever transaction wins: on PostgreSQL the
     * ingest and the delete meet on the site's usage_latest row, and the loser is retried or refused. Against a
     * stream of that one site's samples without a pause (40 calls back to back) the delete can lose every attempt:
     * then it is a busy error with nothing deleted, and is sent again, as a caller would.
     */
    @Test
    void aSiteDeletedWhileItsSamplesArriveKeepsNoneOfThem() throws Exception {
        var f = new Fixtures(db);
        var ownerScope = new AccessScopes(db).forUser(owner);
        var sites = new SiteRepository(db);
        var pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 6; round++) {
                long site = f.personalSite("race" + round, owner);
                int pause = round;
                usage.record(sys, s(site, NOW.minusSeconds(900), 1));
                var go = new CountDownLatch(1);
                var ingest = pool.submit(() -> {
                    go.await();
                    for (int k = 0; k < 40; k++) {
                        try {
                            usage.record(sys, s(site, NOW.minusSeconds(600 - k), 1));
                        } catch (ValidationException gone) {
                            assertThat(gone).hasMessageContaining("does not exist");
                            return null;
                        }
                    }
                    return null;
                });
                var delete = pool.submit(() -> {
                    go.await();
                    Thread.sleep(pause); // different interleavings
                    for (int attempt = 1; ; attempt++) {
                        try {
                            sites.delete(ownerScope, site);
                            return null;
                        } catch (DatabaseBusyException busy) {
                            if (attempt == 20) throw busy;
                        }
                    }
                });
                go.countDown();
                ingest.get();
                delete.get();
                assertThat(usageRows(site))
                        .as("usage rows of deleted site, round %d", round)
                        .isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Concurrent batches that share samples (monitors re-sending after a timeout) store and count each sample once.
     * On PostgreSQL ingest runs at REPEATABLE READ: a batch that meets a row another batch changed since its
     * snapshot is re-run by the library, one that meets a sample stored meanwhile runs again skipping it, and one
     * that loses every attempt is a busy error with nothing written — which the caller sends again, as here.
     */
    @Test
    void concurrentBatchesSharingSamplesStoreAndCountEachSampleOnce() throws Exception {
        int threads = 4;
        int perThread = 12;
        var pool = Executors.newFixedThreadPool(threads);
        try {
            var go = new CountDownLatch(1);
            var results = new ArrayList<java.util.concurrent.Future<Integer>>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                results.add(pool.submit(() -> {
                    go.await();
                    int stored = 0;
                    // Thread t sends rounds t .. t+perThread-1: neighbours overlap in all but one round.
                    for (int r = offset; r < offset + perThread; r++) {
                        Instant at = NOW.minusSeconds(3600 - 30L * r);
                        List<UsageSample> batch = List.of(s(a, at, 100 + r), s(b, at, 200 + r));
                        for (int attempt = 1; ; attempt++) {
                            try {
                                stored += usage.recordBatch(sys, batch);
                                break;
                            } catch (DatabaseBusyException busy) {
                                if (attempt == 50) throw busy;
                            }
                        }
                    }
                    return stored;
                }));
            }
            go.countDown();
            int storedTotal = 0;
            for (var r : results) storedTotal += r.get();
            int rounds = threads - 1 + perThread;
            assertThat(storedTotal).as("samples reported stored").isEqualTo(2 * rounds);
            assertThat(usage.series(sys, a, NOW.minusSeconds(7200), NOW)).hasSize(rounds);
            Instant newest = NOW.minusSeconds(3600 - 30L * (rounds - 1));
            assertThat(usage.latest(sys, List.of(a, b)))
                    .containsEntry(a, s(a, newest, 100 + rounds - 1))
                    .containsEntry(b, s(b, newest, 200 + rounds - 1));
            // Today's bandwidth from the day totals: 0.25 MB per stored sample, each counted once.
            assertThat(usage.usageVsLimits(sys, a).current()).containsEntry(UsageDimension.BANDWIDTH, 0.25 * rounds);
            assertThat(usage.usageVsLimits(sys, b).current()).containsEntry(UsageDimension.BANDWIDTH, 0.25 * rounds);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Rows of {@code site} in every usage table, as the system scope sees them. */
    private long usageRows(long site) {
        return db.read(sys, tx -> {
            long n = 0;
            for (var t : List.of(USAGE_SAMPLES, USAGE_RECENT, USAGE_LATEST, USAGE_DAY_TOTALS)) {
                n += tx.fetchCount(t, DSL.field(DSL.name("site_id"), Long.class).eq(site));
            }
            return n;
        });
    }

    @Test
    void aConflictingOrBadElementRejectsTheWholeBatchAndNamesIt() {
        usage.record(sys, s(a, NOW.minusSeconds(60), 100));
        var snapshot = DbSnapshot.of(db);
        assertThatThrownBy(() -> usage.recordBatch(sys, List.of(s(b, NOW, 1), s(a, NOW.minusSeconds(60), 999))))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("samples[1]");
        assertThatThrownBy(() -> usage.recordBatch(sys, List.of(s(b, NOW, 1), s(a, NOW, Double.NaN))))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("samples[1]")
                .hasMessageContaining("memoryMb");
        assertThatThrownBy(() -> usage.recordBatch(sys, List.of(s(b, NOW, 1), s(9999, NOW, 1))))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("samples[1]")
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> usage.recordBatch(sys, List.of(s(b, NOW, 1), s(b, NOW, 1))))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("samples[1]")
                .hasMessageContaining("duplicate");
        assertThat(DbSnapshot.of(db)).isEqualTo(snapshot);
    }

    @Test
    void seriesBucketsAndRollupAgreeWithTheSamples() {
        List<UsageSample> day = new ArrayList<>();
        Instant start = Instant.parse("2026-11-19T00:00:00Z");
        for (int i = 0; i < 2880; i++) day.add(s(a, start.plusSeconds(30L * i), i % 100));
        usage.recordBatch(sys, day);
        assertThat(usage.series(sys, a, start, start.plusSeconds(300))).hasSize(10);
        var buckets = usage.seriesBuckets(sys, a, start, start.plus(Duration.ofDays(1)), 24);
        assertThat(buckets)
                .hasSize(24)
                .allSatisfy(bk -> assertThat(bk.samples()).isEqualTo(120));
        var r = usage.rollupDay(sys, LocalDate.parse("2026-11-19"));
        assertThat(r.sites()).isEqualTo(1);
        assertThat(r.samples()).isEqualTo(2880);
        var daily = usage.daily(sys, a, LocalDate.parse("2026-11-19"), LocalDate.parse("2026-11-19"));
        assertThat(daily).singleElement().satisfies(d -> {
            assertThat(d.uptimeSeconds()).isEqualTo(86400);
            assertThat(d.maxMemoryMb()).isEqualTo(99.0);
            assertThat(d.totalRequests()).isEqualTo(2880L * 30);
        });
        assertThat(usage.rollupDay(sys, LocalDate.parse("2026-11-19"))).isEqualTo(r);
    }

    @Test
    void thePlansSiteResourceUsageViewReadsBackTypedThroughJooq() {
        usage.record(sys, UsageSample.of(a, NOW.minusSeconds(30), 123.45, 10.5, 100, 0.25, 30, 12.5));
        var row = db.read(
                TestDb.system(db),
                dsl -> dsl.selectFrom(dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_USAGE)
                        .fetchSingle());
        assertThat(row.getSiteId()).isEqualTo(a);
        assertThat(row.getTimestamp()).isEqualTo(NOW.minusSeconds(30));
        assertThat(row.getMemoryMb()).isEqualTo(123.45);
        assertThat(row.getBandwidthMb()).isEqualTo(0.25);
        assertThat(row.getActiveRequests()).isEqualTo(30);
    }

    @Test
    void overLimitAndPrune() {
        usage.record(sys, s(a, NOW.minusSeconds(30), 5000)); // default limit 512 MB
        assertThat(usage.sitesOverLimit(sys, Duration.ofMinutes(5)))
                .extracting(OverLimit::siteId, OverLimit::dimension)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(a, UsageDimension.MEMORY));
        usage.record(sys, s(b, NOW.minus(Duration.ofDays(30)), 1)); // exactly at the cutoff: kept
        // One second before it: deleted on SQLite. PostgreSQL drops whole daily partitions, and this sample's
        // day also holds the cutoff, so it stays until the next prune after that day (docs/usage.md).
        usage.record(sys, s(b, NOW.minus(Duration.ofDays(30)).minusSeconds(1), 1));
        usage.record(sys, s(b, NOW.minus(Duration.ofDays(32)), 1)); // a day wholly before the cutoff: gone on both
        var pruned = usage.prune(sys);
        boolean partitions = TempDatabase.onPostgres();
        assertThat(pruned.samplesDeleted()).isEqualTo(partitions ? 1 : 2);
        assertThat(usage.series(sys, b, NOW.minus(Duration.ofDays(33)), NOW)).hasSize(partitions ? 2 : 1);
    }

    @Test
    void theIngestStatementsArePreparedOncePerWriterConnection() {
        for (int i = 0; i < 5; i++) usage.record(sys, s(a, NOW.minusSeconds(300 - 30L * i), 100 + i));
        usage.recordBatch(sys, List.of(s(a, NOW, 1), s(b, NOW, 2)));
        // every call ran on the one pooled writer connection: the statements were prepared once
        assertThat(usage.ingest().timesPrepared()).isEqualTo(1);
        assertThat(usage.series(sys, a, NOW.minusSeconds(3600), NOW.plusSeconds(1)))
                .hasSize(6);
    }

    @Test
    void aStaleMoveHintNeverLosesOrDuplicatesASample() {
        var f = new Fixtures(db);
        long owner = f.user("more");
        List<Long> sites = new ArrayList<>(List.of(a, b));
        for (int i = 0; i < 6; i++) sites.add(f.personalSite("s" + i, owner));
        // Two repositories on one database, each with its own move hint, moving one site per step after
        // every few rows: each one's hint is stale whenever the other has moved in between.
        UsageRepository one = new UsageRepository(db, 4, 1);
        UsageRepository two = new UsageRepository(db, 4, 1);
        int recorded = 0;
        for (int round = 0; round < 12; round++) {
            List<UsageSample> batch = new ArrayList<>();
            for (long site : sites) batch.add(s(site, NOW.minusSeconds(3600 - 30L * round), 100 + round));
            recorded += (round % 2 == 0 ? one : two).recordBatch(sys, batch);
            if (round == 6) {
                // a late sample, below what has been moved already
                recorded += one.record(sys, s(sites.get(3), NOW.minusSeconds(7200), 1));
            }
        }
        assertThat(recorded).isEqualTo(12 * sites.size() + 1);
        long moved = two.moveRecentSamples(sys);
        int left = TestDb.write(db, tx -> tx.fetchCount(USAGE_RECENT));
        assertThat(left).isZero();
        assertThat(moved).isLessThanOrEqualTo(recorded);
        long stored = 0;
        for (long site : sites) {
            stored += usage.series(sys, site, NOW.minusSeconds(8000), NOW.plusSeconds(1))
                    .size();
        }
        assertThat(stored).isEqualTo(recorded);
    }

    @Test
    void aSampleUpToTheSkewAfterNowCountsForTheOverLimitWindow() {
        // Accepted (at most usage.max_clock_skew_seconds, default 300, after now) and over the 512 MB default.
        usage.record(sys, s(b, NOW.plusSeconds(300), 5000));
        assertThat(usage.sitesOverLimit(sys, Duration.ofMinutes(5)))
                .extracting(OverLimit::siteId, OverLimit::dimension)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(b, UsageDimension.MEMORY));
        // The query's upper bound (latestStorableSecond) assumes the settings never allow more skew than this.
        var skew = dev.dialup.deploy.db.config.ConfigSettings.USAGE_MAX_CLOCK_SKEW;
        assertThat(skew.parseOrDefault(Long.toString(UsageSettings.LARGEST_SKEW_SECONDS)))
                .isEqualTo(Duration.ofSeconds(UsageSettings.LARGEST_SKEW_SECONDS));
        assertThat(skew.parseOrDefault(Long.toString(UsageSettings.LARGEST_SKEW_SECONDS + 1)))
                .isEqualTo(skew.defaultValue());
    }
}
