package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;
import static dev.dialup.deploy.db.generated.Tables.USAGE_INGEST_STATE;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
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
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 ("Usage" and the usage part of "Times") and the storage rules of issue 15: future
 * samples, 64-bit daily totals, one site's rollup failure, out-of-range query times, and the
 * recent/history split seen from the API.
 */
@BothEngines
class UsageInputHardeningTest {
    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    private AccessScope SYS;

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(Clock.fixed(NOW, ZoneOffset.UTC));

    DialupDatabase db;
    UsageRepository usage;
    long a;
    long b;

    @BeforeEach
    void setUp() {
        db = temp.db();
        SYS = TestDb.system(db, "monitoring");
        var f = new Fixtures(db);
        long owner = f.user("owner");
        a = f.personalSite("a", owner);
        b = f.personalSite("b", owner);
        usage = new UsageRepository(db);
    }

    static UsageSample s(long site, Instant at, int requests) {
        return UsageSample.of(site, at, 100, 10, 100, 0.5, requests, 12.5);
    }

    private void refusedAndNothingWritten(ThrowingCallable call, String parameter, String message) {
        Map<String, List<String>> before = DbSnapshot.of(db);
        assertThatThrownBy(call)
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining(parameter)
                .hasMessageContaining(message);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    // --- samples from the future ------------------------------------------------------------

    @Test
    void samplesBeyondNowPlusTheConfiguredSkewAreRefusedWithNothingWritten() {
        usage.record(SYS, s(a, NOW.minusSeconds(30), 1));
        for (Instant future : List.of(Instant.MAX, Instant.parse("3000-01-01T00:00:00Z"), NOW.plusSeconds(301))) {
            refusedAndNothingWritten(
                    () -> usage.recordBatch(SYS, List.of(s(b, NOW, 1), s(a, future, 1))),
                    "samples[1] (site " + a + " at " + future + ")",
                    "more than 300 s after now");
        }
        // exactly now + 300 s is accepted (default usage.max_clock_skew_seconds = 300)
        assertThat(usage.record(SYS, s(a, NOW.plusSeconds(300), 1))).isEqualTo(1);
        assertThat(usage.latest(SYS, List.of(a)).get(a).timestamp()).isEqualTo(NOW.plusSeconds(300));
        // the skew is a setting
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(SYSTEM_CONFIG)
                        .set(SYSTEM_CONFIG.VALUE, "0")
                        .where(SYSTEM_CONFIG.KEY.eq("usage.max_clock_skew_seconds"))
                        .execute());
        refusedAndNothingWritten(
                () -> usage.record(SYS, s(b, NOW.plusSeconds(1), 1)), "samples[0]", "more than 0 s after now");
        assertThat(usage.record(SYS, s(b, NOW, 1))).isEqualTo(1);
    }

    // --- the daily rollup: 64-bit totals, one site cannot stop the others -------------------------

    @Test
    void requestTotalsAboveIntRangeAreStoredExactly() {
        Instant day = Instant.parse("2026-11-19T00:00:00Z");
        usage.recordBatch(
                SYS,
                List.of(
                        s(a, day, Integer.MAX_VALUE),
                        s(a, day.plusSeconds(30), Integer.MAX_VALUE),
                        s(b, day, Integer.MAX_VALUE),
                        s(b, day.plusSeconds(30), Integer.MAX_VALUE),
                        s(b, day.plusSeconds(60), Integer.MAX_VALUE)));
        RollupResult r = usage.rollupDay(SYS, LocalDate.parse("2026-11-19"));
        assertThat(r.failures()).isEmpty();
        assertThat(r.sites()).isEqualTo(2);
        assertThat(usage.daily(SYS, a, LocalDate.parse("2026-11-19"), LocalDate.parse("2026-11-19"))
                        .get(0)
                        .totalRequests())
                .isEqualTo(2L * Integer.MAX_VALUE);
        assertThat(usage.daily(SYS, b, LocalDate.parse("2026-11-19"), LocalDate.parse("2026-11-19"))
                        .get(0)
                        .totalRequests())
                .isEqualTo(3L * Integer.MAX_VALUE);
        // the same in the history table
        usage.moveRecentSamples(SYS);
        assertThat(usage.rollupDay(SYS, LocalDate.parse("2026-11-19"))).isEqualTo(r);
    }

    @Test
    void aSiteWhoseDailyRowCannotBeWrittenIsReportedAndTheOtherSitesAreRolledUp() {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                TempDatabase.onPostgres(), "the refusing trigger is written in SQLite's trigger syntax");
        Instant day = Instant.parse("2026-11-19T00:00:00Z");
        usage.recordBatch(SYS, List.of(s(a, day, 1), s(b, day, 2)));
        // Simulate a row the database refuses for site a only (any constraint or I/O error on that statement).
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.execute(
                        "CREATE TRIGGER test_refuse_site_a BEFORE INSERT ON site_usage_daily WHEN NEW.site_id = " + a
                                + " BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"));
        RollupResult r = usage.rollupDay(SYS, LocalDate.parse("2026-11-19"));
        assertThat(r.sites()).isEqualTo(1);
        assertThat(r.samples()).isEqualTo(1);
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.siteId()).isEqualTo(a);
            assertThat(f.reason()).contains("refused for the test");
        });
        List<Long> sites = db.read(
                TestDb.system(db),
                dsl -> dsl.select(SITE_USAGE_DAILY.SITE_ID)
                        .from(SITE_USAGE_DAILY)
                        .fetch(SITE_USAGE_DAILY.SITE_ID));
        assertThat(sites).containsExactly(b);
        assertThat(usage.daily(SYS, b, LocalDate.parse("2026-11-19"), LocalDate.parse("2026-11-19"))
                        .get(0)
                        .totalRequests())
                .isEqualTo(2);
    }

    // --- time arguments of the queries ----------------------------------------------------------

    @Test
    void outOfRangeInstantsAreValidationErrorsNamingTheParameter() {
        usage.record(SYS, s(a, NOW.minusSeconds(30), 1));
        refusedAndNothingWritten(
                () -> usage.series(SYS, a, Instant.MIN, NOW), "from", "must be between 0001-01-01T00:00:00Z");
        refusedAndNothingWritten(() -> usage.series(SYS, a, NOW, Instant.MAX), "to", "must be between");
        refusedAndNothingWritten(() -> usage.series(SYS, a, null, NOW), "from", "is required");
        refusedAndNothingWritten(
                () -> usage.seriesBuckets(SYS, a, Instant.MIN, Instant.MAX, 10), "from", "must be between");
        refusedAndNothingWritten(() -> usage.seriesBuckets(SYS, a, NOW, Instant.MAX, 10), "to", "must be between");
        refusedAndNothingWritten(
                () -> usage.seriesBuckets(SYS, a, Instant.parse("+10000-01-01T00:00:00Z"), Instant.MAX, 10),
                "from",
                "must be between");
        refusedAndNothingWritten(
                () -> usage.daily(SYS, a, LocalDate.MIN, LocalDate.parse("2026-11-20")),
                "from",
                "must be between 0001-01-01");
        refusedAndNothingWritten(
                () -> usage.daily(SYS, a, LocalDate.parse("2026-11-20"), LocalDate.MAX), "to", "must be between");
        refusedAndNothingWritten(() -> usage.rollupDay(SYS, LocalDate.MIN), "day", "must be between");
        refusedAndNothingWritten(() -> usage.rollupDay(SYS, LocalDate.MAX), "day", "must be between");
        refusedAndNothingWritten(
                () -> usage.sitesOverLimit(SYS, Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)),
                "window",
                "must be between 1 second and 31 days");
        refusedAndNothingWritten(() -> usage.sitesOverLimit(SYS, Duration.ofNanos(1)), "window", "must be between");
        refusedAndNothingWritten(
                () -> usage.sitesOverLimit(SYS, Duration.ofSeconds(Long.MIN_VALUE)), "window", "must be between");
        refusedAndNothingWritten(() -> usage.sitesOverLimit(SYS, null), "window", "is required");
        // the widest valid range works
        Instant first = UsageRepository.MIN_QUERY_INSTANT;
        Instant last = UsageRepository.MAX_QUERY_INSTANT;
        assertThat(usage.series(SYS, a, first, last)).hasSize(1);
        assertThat(usage.seriesBuckets(SYS, a, first, last, UsageRepository.MAX_BUCKETS))
                .hasSize(UsageRepository.MAX_BUCKETS)
                .filteredOn(x -> x.samples() > 0)
                .hasSize(1);
        assertThat(usage.daily(SYS, a, LocalDate.of(1, 1, 1), LocalDate.of(9999, 12, 31)))
                .isEmpty();
    }

    // --- the recent table and the history ------------------------------------------------------

    @Test
    void movedSamplesStayIdempotentAndConflictingOnesAreStillRefused() {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                TempDatabase.onPostgres(),
                "SQLite's recent/history staging: PostgreSQL ingest stores into the partitioned history directly"
                        + " (postgres.UsagePartitionsTest)");
        List<UsageSample> batch =
                List.of(s(a, NOW.minusSeconds(60), 1), s(b, NOW.minusSeconds(60), 2), s(a, NOW.minusSeconds(30), 3));
        assertThat(usage.recordBatch(SYS, batch)).isEqualTo(3);
        assertThat(usage.moveRecentSamples(SYS)).isEqualTo(3);
        int recent = db.read(TestDb.system(db), dsl -> dsl.fetchCount(USAGE_RECENT));
        int history = db.read(TestDb.system(db), dsl -> dsl.fetchCount(USAGE_SAMPLES));
        assertThat(recent).isZero();
        assertThat(history).isEqualTo(3);
        // re-sending the moved batch writes nothing
        Map<String, List<String>> before = DbSnapshot.of(db);
        assertThat(usage.recordBatch(SYS, batch)).isZero();
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        // a different value for a moved (site, second) is a conflict, and the batch is not recorded
        assertThatThrownBy(() -> usage.recordBatch(SYS, List.of(s(b, NOW, 9), s(a, NOW.minusSeconds(60), 99))))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("samples[1] (site " + a + " at " + NOW.minusSeconds(60) + ")");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        // a late sample below the moved mark is stored (in the recent table) and found by every query
        assertThat(usage.record(SYS, s(a, NOW.minusSeconds(45), 4))).isEqualTo(1);
        assertThat(usage.series(SYS, a, NOW.minusSeconds(3600), NOW))
                .extracting(UsageSample::activeRequests)
                .containsExactly(1, 4, 3);
        long movedBefore = db.read(
                TestDb.system(db),
                dsl -> dsl.select(USAGE_INGEST_STATE.MOVED_BEFORE)
                        .from(USAGE_INGEST_STATE)
                        .fetchOne(USAGE_INGEST_STATE.MOVED_BEFORE));
        assertThat(movedBefore).isEqualTo(NOW.minusSeconds(30).getEpochSecond() + 1);
        assertThat(usage.moveRecentSamples(SYS)).isEqualTo(1);
        assertThat(usage.series(SYS, a, NOW.minusSeconds(3600), NOW))
                .extracting(UsageSample::activeRequests)
                .containsExactly(1, 4, 3);
    }

    @Test
    void ingestMovesRecentRowsInStepsOfAFewSitesOnceTheThresholdIsReached() {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                TempDatabase.onPostgres(),
                "SQLite's recent/history staging: PostgreSQL ingest stores into the partitioned history directly"
                        + " (postgres.UsagePartitionsTest)");
        UsageRepository small = new UsageRepository(db, 4, 1);
        Instant t = NOW.minusSeconds(600);
        small.recordBatch(SYS, List.of(s(a, t, 1), s(b, t, 1), s(a, t.plusSeconds(30), 1)));
        int history = db.read(TestDb.system(db), dsl -> dsl.fetchCount(USAGE_SAMPLES));
        assertThat(history).as("below the threshold nothing moves").isZero();
        // the 4th row reaches the threshold: one step moves one site's rows (site a: 2 samples)
        small.record(SYS, s(b, t.plusSeconds(30), 1));
        history = db.read(TestDb.system(db), dsl -> dsl.fetchCount(USAGE_SAMPLES));
        assertThat(history).isEqualTo(2);
        int recent = db.read(TestDb.system(db), dsl -> dsl.fetchCount(USAGE_RECENT));
        assertThat(recent).isEqualTo(2);
        long counted = db.read(
                TestDb.system(db),
                dsl -> dsl.select(USAGE_INGEST_STATE.RECENT_ROWS)
                        .from(USAGE_INGEST_STATE)
                        .fetchOne(USAGE_INGEST_STATE.RECENT_ROWS));
        assertThat(counted).isEqualTo(2);
    }

    // --- checkpoints off the commit path --------------------------------------------------------

    @Test
    void commitsLeaveCheckpointsToTheBackgroundThread() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(TempDatabase.onPostgres(), "WAL checkpoints are SQLite's");
        long pages = db.withWriterConnection(c -> SqliteOnly.pragmaLong(c, "wal_autocheckpoint"));
        assertThat(pages).isEqualTo(SqliteOnly.WRITER_AUTOCHECKPOINT_PAGES);
        usage.record(SYS, s(a, NOW, 1));
        long start = db.backgroundCheckpoints();
        for (int i = 0; i < 600 && db.backgroundCheckpoints() == start; i++) Thread.sleep(100);
        assertThat(db.backgroundCheckpoints()).isGreaterThan(start);
    }
}
