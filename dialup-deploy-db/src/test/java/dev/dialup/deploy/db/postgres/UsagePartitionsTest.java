package dev.dialup.deploy.db.postgres;

import static dev.dialup.deploy.db.generated.Tables.USAGE_DAY_TOTALS;
import static dev.dialup.deploy.db.generated.Tables.USAGE_LATEST;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.ops.PlatformMaintenance;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.PgTestServer;
import dev.dialup.deploy.db.testing.TestDb;
import dev.dialup.deploy.db.usage.PruneResult;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jooq.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code usage_samples} partitioned by UTC day on PostgreSQL (V61; docs/schema.md, "Usage on PostgreSQL"):
 * partitions made ahead by maintenance and on demand by ingest, retention by dropping whole partitions (never a
 * row delete), the SECURITY DEFINER functions' refusals, row-level security on every partition, and ingest
 * giving the same stored rows and aggregates as on SQLite.
 */
class UsagePartitionsTest {
    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    static final long DAY = 86_400;

    PgTestServer.Database pg;
    DialupDatabase db;
    AccessScope sys;
    UsageRepository usage;
    long a;
    long b;

    @TempDir
    Path dir;

    @BeforeEach
    void open() {
        pg = PgTestServer.freshMigratedDatabase("UsagePartitionsTest");
        db = DialupDatabase.builder()
                .location(pg.location())
                .allowSystemScope()
                .insecurePasswordHashingForTests()
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .build();
        sys = db.systemScope("monitoring");
        usage = new UsageRepository(db);
        Fixtures f = new Fixtures(db);
        long owner = f.user("owner");
        a = f.personalSite("Site A", owner);
        b = f.personalSite("Site B", owner);
    }

    @AfterEach
    void close() {
        try {
            db.close();
        } finally {
            pg.close();
        }
    }

    static UsageSample s(long site, Instant at, int requests) {
        return UsageSample.of(site, at, 100, 10, 50, 0.5, requests, 20);
    }

    static String name(LocalDate day) {
        return "usage_samples_p" + day.toString().replace("-", "");
    }

    /** The partitions of usage_samples, by name, from the catalog. */
    List<String> partitions() throws SQLException {
        return strings("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                + " WHERE i.inhparent = 'usage_samples'::regclass ORDER BY 1");
    }

    List<String> strings(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    long count(String table) throws SQLException {
        return Long.parseLong(strings("SELECT count(*) FROM " + table).get(0));
    }

    @Test
    void maintenanceCreatesTheDailyPartitionsAheadOnce() throws Exception {
        assertThat(partitions()).isEmpty();
        var result = PlatformMaintenance.usagePartitionsTask(db).run();
        assertThat(result.summary()).startsWith("8 daily partitions created");
        List<String> expected = new ArrayList<>();
        for (int d = 0; d <= UsageRepository.PARTITION_DAYS_AHEAD; d++) {
            expected.add(name(LocalDate.of(2026, 11, 20).plusDays(d)));
        }
        assertThat(partitions()).containsExactlyElementsOf(expected);
        assertThat(usage.createPartitionsAhead(sys)).isZero(); // already there
        assertThat(partitions()).containsExactlyElementsOf(expected);
        // each partition covers exactly its UTC day
        assertThat(strings("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = '"
                        + name(LocalDate.of(2026, 11, 21)) + "'"))
                .singleElement()
                .asString()
                .contains(Long.toString(Instant.parse("2026-11-21T00:00:00Z").getEpochSecond()))
                .contains(Long.toString(Instant.parse("2026-11-22T00:00:00Z").getEpochSecond()));
    }

    @Test
    void everyPartitionHasRowLevelSecurityEnabledAndForced() throws Exception {
        usage.createPartitionsAhead(sys);
        usage.record(sys, s(a, Instant.parse("2025-03-04T05:06:07Z"), 1)); // created by ingest
        List<String> rows = strings("SELECT c.relname || ' ' || c.relrowsecurity || ' ' || c.relforcerowsecurity"
                + " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                + " WHERE i.inhparent = 'usage_samples'::regclass ORDER BY 1");
        assertThat(rows).hasSize(9).allSatisfy(r -> assertThat(r).endsWith(" true true"));
        // each partition has the key (site_id, ts) and the BRIN index on ts of the partitioned table
        assertThat(strings("SELECT c.relname || ' ' || string_agg(am.amname, ',' ORDER BY am.amname)"
                        + " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                        + " JOIN pg_index x ON x.indrelid = c.oid JOIN pg_class ic ON ic.oid = x.indexrelid"
                        + " JOIN pg_am am ON am.oid = ic.relam"
                        + " WHERE i.inhparent = 'usage_samples'::regclass GROUP BY c.relname"))
                .hasSize(9)
                .allSatisfy(r -> assertThat(r).endsWith(" brin,btree"));
        // owned by the role that ran the migrations, like the parent
        assertThat(strings("SELECT DISTINCT pg_get_userbyid(c.relowner) = pg_get_userbyid(p.relowner)"
                        + " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent"
                        + " WHERE i.inhparent = 'usage_samples'::regclass"))
                .containsExactly("t");
    }

    /**
     * Two creators of the same day, as two batches needing it at once: the second, in a snapshot transaction that
     * has looked at the catalog already, waits for the first and then finds its partition instead of failing
     * with "relation … already exists" (V68: the function takes a relation lock, which makes the backend read
     * the catalog changes committed while it waited).
     */
    @Test
    void theSecondOfTwoConcurrentCreatorsOfADayFindsThePartition() throws Exception {
        long day = LocalDate.of(2024, 3, 1).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Connection first = pg.connect();
                Connection second = pg.connect()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            try (Statement st = second.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
                // The second's snapshot and catalog view: taken before the first creates the partition.
                st.executeQuery("SELECT to_regclass('" + name(LocalDate.of(2024, 3, 1)) + "')")
                        .close();
            }
            assertThat(ensure(first, day)).isTrue(); // holds the partition lock until it commits
            var secondCall = pool.submit(() -> ensure(second, day));
            Thread.sleep(300); // the second is waiting for the first's lock
            assertThat(secondCall).isNotDone();
            first.commit();
            assertThat(secondCall.get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .isFalse();
            second.commit();
        } finally {
            pool.shutdownNow();
        }
        assertThat(partitions()).contains(name(LocalDate.of(2024, 3, 1)));
    }

    /**
     * Two prunes at once: the second, whose snapshot predates the first's detach (or drop), finds its pick gone in
     * the committed catalog and fails with serialization_failure — which the library re-runs in a new transaction —
     * instead of an error about a table that is no longer a partition (V69). Its next transaction moves on.
     */
    @Test
    void aPruneThatMeetsAConcurrentPrunesWorkFailsAsASerializationFailureAndMovesOnWhenRetried() throws Exception {
        try (Connection first = pg.connect();
                Connection second = pg.connect()) {
            secondCallerMovesOnAfterTheFirst(
                    first, second, LocalDate.of(2024, 1, 1), UsagePartitionsTest::detachBefore);

            snapshotBeforeTheOther(second);
            assertThat(dropDetached(first)).hasSize(2);
            assertThatThrownBy(() -> dropDetached(second))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("40001"));
            second.rollback();
            assertThat(dropDetached(second)).isEmpty();
            second.commit();
        }
        assertThat(partitions()).doesNotContain(name(LocalDate.of(2024, 1, 1)), name(LocalDate.of(2024, 1, 2)));
    }

    /**
     * V71: V61's {@code dialup_usage_partition_drop_before}, kept for operators' scripts, had the same stale view:
     * a second caller whose snapshot predates the first caller's DROP picked the same day again. It now fails as a
     * serialization failure, and its retry drops the next day.
     */
    @Test
    void aDropBeforeThatMeetsAConcurrentDropFailsAsASerializationFailureAndMovesOnWhenRetried() throws Exception {
        try (Connection first = pg.connect();
                Connection second = pg.connect()) {
            secondCallerMovesOnAfterTheFirst(first, second, LocalDate.of(2024, 3, 1), UsagePartitionsTest::dropBefore);
        }
        assertThat(partitions()).doesNotContain(name(LocalDate.of(2024, 3, 1)), name(LocalDate.of(2024, 3, 2)));
    }

    /** A retention function of a cut: the partition it removed (null: none). */
    private interface Prune {
        String apply(Connection c, long cut) throws SQLException;
    }

    /**
     * Partitions for {@code day} and the day after; {@code second} takes its snapshot, {@code first} prunes
     * {@code day}; the second's prune then fails with 40001 and, retried in a new transaction, prunes the next day.
     */
    private static void secondCallerMovesOnAfterTheFirst(
            Connection first, Connection second, LocalDate day, Prune prune) throws SQLException {
        long start = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        long cut = start + 2 * 86400;
        ensure(first, start);
        ensure(first, start + 86400);
        snapshotBeforeTheOther(second);
        assertThat(prune.apply(first, cut)).isEqualTo(name(day));
        assertThatThrownBy(() -> prune.apply(second, cut))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("concurrent prune")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("40001"));
        second.rollback();
        assertThat(prune.apply(second, cut)).isEqualTo(name(day.plusDays(1)));
        second.commit();
    }

    /** Opens a REPEATABLE READ transaction on {@code c} and fixes its snapshot now. */
    private static void snapshotBeforeTheOther(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            st.executeQuery("SELECT 1").close();
        }
    }

    private static String detachBefore(Connection c, long cut) throws SQLException {
        return pruneBefore(c, "dialup_usage_partition_detach_before", cut);
    }

    private static String dropBefore(Connection c, long cut) throws SQLException {
        return pruneBefore(c, "dialup_usage_partition_drop_before", cut);
    }

    /** Calls one of the retention functions of a cut; the partition it removed, or null. */
    private static String pruneBefore(Connection c, String function, long cut) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT partition_name FROM " + function + "(?)")) {
            ps.setLong(1, cut);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static List<String> dropDetached(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT * FROM dialup_usage_partition_drop_detached()")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    private static boolean ensure(Connection c, long day) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT dialup_usage_partition_ensure(?)")) {
            ps.setLong(1, day);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    @Test
    void aSampleOfADayWithoutAPartitionIsStoredInANewPartition() throws Exception {
        Instant old = Instant.parse("2025-01-02T03:04:05Z");
        assertThat(usage.recordBatch(sys, List.of(s(a, old, 7), s(b, NOW.minusSeconds(30), 8))))
                .isEqualTo(2);
        assertThat(partitions()).containsExactly(name(LocalDate.of(2025, 1, 2)), name(LocalDate.of(2026, 11, 20)));
        assertThat(usage.series(sys, a, old, old.plusSeconds(1)))
                .extracting(UsageSample::activeRequests)
                .containsExactly(7);
        assertThat(count(name(LocalDate.of(2025, 1, 2)))).isEqualTo(1);
        // aggregates kept as on SQLite: the day total of that day, the latest sample of each site
        long day = db.read(
                TestDb.system(db),
                dsl -> dsl.selectFrom(USAGE_DAY_TOTALS)
                        .where(USAGE_DAY_TOTALS.SITE_ID.eq(a))
                        .fetchSingle()
                        .getDay());
        assertThat(day).isEqualTo(Instant.parse("2025-01-02T00:00:00Z").getEpochSecond());
        assertThat(usage.latest(sys, List.of(a, b))).hasSize(2);
    }

    @Test
    void onlyTheRoutingErrorCountsAsAMissingPartitionNotACheckViolation() throws Exception {
        usage.createPartitionsAhead(sys);
        var partitions = new dev.dialup.deploy.db.engine.postgresql.PostgresUsagePartitions();
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            SQLException noPartition = org.junit.jupiter.api.Assertions.assertThrows(
                    SQLException.class,
                    () -> st.execute("INSERT INTO usage_samples (site_id, ts) VALUES (" + a + ", 0)"));
            assertThat(noPartition.getSQLState()).isEqualTo("23514");
            assertThat(partitions.isMissingPartition(new RuntimeException(noPartition)))
                    .isTrue();
            SQLException check = org.junit.jupiter.api.Assertions.assertThrows(
                    SQLException.class,
                    () -> st.execute("INSERT INTO usage_samples (site_id, ts, memory_mb_x100) VALUES (" + a + ", "
                            + NOW.getEpochSecond() + ", -1)"));
            assertThat(check.getSQLState()).isEqualTo("23514");
            assertThat(partitions.isMissingPartition(check)).isFalse();
        }
    }

    @Test
    void aBatchNeedingMoreThanAMonthOfNewPartitionsIsRefusedAndWritesNothing() throws Exception {
        List<UsageSample> batch = new ArrayList<>();
        for (int d = 0; d < 32; d++)
            batch.add(s(a, Instant.parse("2025-01-01T12:00:00Z").plus(Duration.ofDays(d)), d));
        Map<String, List<String>> before = DbSnapshot.of(db);
        assertThatThrownBy(() -> usage.recordBatch(sys, batch))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("32 UTC days without a partition");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        assertThat(partitions()).isEmpty();
        // 31 days are fine
        assertThat(usage.recordBatch(sys, batch.subList(0, 31))).isEqualTo(31);
        assertThat(partitions()).hasSize(31);
    }

    @Test
    void retentionDropsWholePartitionsAndNeverDeletesARow() throws Exception {
        Instant cutoff = NOW.minus(Duration.ofDays(30)); // 2026-10-21T12:00Z with the default retention
        List<UsageSample> batch = List.of(
                s(a, Instant.parse("2026-10-15T08:00:00Z"), 1),
                s(b, Instant.parse("2026-10-15T09:00:00Z"), 2),
                s(a, Instant.parse("2026-10-20T23:59:59Z"), 3), // the day before the cutoff's: dropped
                s(a, cutoff.minusSeconds(1), 4), // before the cutoff, but in the cutoff's day: kept
                s(a, cutoff, 5),
                s(b, NOW.minusSeconds(30), 6));
        assertThat(usage.recordBatch(sys, batch)).isEqualTo(6);
        assertThat(partitions())
                .containsExactly(
                        "usage_samples_p20261015",
                        "usage_samples_p20261020",
                        "usage_samples_p20261021",
                        "usage_samples_p20261120");
        // A row delete on usage_samples (or any partition) would now fail: retention must not need one.
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("CREATE FUNCTION test_no_row_delete() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN RAISE EXCEPTION 'row delete on %', TG_TABLE_NAME; END $$");
            st.execute("CREATE TRIGGER test_no_row_delete BEFORE DELETE ON usage_samples"
                    + " FOR EACH ROW EXECUTE FUNCTION test_no_row_delete()");
        }

        PruneResult r = usage.prune(sys);

        assertThat(r.samplesDeleted()).isEqualTo(3);
        assertThat(partitions()).containsExactly("usage_samples_p20261021", "usage_samples_p20261120");
        assertThat(count("usage_samples_p20261021")).isEqualTo(2);
        assertThat(usage.series(sys, a, Instant.parse("2026-10-01T00:00:00Z"), NOW))
                .extracting(UsageSample::activeRequests)
                .containsExactly(4, 5);
        // the day totals of dropped days go too (a key range of the aggregate table)
        assertThat(db.read(TestDb.system(db), dsl -> dsl.fetch(USAGE_DAY_TOTALS))
                        .getValues(USAGE_DAY_TOTALS.DAY))
                .allSatisfy(d -> assertThat(d)
                        .isGreaterThanOrEqualTo(
                                Instant.parse("2026-10-21T00:00:00Z").getEpochSecond()));
        // a second prune finds nothing more to drop
        assertThat(usage.prune(sys).samplesDeleted()).isZero();
        assertThat(dayTables())
                .as("no detached table is left")
                .containsExactly("usage_samples_p20261021", "usage_samples_p20261120");
    }

    /**
     * Retention detaches a partition in one transaction and drops its table in the next (V65): a table detached by
     * a prune interrupted in between is dropped by the next prune, and its rows are not counted again.
     */
    @Test
    void aPartitionDetachedByAnInterruptedPruneIsDroppedByTheNextOne() throws Exception {
        usage.recordBatch(
                sys,
                List.of(
                        s(a, Instant.parse("2026-10-10T08:00:00Z"), 1),
                        s(a, Instant.parse("2026-10-12T08:00:00Z"), 2),
                        s(b, NOW.minusSeconds(30), 3)));
        try (Connection c = pg.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT partition_name, row_count FROM dialup_usage_partition_detach_before(?)")) {
            // The rows are counted through usage_samples' policies: as the library's prune does, with the
            // system capability.
            try (Statement st = c.createStatement()) {
                st.execute("SELECT set_config('dialup.system', 'on', false)");
            }
            ps.setLong(1, Instant.parse("2026-10-21T00:00:00Z").getEpochSecond());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("usage_samples_p20261010");
                assertThat(rs.getLong(2)).isEqualTo(1);
            }
        }
        // Detached, not dropped: out of usage_samples, still a table.
        assertThat(partitions()).containsExactly("usage_samples_p20261012", "usage_samples_p20261120");
        assertThat(dayTables()).contains("usage_samples_p20261010");

        assertThat(usage.prune(sys).samplesDeleted()).isEqualTo(1); // the 12th only
        assertThat(dayTables()).containsExactly("usage_samples_p20261120");
        assertThat(partitions()).containsExactly("usage_samples_p20261120");
    }

    /**
     * The over-limit query turns index-only scans off for its statement (the covering key, V66, would win over
     * the BRIN ranges) and puts the caller's setting back — also inside a write it joins.
     */
    @Test
    void theOverLimitQueryRestoresThePlannerSettingItChanges() {
        usage.recordBatch(sys, List.of(s(a, NOW.minusSeconds(30), 1)));
        String after = db.write(sys, tx -> {
            usage.sitesOverLimit(sys, Duration.ofMinutes(5));
            return String.valueOf(tx.fetchValue("SELECT current_setting('enable_indexonlyscan')"));
        });
        assertThat(after).isEqualTo("on");
        String keyColumns = db.read(
                sys,
                tx -> String.valueOf(tx.fetchValue(
                        "SELECT pg_get_indexdef(conindid) FROM pg_constraint WHERE conname = 'usage_samples_pkey'")));
        assertThat(keyColumns).contains("(site_id, ts) INCLUDE (memory_mb_x100");
    }

    /** Every table named like a day partition, attached or not. */
    List<String> dayTables() throws SQLException {
        return strings("SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^usage_samples_p[0-9]{8}$'"
                + " ORDER BY 1");
    }

    @Test
    void theDefinerFunctionsRefuseBadArguments() throws Exception {
        usage.createPartitionsAhead(sys);
        List<String> before = partitions();
        long now = Instant.now().getEpochSecond();
        for (String call : List.of(
                "SELECT dialup_usage_partition_ensure(NULL)",
                "SELECT dialup_usage_partition_ensure(-86400)",
                "SELECT dialup_usage_partition_ensure(1)", // not a day start
                "SELECT dialup_usage_partition_ensure(86399)",
                "SELECT dialup_usage_partition_ensure(253402300800)", // 10000-01-01
                "SELECT * FROM dialup_usage_partition_drop_before(NULL)",
                "SELECT * FROM dialup_usage_partition_drop_before(-1)",
                "SELECT * FROM dialup_usage_partition_drop_before(" + now + ")", // would drop today's samples
                "SELECT * FROM dialup_usage_partition_drop_before(" + (now - 3600) + ")",
                "SELECT * FROM dialup_usage_partition_drop_before(9223372036854775807)",
                "SELECT * FROM dialup_usage_partition_detach_before(NULL)",
                "SELECT * FROM dialup_usage_partition_detach_before(-1)",
                "SELECT * FROM dialup_usage_partition_detach_before(" + now + ")",
                "SELECT * FROM dialup_usage_partition_detach_before(" + (now - 3600) + ")",
                "SELECT * FROM dialup_usage_partition_detach_before(9223372036854775807)")) {
            try (Connection c = pg.connect();
                    Statement st = c.createStatement()) {
                assertThatThrownBy(() -> st.executeQuery(call))
                        .as(call)
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
            }
        }
        assertThat(partitions()).isEqualTo(before);
        // All run as their owner with a fixed search path; callers only pass integers (bind parameters).
        assertThat(strings("SELECT p.proname || ' ' || p.prosecdef || ' ' || array_to_string(p.proconfig, ',')"
                        + " FROM pg_proc p WHERE p.proname LIKE 'dialup_usage_partition%' ORDER BY 1"))
                .containsExactly(
                        "dialup_usage_partition_detach_before true search_path=pg_catalog, public, pg_temp",
                        "dialup_usage_partition_drop_before true search_path=pg_catalog, public, pg_temp",
                        "dialup_usage_partition_drop_detached true search_path=pg_catalog, public, pg_temp",
                        "dialup_usage_partition_ensure true search_path=pg_catalog, public, pg_temp");
    }

    @Test
    void aRoleThatCannotRunDdlCreatesAndDropsPartitionsOnlyThroughTheFunctions() throws Exception {
        String role = "usage_runtime_" + Long.toHexString(new Random().nextLong() & 0xffffffffL);
        try (Connection owner = pg.connect();
                Statement st = owner.createStatement()) {
            st.execute("CREATE ROLE " + role + " NOLOGIN");
            st.execute("GRANT SELECT, INSERT ON usage_samples TO " + role);
        }
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("SET ROLE " + role);
            assertThatThrownBy(() -> st.execute("CREATE TABLE usage_samples_p20300101 PARTITION OF usage_samples"
                            + " FOR VALUES FROM (1893456000) TO (1893542400)"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            try (PreparedStatement ps = c.prepareStatement("SELECT dialup_usage_partition_ensure(?)")) {
                ps.setLong(1, 1893456000L); // 2030-01-01
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getBoolean(1)).isTrue();
                }
            }
            // the partition is the owner's, not the caller's; direct access to it is not granted
            assertThatThrownBy(() -> st.executeQuery("SELECT count(*) FROM usage_samples_p20300101"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT partition_name FROM dialup_usage_partition_drop_before(?)")) {
                ps.setLong(1, 1893542400L);
                // 2030 is after the server's now: the function refuses to drop it
                assertThatThrownBy(ps::executeQuery).isInstanceOf(SQLException.class);
            }
            st.execute("RESET ROLE");
        } finally {
            try (Connection owner = pg.connect();
                    Statement st = owner.createStatement()) {
                st.execute("REVOKE ALL ON usage_samples FROM " + role);
                st.execute("DROP ROLE " + role);
            }
        }
        assertThat(partitions()).containsExactly("usage_samples_p20300101");
        assertThat(strings("SELECT pg_get_userbyid(relowner) <> '" + role
                        + "' FROM pg_class WHERE relname = 'usage_samples_p20300101'"))
                .containsExactly("t");
    }

    @Test
    void aSampleStillInTheRecentTableIsNeitherDuplicatedNorOverwritten() throws Exception {
        // usage_recent holds rows on PostgreSQL only when they came from elsewhere (a move from SQLite)
        long t = NOW.minusSeconds(120).getEpochSecond();
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO usage_recent VALUES (" + t + ", " + a + ", 10000, 1000, 5000, 500, 3, 2000)");
        }
        UsageSample same = s(a, Instant.ofEpochSecond(t), 3);
        assertThat(usage.record(sys, same)).isZero();
        assertThatThrownBy(() -> usage.record(sys, s(a, Instant.ofEpochSecond(t), 4)))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("samples[0] (site " + a);
        int history = db.read(TestDb.system(db), dsl -> dsl.fetchCount(USAGE_SAMPLES));
        int recent = db.read(TestDb.system(db), dsl -> dsl.fetchCount(USAGE_RECENT));
        assertThat(history).isZero();
        assertThat(recent).isEqualTo(1);
        // moving it later goes into its day's partition, created on the way
        assertThat(usage.moveRecentSamples(sys)).isEqualTo(1);
        assertThat(partitions()).containsExactly(name(LocalDate.of(2026, 11, 20)));
        assertThat(usage.series(sys, a, NOW.minusSeconds(3600), NOW)).hasSize(1);
    }

    @Test
    void ingestStoresTheSameRowsAndAggregatesAsOnSqlite() throws Exception {
        try (DialupDatabase lite =
                TestDb.builder(dir).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build()) {
            Fixtures f = new Fixtures(lite);
            long owner = f.user("owner");
            assertThat(f.personalSite("Site A", owner)).isEqualTo(a);
            assertThat(f.personalSite("Site B", owner)).isEqualTo(b);
            UsageRepository liteUsage = new UsageRepository(lite);
            AccessScope liteSys = lite.systemScope("monitoring");
            Random r = new Random(13);
            for (int round = 0; round < 20; round++) {
                List<UsageSample> batch = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    long site = r.nextBoolean() ? a : b;
                    Instant at = NOW.minusSeconds(r.nextInt(3 * 86_400));
                    if (batch.stream()
                            .anyMatch(x -> x.siteId() == site && x.timestamp().getEpochSecond() == at.getEpochSecond()))
                        continue;
                    batch.add(UsageSample.of(
                            site,
                            at,
                            r.nextDouble() * 900,
                            r.nextDouble() * 100,
                            r.nextDouble() * 500,
                            r.nextDouble() * 3,
                            r.nextInt(400),
                            r.nextDouble() * 200));
                }
                int onSqlite = storeOrConflict(liteUsage, liteSys, batch);
                int onPostgres = storeOrConflict(usage, sys, batch);
                assertThat(onPostgres).as("round " + round).isEqualTo(onSqlite);
                // a re-sent batch writes nothing on either
                assertThat(storeOrConflict(usage, sys, batch)).isZero();
                assertThat(storeOrConflict(liteUsage, liteSys, batch)).isZero();
                if (round == 10) liteUsage.moveRecentSamples(liteSys); // SQLite: half in its history, half recent
            }
            assertThat(rows(db, USAGE_LATEST)).isEqualTo(rows(lite, USAGE_LATEST));
            assertThat(rows(db, USAGE_DAY_TOTALS)).isEqualTo(rows(lite, USAGE_DAY_TOTALS));
            assertThat(usage.series(sys, a, NOW.minus(Duration.ofDays(4)), NOW))
                    .isEqualTo(liteUsage.series(liteSys, a, NOW.minus(Duration.ofDays(4)), NOW));
            assertThat(usage.sitesOverLimit(sys, Duration.ofDays(3)))
                    .isEqualTo(liteUsage.sitesOverLimit(liteSys, Duration.ofDays(3)));
        }
    }

    /** Stored count, or -1 when the batch was refused as a conflict (same answer expected on both engines). */
    static int storeOrConflict(UsageRepository u, AccessScope scope, List<UsageSample> batch) {
        try {
            return u.recordBatch(scope, batch);
        } catch (ConflictException e) {
            return -1;
        }
    }

    static List<String> rows(DialupDatabase d, org.jooq.Table<? extends Record> table) {
        return d.read(
                TestDb.system(d),
                dsl -> dsl.selectFrom(table).fetch().stream()
                        .map(Record::intoList)
                        .map(Object::toString)
                        .sorted()
                        .toList());
    }
}
