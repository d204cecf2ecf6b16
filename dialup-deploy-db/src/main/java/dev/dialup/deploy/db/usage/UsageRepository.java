package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;
import static dev.dialup.deploy.db.generated.Tables.USAGE_DAY_TOTALS;
import static dev.dialup.deploy.db.generated.Tables.USAGE_INGEST_STATE;
import static dev.dialup.deploy.db.generated.Tables.USAGE_LATEST;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.config.internal.ConfigValues;
import dev.dialup.deploy.db.generated.tables.SiteResourceLimits;
import dev.dialup.deploy.db.generated.tables.SiteUsageDaily;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.UsageDayTotals;
import dev.dialup.deploy.db.generated.tables.UsageLatest;
import dev.dialup.deploy.db.generated.tables.UsageRecent;
import dev.dialup.deploy.db.generated.tables.UsageSamples;
import dev.dialup.deploy.db.sites.ResourceLimits;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.access.TenantFilter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectField;
import org.jooq.Table;
import org.jooq.conf.ParamType;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resource usage: the interface the monitoring core (plan Stage 2) calls every 30 seconds
 * for every site, and the one dashboards read.
 *
 * <ul>
 *   <li>Ingest, the enforcement query, rollup and retention: system scope only.</li>
 *   <li>Everything else is user-facing and sees only sites visible to the scope
 *       ({@link TenantFilter#siteVisible}); an invisible site is a {@link NotFoundException},
 *       exactly like a missing one.</li>
 * </ul>
 *
 * Storage (V20 + V60, docs/usage.md and docs/schema.md): new samples are appended to
 * {@code usage_recent}, keyed by time ({@code (ts, site_id)}), so a round of every site touches a
 * few pages at the right edge of one B-tree. After an ingest call has committed, the same call
 * moves the recent rows of a few sites into the site-clustered history {@code usage_samples}
 * (one short transaction; {@link #moveRecentSamples} moves everything), keeping
 * {@code usage_recent} small. Every (site, second) is stored once, in one of the two tables, and
 * every query reads both. Triggers on {@code usage_recent} keep {@code usage_latest} and
 * {@code usage_day_totals}. Rollup and prune stream inside SQLite and never hold a day of
 * samples in memory.
 */
public final class UsageRepository {
    private static final Logger log = LoggerFactory.getLogger(UsageRepository.class);

    /** Largest batch {@link #recordBatch} takes (one transaction). */
    public static final int MAX_BATCH = 100_000;
    /** Largest accepted measurement value (keeps fixed-point arithmetic far from overflow). */
    public static final double MAX_VALUE = 1e12;
    public static final int MAX_BUCKETS = 10_000;
    /** Query instants must lie in [0001-01-01, 9999-12-31] (UTC): what every database's time type holds. */
    public static final Instant MIN_QUERY_INSTANT = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant MAX_QUERY_INSTANT = Instant.parse("9999-12-31T23:59:59.999999999Z");
    /** Rows {@code usage_recent} may hold before ingest calls start moving them (about 20 rounds of 1,000 sites). */
    static final int DEFAULT_RECENT_ROWS = 20_000;
    /** Sites (by id range) whose recent rows one move step copies into the history. */
    static final int DEFAULT_SITES_PER_MOVE = 50;
    /** Largest number of recent rows one retention step deletes. */
    static final int PRUNE_RECENT_ROWS_PER_STEP = 5_000;
    private static final long DAY = 86_400;
    private static final long DEFAULT_SKEW_SECONDS = 300;

    private final UsageSamples u = USAGE_SAMPLES.as("u");
    private final UsageRecent rc = USAGE_RECENT.as("rc");
    private final UsageLatest l = USAGE_LATEST.as("l");
    private final UsageDayTotals t = USAGE_DAY_TOTALS.as("t");
    private final SiteResourceLimits lim = SITE_RESOURCE_LIMITS.as("lim");
    private final SiteUsageDaily d = SITE_USAGE_DAILY.as("d");
    private final Sites s = SITES.as("s");

    private final DialupDatabase db;
    private final int recentRowsBeforeMove;
    private final int sitesPerMove;
    private final String insertSql;
    private final String stateSql;
    private final String addRecentRowsSql;
    private final String historyLookupSql;
    private final String recentLookupSql;

    public UsageRepository(DialupDatabase db) {
        this(db, DEFAULT_RECENT_ROWS, DEFAULT_SITES_PER_MOVE);
    }

    /** Tests and benchmarks: when ingest starts moving recent rows, and how many sites one move step takes. */
    UsageRepository(DialupDatabase db, int recentRowsBeforeMove, int sitesPerMove) {
        if (recentRowsBeforeMove < 0 || sitesPerMove < 1) throw new IllegalArgumentException("bad move settings");
        this.db = Objects.requireNonNull(db, "db");
        this.recentRowsBeforeMove = recentRowsBeforeMove;
        this.sitesPerMove = sitesPerMove;
        // Rendered once with jOOQ (portable SQL), executed with plain JDBC: the ingest hot path.
        DSLContext render = DSL.using(org.jooq.SQLDialect.SQLITE);
        this.insertSql = render
                .insertInto(USAGE_RECENT, USAGE_RECENT.SITE_ID, USAGE_RECENT.TS, USAGE_RECENT.MEMORY_MB_X100,
                        USAGE_RECENT.CPU_PERCENT_X100, USAGE_RECENT.DISK_MB_X100, USAGE_RECENT.BANDWIDTH_MB_X1000,
                        USAGE_RECENT.ACTIVE_REQUESTS, USAGE_RECENT.RESPONSE_TIME_MS_X100)
                .values(DSL.param("a", SQLDataType.BIGINT), DSL.param("b", SQLDataType.BIGINT), DSL.param("c", SQLDataType.BIGINT),
                        DSL.param("d", SQLDataType.BIGINT), DSL.param("e", SQLDataType.BIGINT), DSL.param("f", SQLDataType.BIGINT),
                        DSL.param("g", SQLDataType.BIGINT), DSL.param("h", SQLDataType.BIGINT))
                .onConflictDoNothing()
                .getSQL(ParamType.INDEXED);
        this.stateSql = render
                .select(USAGE_INGEST_STATE.MOVED_BEFORE,
                        DSL.field(DSL.select(SYSTEM_CONFIG.VALUE).from(SYSTEM_CONFIG)
                                .where(SYSTEM_CONFIG.KEY.eq(DSL.inline(ConfigKeys.USAGE_MAX_CLOCK_SKEW_SECONDS)))))
                .from(USAGE_INGEST_STATE)
                .where(USAGE_INGEST_STATE.ID.eq(DSL.inline(1L)))
                .getSQL(ParamType.INDEXED);
        this.addRecentRowsSql = render.update(USAGE_INGEST_STATE)
                .set(USAGE_INGEST_STATE.RECENT_ROWS, USAGE_INGEST_STATE.RECENT_ROWS.plus(DSL.param("n", SQLDataType.BIGINT)))
                .where(USAGE_INGEST_STATE.ID.eq(DSL.inline(1L)))
                .returningResult(USAGE_INGEST_STATE.RECENT_ROWS)
                .getSQL(ParamType.INDEXED);
        this.historyLookupSql = render.select(sampleFields(USAGE_SAMPLES)).from(USAGE_SAMPLES)
                .where(USAGE_SAMPLES.SITE_ID.eq(DSL.param("s", SQLDataType.BIGINT))).and(USAGE_SAMPLES.TS.eq(DSL.param("t", SQLDataType.BIGINT)))
                .getSQL(ParamType.INDEXED);
        this.recentLookupSql = render.select(sampleFields(USAGE_RECENT)).from(USAGE_RECENT)
                .where(USAGE_RECENT.SITE_ID.eq(DSL.param("s", SQLDataType.BIGINT))).and(USAGE_RECENT.TS.eq(DSL.param("t", SQLDataType.BIGINT)))
                .getSQL(ParamType.INDEXED);
    }

    // --- ingest (system scope) -------------------------------------------------------

    /** Records one sample (a poller's call). Same rules as {@link #recordBatch}. */
    public int record(AccessScope scope, UsageSample sample) {
        return recordBatch(scope, List.of(Objects.requireNonNull(sample, "sample")));
    }

    /**
     * Records a batch (many sites, one transaction). Each element must name an existing site,
     * have a timestamp at or after 1970 and at most {@code usage.max_clock_skew_seconds} (default
     * 300) after now, and finite, non-negative values. A bad element, an unknown site, the same
     * (site, second) twice in the batch, or a (site, second) already stored with <em>different</em>
     * values rejects the whole batch with an error naming the element, and writes nothing. A
     * sample already stored with the same values is skipped, so re-sending a batch is harmless.
     *
     * <p>After the batch has committed, the call may run one move step (a separate short
     * transaction) that copies the recent rows of a few sites into the history; a failure
     * there is logged and retried by a later call, never reported as a failed batch.
     *
     * @return how many samples were newly stored
     */
    public int recordBatch(AccessScope scope, List<UsageSample> samples) {
        TenantFilter.requireSystem(db, scope, "recording resource usage");
        Objects.requireNonNull(samples, "samples");
        if (samples.size() > MAX_BATCH) {
            throw new ValidationException("samples", "at most " + MAX_BATCH + " samples per batch, got " + samples.size());
        }
        long[][] rows = validate(samples);
        if (rows.length == 0) return 0;
        long[] recentAfter = new long[1];
        int inserted = db.write(tx -> tx.connectionResult(c -> insert(tx, c, samples, rows, recentAfter)));
        if (recentAfter[0] >= recentRowsBeforeMove) {
            try {
                moveStep();
            } catch (RuntimeException e) {
                log.warn("Moving recent usage samples into the history failed (a later call retries): {}", e.getMessage());
            }
        }
        return inserted;
    }

    /**
     * The ingest statements, prepared once on the physical writer connection (compiling an
     * INSERT with its triggers costs more than running it for one row). There is one writer
     * connection, used by one thread at a time; a new physical connection gets new statements.
     */
    private record Statements(Connection raw, PreparedStatement state, PreparedStatement insert, PreparedStatement addRecentRows,
                              PreparedStatement historyLookup, PreparedStatement recentLookup) {
        void close() {
            for (PreparedStatement ps : new PreparedStatement[] {state, insert, addRecentRows, historyLookup, recentLookup}) {
                try {
                    ps.close();
                } catch (SQLException e) {
                    // the connection is gone already
                }
            }
        }
    }

    private Statements statements;

    private synchronized Statements statements(Connection c) throws SQLException {
        Connection raw = c.unwrap(org.sqlite.SQLiteConnection.class);
        Statements st = statements;
        if (st == null || st.raw() != raw || raw.isClosed()) {
            if (st != null) st.close();
            st = new Statements(raw, raw.prepareStatement(stateSql), raw.prepareStatement(insertSql), raw.prepareStatement(addRecentRowsSql),
                    raw.prepareStatement(historyLookupSql), raw.prepareStatement(recentLookupSql));
            statements = st;
        }
        return st;
    }

    private int insert(DSLContext tx, Connection c, List<UsageSample> samples, long[][] rows, long[] recentAfter) throws SQLException {
        Statements st = statements(c);
        long movedBefore;
        long skew = DEFAULT_SKEW_SECONDS;
        try (ResultSet rs = st.state().executeQuery()) {
            if (!rs.next()) throw new IllegalStateException("usage_ingest_state has no row (V60)");
            movedBefore = rs.getLong(1);
            String v = rs.getString(2);
            if (v != null) {
                try {
                    skew = Math.max(0, Long.parseLong(v.trim()));
                } catch (NumberFormatException e) {
                    // keep the default, like every other setting read with ConfigValues
                }
            }
        }
        Instant now = db.clock().instant();
        long latestAllowed = now.getEpochSecond() + skew;
        boolean[] skip = new boolean[rows.length];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i][1] > latestAllowed) {
                throw new ValidationException(where(i, samples.get(i)), "timestamp is more than " + skew + " s after now (" + now
                        + "; " + ConfigKeys.USAGE_MAX_CLOCK_SKEW_SECONDS + ")");
            }
        }
        // A late sample may already be in the history: only there below moved_before.
        for (int i = 0; i < rows.length; i++) {
            if (rows[i][1] < movedBefore) {
                long[] stored = lookup(st.historyLookup(), rows[i][0], rows[i][1]);
                if (stored != null) {
                    requireSame(i, samples.get(i), stored, rows[i]);
                    skip[i] = true;
                }
            }
        }
        int[] counts;
        PreparedStatement ps = st.insert();
        try {
            for (int i = 0; i < rows.length; i++) {
                if (skip[i]) continue;
                long[] r = rows[i];
                for (int k = 0; k < 8; k++) {
                    if (r[k] == NULL) ps.setNull(k + 1, Types.BIGINT); else ps.setLong(k + 1, r[k]);
                }
                ps.addBatch();
            }
            counts = ps.executeBatch();
        } catch (SQLException e) {
            ps.clearBatch();
            if (e.getMessage() != null && e.getMessage().contains("FOREIGN KEY")) {
                requireSitesExist(tx, samples, rows); // names the element
            }
            throw e;
        }
        int inserted = 0;
        for (int i = 0, k = 0; i < rows.length; i++) {
            if (skip[i]) continue;
            if (counts[k++] > 0) {
                inserted++;
            } else {
                requireSame(i, samples.get(i), lookup(st.recentLookup(), rows[i][0], rows[i][1]), rows[i]);
            }
        }
        st.addRecentRows().setLong(1, inserted);
        try (ResultSet rs = st.addRecentRows().executeQuery()) {
            recentAfter[0] = rs.next() ? rs.getLong(1) : 0;
        }
        return inserted;
    }

    /** Marker for "no value" inside the fixed-point row arrays. */
    private static final long NULL = Long.MIN_VALUE;

    private static String where(int i, UsageSample x) {
        return "samples[" + i + "] (site " + x.siteId() + " at " + x.timestamp() + ")";
    }

    private static long[][] validate(List<UsageSample> samples) {
        long[][] rows = new long[samples.size()][];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < samples.size(); i++) {
            UsageSample x = samples.get(i);
            String where = "samples[" + i + "]";
            if (x == null) throw new ValidationException(where, "is null");
            if (x.timestamp() == null) throw new ValidationException(where + " (site " + x.siteId() + ")", "timestamp is missing");
            where = where(i, x);
            long ts = x.timestamp().getEpochSecond();
            if (ts < 0) throw new ValidationException(where, "timestamp must not be before 1970");
            if (!seen.add(x.siteId() + ":" + ts)) {
                throw new ValidationException(where, "duplicate (site, timestamp) in the batch (timestamps are stored to the second)");
            }
            rows[i] = new long[] {x.siteId(), ts,
                    fixed(where, "memoryMb", x.memoryMb(), 100), fixed(where, "cpuPercent", x.cpuPercent(), 100),
                    fixed(where, "diskMb", x.diskMb(), 100), fixed(where, "bandwidthMb", x.bandwidthMb(), 1000),
                    count(where, x.activeRequests()), fixed(where, "responseTimeMs", x.responseTimeMs(), 100)};
        }
        return rows;
    }

    private static long fixed(String where, String field, Double v, int scale) {
        if (v == null) return NULL;
        if (!Double.isFinite(v) || v < 0 || v > MAX_VALUE) {
            throw new ValidationException(where, field + " must be a finite number between 0 and " + (long) MAX_VALUE + ", got " + v);
        }
        return Math.round(v * scale);
    }

    private static long count(String where, Integer v) {
        if (v == null) return NULL;
        if (v < 0) throw new ValidationException(where, "activeRequests must not be negative, got " + v);
        return v;
    }

    private void requireSitesExist(DSLContext tx, List<UsageSample> samples, long[][] rows) {
        Set<Long> wanted = new TreeSet<>();
        for (long[] r : rows) wanted.add(r[0]);
        Set<Long> found = new HashSet<>(tx.select(SITES.ID).from(SITES).where(SITES.ID.in(wanted)).fetch(SITES.ID));
        for (int i = 0; i < rows.length; i++) {
            if (!found.contains(rows[i][0])) {
                throw new ValidationException(where(i, samples.get(i)), "site " + rows[i][0] + " does not exist");
            }
        }
    }

    /** The stored row of (site, ts) in one table as a fixed-point array, or null. */
    private static long[] lookup(PreparedStatement ps, long site, long ts) throws SQLException {
        ps.setLong(1, site);
        ps.setLong(2, ts);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return null;
            long[] have = new long[8];
            for (int k = 0; k < 8; k++) {
                long v = rs.getLong(k + 1);
                have[k] = rs.wasNull() ? NULL : v;
            }
            return have;
        }
    }

    private static void requireSame(int i, UsageSample x, long[] stored, long[] r) {
        if (stored == null || !Arrays.equals(stored, r)) {
            throw new ConflictException(where(i, x)
                    + ": a different sample is already stored for this site and second; the batch was not recorded");
        }
    }

    // --- moving recent samples into the history --------------------------------------------

    /**
     * Moves every row of {@code usage_recent} into the history {@code usage_samples}, a few
     * sites per transaction (what ingest calls do a step at a time). For maintenance and tests;
     * system scope only. Returns how many samples were moved.
     */
    public long moveRecentSamples(AccessScope scope) {
        TenantFilter.requireSystem(db, scope, "moving recent usage samples");
        long moved = 0;
        // Start a cycle that covers everything stored now, then step until it is done.
        db.writeVoid(tx -> {
            Long max = tx.select(DSL.max(USAGE_RECENT.TS)).from(USAGE_RECENT).fetchOne(0, Long.class);
            if (max != null) {
                tx.update(USAGE_INGEST_STATE).set(USAGE_INGEST_STATE.MOVED_BEFORE, DSL.greatest(USAGE_INGEST_STATE.MOVED_BEFORE, DSL.val(max + 1)))
                        .where(USAGE_INGEST_STATE.ID.eq(1L)).execute();
            }
        });
        while (true) {
            long n = moveStep(false);
            if (n < 0) return moved;
            moved += n;
        }
    }

    /** One move step; starts a new cycle when the last one is done. */
    private long moveStep() {
        return moveStep(true);
    }

    /**
     * One short write transaction: the rows below {@code moved_before} of the sites in
     * {@code [a, a + sitesPerMove)}, where {@code a} is the lowest site id that has such rows,
     * are copied into {@code usage_samples} (in key order) and deleted from {@code usage_recent}.
     * When no row is below {@code moved_before}, {@code newCycle} raises it past the newest
     * recent row first. Returns the rows moved, or -1 when there was nothing to move.
     */
    private long moveStep(boolean newCycle) {
        return db.write(tx -> {
            long movedBefore = tx.select(USAGE_INGEST_STATE.MOVED_BEFORE).from(USAGE_INGEST_STATE)
                    .where(USAGE_INGEST_STATE.ID.eq(1L)).fetchOne(USAGE_INGEST_STATE.MOVED_BEFORE);
            Long first = tx.select(DSL.min(USAGE_RECENT.SITE_ID)).from(USAGE_RECENT).where(USAGE_RECENT.TS.lt(movedBefore)).fetchOne(0, Long.class);
            if (first == null) {
                Long max = newCycle ? tx.select(DSL.max(USAGE_RECENT.TS)).from(USAGE_RECENT).fetchOne(0, Long.class) : null;
                if (max == null) {
                    // Nothing below the mark: re-count (the counter may have drifted, e.g. a deleted site's rows).
                    tx.update(USAGE_INGEST_STATE).set(USAGE_INGEST_STATE.RECENT_ROWS, DSL.field(DSL.selectCount().from(USAGE_RECENT)).coerce(Long.class))
                            .where(USAGE_INGEST_STATE.ID.eq(1L)).execute();
                    return -1L;
                }
                movedBefore = Math.max(movedBefore, max + 1);
                tx.update(USAGE_INGEST_STATE).set(USAGE_INGEST_STATE.MOVED_BEFORE, movedBefore).where(USAGE_INGEST_STATE.ID.eq(1L)).execute();
                first = tx.select(DSL.min(USAGE_RECENT.SITE_ID)).from(USAGE_RECENT).where(USAGE_RECENT.TS.lt(movedBefore)).fetchOne(0, Long.class);
            }
            long a = first;
            long b = a > Long.MAX_VALUE - sitesPerMove ? Long.MAX_VALUE : a + sitesPerMove;
            var chunk = USAGE_RECENT.TS.lt(movedBefore).and(USAGE_RECENT.SITE_ID.ge(a)).and(USAGE_RECENT.SITE_ID.lt(b));
            int moved = tx.insertInto(USAGE_SAMPLES, USAGE_SAMPLES.SITE_ID, USAGE_SAMPLES.TS, USAGE_SAMPLES.MEMORY_MB_X100,
                            USAGE_SAMPLES.CPU_PERCENT_X100, USAGE_SAMPLES.DISK_MB_X100, USAGE_SAMPLES.BANDWIDTH_MB_X1000,
                            USAGE_SAMPLES.ACTIVE_REQUESTS, USAGE_SAMPLES.RESPONSE_TIME_MS_X100)
                    .select(tx.select(USAGE_RECENT.SITE_ID, USAGE_RECENT.TS, USAGE_RECENT.MEMORY_MB_X100, USAGE_RECENT.CPU_PERCENT_X100,
                                    USAGE_RECENT.DISK_MB_X100, USAGE_RECENT.BANDWIDTH_MB_X1000, USAGE_RECENT.ACTIVE_REQUESTS,
                                    USAGE_RECENT.RESPONSE_TIME_MS_X100).from(USAGE_RECENT).where(chunk)
                            .orderBy(USAGE_RECENT.SITE_ID, USAGE_RECENT.TS))
                    .execute();
            int deleted = tx.deleteFrom(USAGE_RECENT).where(chunk).execute();
            if (deleted != moved) {
                throw new IllegalStateException("moved " + moved + " usage rows but deleted " + deleted + " (rolled back)");
            }
            tx.update(USAGE_INGEST_STATE)
                    .set(USAGE_INGEST_STATE.RECENT_ROWS, DSL.greatest(DSL.val(0L), USAGE_INGEST_STATE.RECENT_ROWS.minus(moved)))
                    .where(USAGE_INGEST_STATE.ID.eq(1L)).execute();
            return (long) moved;
        });
    }

    /** The eight sample columns of either table, in the order of the fixed-point row arrays. */
    private static List<Field<Long>> sampleFields(Table<?> table) {
        List<Field<Long>> f = new ArrayList<>(8);
        for (String name : new String[] {"site_id", "ts", "memory_mb_x100", "cpu_percent_x100", "disk_mb_x100", "bandwidth_mb_x1000",
                "active_requests", "response_time_ms_x100"}) {
            f.add(table.field(name, Long.class));
        }
        return f;
    }

    // --- user-facing queries -------------------------------------------------------------

    /** The newest sample of each given site (sites without samples are absent). Every site must be visible. */
    public Map<Long, UsageSample> latest(AccessScope scope, Collection<Long> siteIds) {
        Objects.requireNonNull(siteIds, "siteIds");
        Set<Long> ids = new TreeSet<>(siteIds);
        return db.read(dsl -> {
            Set<Long> visible = new HashSet<>(dsl.select(SITES.ID).from(SITES)
                    .where(SITES.ID.in(ids)).and(TenantFilter.siteVisible(scope, SITES)).fetch(SITES.ID));
            for (long id : ids) {
                if (!visible.contains(id)) throw new NotFoundException("site", id);
            }
            Map<Long, UsageSample> out = new LinkedHashMap<>();
            dsl.selectFrom(l).where(l.SITE_ID.in(ids)).orderBy(l.SITE_ID).forEach(r -> out.put(r.getSiteId(), latestSample(r)));
            return out;
        });
    }

    /** The newest sample of every site the scope can see, by site id. */
    public List<UsageSample> latestForVisibleSites(AccessScope scope) {
        return db.read(dsl -> dsl.select(l.fields()).from(l).join(SITES).on(SITES.ID.eq(l.SITE_ID))
                .where(TenantFilter.siteVisible(scope, SITES))
                .orderBy(l.SITE_ID)
                .fetch(r -> latestSample(r.into(l))));
    }

    /** Every sample of one site in {@code [from, to)}, oldest first. An empty range gives an empty list. */
    public List<UsageSample> series(AccessScope scope, long siteId, Instant from, Instant to) {
        long[] range = secondsRange(from, to);
        return db.read(dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            // History and recent rows, each in time order; a (site, second) is in only one of them.
            List<UsageSample> history = dsl.select(sampleFields(u)).from(u)
                    .where(u.SITE_ID.eq(siteId)).and(u.TS.ge(range[0])).and(u.TS.lt(range[1]))
                    .orderBy(u.TS).fetch(UsageRepository::sample);
            List<UsageSample> recent = dsl.select(sampleFields(rc)).from(rc)
                    .where(rc.TS.ge(range[0])).and(rc.TS.lt(range[1])).and(rc.SITE_ID.eq(siteId))
                    .orderBy(rc.TS).fetch(UsageRepository::sample);
            return merge(history, recent);
        });
    }

    private static List<UsageSample> merge(List<UsageSample> a, List<UsageSample> b) {
        if (b.isEmpty()) return a;
        if (a.isEmpty()) return b;
        List<UsageSample> out = new ArrayList<>(a.size() + b.size());
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (j == b.size() || (i < a.size() && a.get(i).timestamp().isBefore(b.get(j).timestamp()))) out.add(a.get(i++));
            else out.add(b.get(j++));
        }
        return out;
    }

    /**
     * One site's samples in {@code [from, to)} downsampled into {@code buckets} equal buckets:
     * a sample at time {@code t} falls in bucket {@code floor((t - from) * buckets / (to - from))}
     * (millisecond arithmetic), so a sample exactly on an edge belongs to the later bucket.
     * Always returns {@code buckets} buckets; empty ones have no aggregates.
     */
    public List<SeriesBucket> seriesBuckets(AccessScope scope, long siteId, Instant from, Instant to, int buckets) {
        if (buckets < 1 || buckets > MAX_BUCKETS) throw new ValidationException("buckets", "must be between 1 and " + MAX_BUCKETS);
        long[] range = secondsRange(from, to);
        long fromMs = from.toEpochMilli();
        long spanMs = to.toEpochMilli() - fromMs;
        if (spanMs <= 0) throw new ValidationException("to", "must be after from for a bucketed series");
        return db.read(dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            Map<Long, Agg> byBucket = new TreeMap<>();
            Field<Long> hb = u.TS.mul(1000L).sub(fromMs).mul((long) buckets).div(spanMs).as("bucket");
            dsl.select(aggFields(u, hb)).from(u)
                    .where(u.SITE_ID.eq(siteId)).and(u.TS.ge(range[0])).and(u.TS.lt(range[1]))
                    .groupBy(DSL.field(DSL.name("bucket")))
                    .forEach(r -> byBucket.computeIfAbsent(r.get(0, Long.class), k -> new Agg()).add(r));
            Field<Long> rb = rc.TS.mul(1000L).sub(fromMs).mul((long) buckets).div(spanMs).as("bucket");
            dsl.select(aggFields(rc, rb)).from(rc)
                    .where(rc.TS.ge(range[0])).and(rc.TS.lt(range[1])).and(rc.SITE_ID.eq(siteId))
                    .groupBy(DSL.field(DSL.name("bucket")))
                    .forEach(r -> byBucket.computeIfAbsent(r.get(0, Long.class), k -> new Agg()).add(r));
            List<SeriesBucket> out = new ArrayList<>(buckets);
            for (int b = 0; b < buckets; b++) {
                Instant start = Instant.ofEpochMilli(fromMs + Math.floorDiv(spanMs * b, buckets));
                Instant end = Instant.ofEpochMilli(fromMs + Math.floorDiv(spanMs * (b + 1), buckets));
                Agg a = byBucket.get((long) b);
                if (a == null) {
                    out.add(new SeriesBucket(start, end, 0, null, null, null, null, null, null, null, null, null, null));
                } else {
                    out.add(new SeriesBucket(start, end, a.n, a.mem.avg(100), a.mem.max(100), a.cpu.avg(100), a.cpu.max(100),
                            a.disk.avg(100), a.disk.max(100), a.bw.total(1000), a.req.count == 0 ? null : a.req.sumLong,
                            a.rt.avg(100), a.rt.max(100)));
                }
            }
            return out;
        });
    }

    /**
     * Aggregates of one group of samples, from one or both tables: per measure the count of
     * non-null values, their sum and maximum (fixed point). Sums of levels are taken as doubles
     * (no overflow), request counts as 64-bit integers.
     */
    private static final class Agg {
        long n;
        final Measure mem = new Measure();
        final Measure cpu = new Measure();
        final Measure disk = new Measure();
        final Measure bw = new Measure();
        final Measure req = new Measure();
        final Measure rt = new Measure();

        /** Adds a row of {@link #aggFields}: key, count(*), then (count, sum, max) for each measure. */
        void add(Record r) {
            n += r.get(1, Long.class);
            int i = 2;
            for (Measure m : new Measure[] {mem, cpu, disk, bw, req, rt}) {
                m.add(r.get(i, Long.class), r.get(i + 1, Double.class), r.get(i + 1, Long.class), r.get(i + 2, Long.class), m == req);
                i += 3;
            }
        }
    }

    private static final class Measure {
        long count;
        double sum;
        long sumLong;
        Long max;

        void add(Long c, Double s, Long sl, Long mx, boolean exact) {
            if (c == null || c == 0) return;
            count += c;
            if (exact) sumLong += sl; else sum += s;
            if (mx != null && (max == null || mx > max)) max = mx;
        }

        Double avg(int scale) {
            return count == 0 ? null : sum / count / scale;
        }

        Double max(int scale) {
            return max == null ? null : max / (double) scale;
        }

        Double total(int scale) {
            return count == 0 ? null : sum / scale;
        }
    }

    private static List<SelectField<?>> aggFields(Table<?> table, Field<Long> key) {
        List<SelectField<?>> f = new ArrayList<>();
        f.add(key);
        f.add(DSL.count());
        for (String name : new String[] {"memory_mb_x100", "cpu_percent_x100", "disk_mb_x100", "bandwidth_mb_x1000", "active_requests",
                "response_time_ms_x100"}) {
            Field<Long> c = table.field(name, Long.class);
            f.add(DSL.count(c));
            // Requests add up exactly in 64 bits; levels are summed as doubles, which cannot overflow.
            f.add(name.equals("active_requests") ? DSL.sum(c) : DSL.sum(c.cast(SQLDataType.DOUBLE)));
            f.add(DSL.max(c));
        }
        return f;
    }

    /** A site's latest sample and today's totals against its limits. */
    public UsageVsLimits usageVsLimits(AccessScope scope, long siteId) {
        return db.read(dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            long interval = ConfigValues.readLong(dsl, ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS, 30);
            var limitsRow = dsl.selectFrom(lim).where(lim.SITE_ID.eq(siteId)).fetchOne();
            ResourceLimits limits = new ResourceLimits(limitsRow.getMaxMemoryMb(), limitsRow.getMaxCpuPercent(), limitsRow.getMaxDiskMb(),
                    limitsRow.getMaxBandwidthMb(), limitsRow.getMaxRequestsPerMinute());
            UsageSample latest = dsl.selectFrom(l).where(l.SITE_ID.eq(siteId)).fetchOptional().map(this::latestSample).orElse(null);
            long today = db.clock().instant().getEpochSecond() / DAY * DAY;
            Long bandwidth = dsl.select(t.BANDWIDTH_MB_X1000).from(t).where(t.SITE_ID.eq(siteId)).and(t.DAY.eq(today)).fetchOne(t.BANDWIDTH_MB_X1000);
            Map<UsageDimension, Double> current = new EnumMap<>(UsageDimension.class);
            if (latest != null) {
                putIfPresent(current, UsageDimension.MEMORY, latest.memoryMb());
                putIfPresent(current, UsageDimension.CPU, latest.cpuPercent());
                putIfPresent(current, UsageDimension.DISK, latest.diskMb());
                if (latest.activeRequests() != null) {
                    current.put(UsageDimension.REQUESTS_PER_MINUTE, latest.activeRequests() * 60.0 / interval);
                }
            }
            current.put(UsageDimension.BANDWIDTH, bandwidth == null ? 0.0 : bandwidth / 1000.0);
            return new UsageVsLimits(siteId, java.util.Optional.ofNullable(latest), limits, current);
        });
    }

    /** Daily aggregates of one site for {@code [from, to]} (inclusive dates), oldest first. */
    public List<DailyUsage> daily(AccessScope scope, long siteId, LocalDate from, LocalDate to) {
        requireDate("from", from);
        requireDate("to", to);
        if (to.isBefore(from)) throw new ValidationException("to", "must be on or after from");
        return db.read(dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            return dsl.selectFrom(d).where(d.SITE_ID.eq(siteId)).and(d.DATE.between(from, to)).orderBy(d.DATE)
                    .fetch(r -> new DailyUsage(r.getSiteId(), r.getDate(), r.getAvgMemoryMb(), r.getMaxMemoryMb(), r.getAvgCpuPercent(),
                            r.getMaxCpuPercent(), r.getTotalBandwidthMb(), r.getTotalRequests(),
                            r.getAvgResponseTimeMs(), r.getUptimeSeconds() == null ? 0 : r.getUptimeSeconds()));
        });
    }

    // --- enforcement (system scope) --------------------------------------------------------

    /**
     * Every (site, dimension) above its limit: memory, CPU, disk and request rate by their
     * highest sample in the last {@code window}; bandwidth by today's (UTC) total against the
     * daily allowance. For the enforcement loop; system scope only.
     */
    public List<OverLimit> sitesOverLimit(AccessScope scope, Duration window) {
        TenantFilter.requireSystem(db, scope, "the over-limit query");
        if (window == null) throw new ValidationException("window", "is required");
        if (window.isNegative() || window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofDays(31)) > 0) {
            throw new ValidationException("window", "must be between 1 second and 31 days, got " + window);
        }
        long now = db.clock().instant().getEpochSecond();
        long since = now - window.getSeconds();
        long today = now / DAY * DAY;
        return db.read(dsl -> {
            long interval = ConfigValues.readLong(dsl, ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS, 30);
            // Each table reports the sites it holds over a limit, with its maxima; a site over in
            // either table is over, and its observed value is the larger of the two.
            Map<Long, long[]> maxima = new TreeMap<>();
            Map<Long, Record> limits = new LinkedHashMap<>();
            org.jooq.Condition overInHistory = overCondition(u, interval);
            // CROSS JOIN keeps limits as the outer loop: one range seek into (site_id, ts) per site.
            dsl.select(limitAndMaxFields(u)).from(lim).crossJoin(u)
                    .where(u.SITE_ID.eq(lim.SITE_ID)).and(u.TS.ge(since))
                    .groupBy(lim.SITE_ID).having(overInHistory)
                    .forEach(r -> collectMaxima(r, maxima, limits));
            dsl.select(limitAndMaxFields(rc)).from(rc).join(lim).on(lim.SITE_ID.eq(rc.SITE_ID))
                    .where(rc.TS.ge(since))
                    .groupBy(rc.SITE_ID).having(overCondition(rc, interval))
                    .forEach(r -> collectMaxima(r, maxima, limits));
            List<OverLimit> out = new ArrayList<>();
            maxima.forEach((site, m) -> {
                Record r = limits.get(site);
                over(out, site, UsageDimension.MEMORY, m[0] == NULL ? null : m[0] / 100.0, r.get(1, Integer.class));
                over(out, site, UsageDimension.CPU, m[1] == NULL ? null : m[1] / 100.0, r.get(2, Integer.class));
                over(out, site, UsageDimension.DISK, m[2] == NULL ? null : m[2] / 100.0, r.get(3, Integer.class));
                over(out, site, UsageDimension.REQUESTS_PER_MINUTE, m[3] == NULL ? null : m[3] * 60.0 / interval, r.get(4, Integer.class));
            });
            dsl.select(lim.SITE_ID, lim.MAX_BANDWIDTH_MB, t.BANDWIDTH_MB_X1000)
                    .from(lim).join(t).on(t.DAY.eq(today)).and(t.SITE_ID.eq(lim.SITE_ID))
                    .where(t.BANDWIDTH_MB_X1000.gt(lim.MAX_BANDWIDTH_MB.mul(1000).coerce(Long.class)))
                    .forEach(r -> over(out, r.value1(), UsageDimension.BANDWIDTH, r.value3() / 1000.0, r.value2()));
            out.sort(java.util.Comparator.comparing(OverLimit::siteId).thenComparing(OverLimit::dimension));
            return out;
        });
    }

    private List<SelectField<?>> limitAndMaxFields(Table<?> table) {
        return List.of(lim.SITE_ID, lim.MAX_MEMORY_MB, lim.MAX_CPU_PERCENT, lim.MAX_DISK_MB, lim.MAX_REQUESTS_PER_MINUTE,
                DSL.max(table.field("memory_mb_x100", Long.class)), DSL.max(table.field("cpu_percent_x100", Long.class)),
                DSL.max(table.field("disk_mb_x100", Long.class)), DSL.max(table.field("active_requests", Long.class)));
    }

    private org.jooq.Condition overCondition(Table<?> table, long interval) {
        return DSL.max(table.field("memory_mb_x100", Long.class)).gt(lim.MAX_MEMORY_MB.mul(100).coerce(Long.class))
                .or(DSL.max(table.field("cpu_percent_x100", Long.class)).gt(lim.MAX_CPU_PERCENT.mul(100).coerce(Long.class)))
                .or(DSL.max(table.field("disk_mb_x100", Long.class)).gt(lim.MAX_DISK_MB.mul(100).coerce(Long.class)))
                .or(DSL.max(table.field("active_requests", Long.class)).mul(60L)
                        .gt(lim.MAX_REQUESTS_PER_MINUTE.mul(interval).coerce(Long.class)));
    }

    private static void collectMaxima(Record r, Map<Long, long[]> maxima, Map<Long, Record> limits) {
        long site = r.get(0, Long.class);
        limits.putIfAbsent(site, r);
        long[] m = maxima.computeIfAbsent(site, k -> new long[] {NULL, NULL, NULL, NULL});
        for (int i = 0; i < 4; i++) {
            Long v = r.get(5 + i, Long.class);
            if (v != null && v > m[i]) m[i] = v;
        }
    }

    private static void over(List<OverLimit> out, long site, UsageDimension dim, Double observed, Integer limit) {
        if (observed != null && limit != null && observed > limit) {
            out.add(new OverLimit(site, dim, observed, limit));
        }
    }

    // --- rollup and retention (system scope) -------------------------------------------------

    /**
     * Rolls one UTC day of samples up into {@code site_usage_daily}, replacing that day's rows
     * (idempotent). The aggregation runs on a read-only connection (ingest goes on meanwhile);
     * only the per-site results — one row per site — are written, in one short transaction.
     * Works while later days are still being ingested (incremental). A day whose raw samples
     * are past retention is refused rather than replaced with nothing. A site whose row cannot
     * be written is reported in {@link RollupResult#failures()} and keeps its previous row;
     * every other site's row is written.
     */
    public RollupResult rollupDay(AccessScope scope, LocalDate day) {
        TenantFilter.requireSystem(db, scope, "the daily usage rollup");
        requireDate("day", day);
        long from = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        long to = from + DAY;
        if (to > db.clock().instant().getEpochSecond() + DAY) {
            throw new ValidationException("day", day + " is in the future");
        }
        long rawCutoff = rawCutoff().getEpochSecond();
        if (to <= rawCutoff) {
            throw new ValidationException("day", day + " is past raw-sample retention; its daily row is kept as it is");
        }
        Map<Long, Agg> aggs = db.read(dsl -> {
            Map<Long, Agg> bySite = new TreeMap<>();
            // History: one range seek per site on (site_id, ts), aggregated inside SQLite.
            dsl.select(aggFields(u, s.ID)).from(s).crossJoin(u)
                    .where(u.SITE_ID.eq(s.ID)).and(u.TS.ge(from)).and(u.TS.lt(to))
                    .groupBy(s.ID)
                    .forEach(r -> bySite.computeIfAbsent(r.get(0, Long.class), k -> new Agg()).add(r));
            // Recent rows of the day: a time range of usage_recent.
            dsl.select(aggFields(rc, rc.SITE_ID)).from(rc)
                    .where(rc.TS.ge(from)).and(rc.TS.lt(to))
                    .groupBy(rc.SITE_ID)
                    .forEach(r -> bySite.computeIfAbsent(r.get(0, Long.class), k -> new Agg()).add(r));
            return bySite;
        });
        long interval = db.read(dsl -> ConfigValues.readLong(dsl, ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS, 30));
        return db.write(tx -> {
            long total = 0;
            int written = 0;
            List<RollupResult.SiteFailure> failures = new ArrayList<>();
            for (Map.Entry<Long, Agg> e : aggs.entrySet()) {
                long site = e.getKey();
                Agg a = e.getValue();
                Map<Field<?>, Object> values = dailyValues(a, interval);
                try {
                    // Upsert keeps the row (and its id) when a day is rolled up again. A failing
                    // statement is undone on its own (SQLite statement rollback); the others stay.
                    tx.insertInto(SITE_USAGE_DAILY)
                            .set(SITE_USAGE_DAILY.SITE_ID, site)
                            .set(SITE_USAGE_DAILY.DATE, day)
                            .set(values)
                            .onConflict(SITE_USAGE_DAILY.SITE_ID, SITE_USAGE_DAILY.DATE)
                            .doUpdate()
                            .set(values)
                            .execute();
                    written++;
                    total += a.n;
                } catch (DataAccessException ex) {
                    String reason = rootMessage(ex);
                    log.warn("Daily usage rollup of {} for site {} failed, other sites go on: {}", day, site, reason);
                    failures.add(new RollupResult.SiteFailure(site, reason));
                }
            }
            // A site whose samples for the day are gone (deleted site rows cascade; this covers a
            // re-run after samples were removed) must not keep a stale row.
            tx.deleteFrom(SITE_USAGE_DAILY).where(SITE_USAGE_DAILY.DATE.eq(day)).and(SITE_USAGE_DAILY.SITE_ID.notIn(aggs.keySet())).execute();
            return new RollupResult(day, written, total, failures);
        });
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /**
     * Deletes raw samples older than {@code usage.raw_retention_days} (a sample exactly at the
     * cutoff is kept) and daily rows older than {@code usage.daily_retention_days}, in small
     * transactions — at most one site-day of history samples, or {@value #PRUNE_RECENT_ROWS_PER_STEP}
     * recent rows, each — so concurrent ingest waits for one short transaction at most. Freed
     * pages are reused by later inserts and returned to the file system by {@code optimize}
     * (incremental vacuum).
     */
    public PruneResult prune(AccessScope scope) {
        TenantFilter.requireSystem(db, scope, "usage retention");
        Instant cutoff = rawCutoff();
        long cut = cutoff.getEpochSecond();
        long dailyDays = db.read(dsl -> ConfigValues.readLong(dsl, ConfigKeys.USAGE_DAILY_RETENTION_DAYS, 365));
        LocalDate dailyCutoff = LocalDate.ofInstant(db.clock().instant(), ZoneOffset.UTC).minusDays(dailyDays);
        long deleted = 0;
        int transactions = 0;
        long longest = 0;
        // Oldest history sample per site: one seek per site on the (site_id, ts) key.
        List<long[]> oldest = db.read(dsl -> dsl.select(s.ID, DSL.field(DSL.select(DSL.min(u.TS)).from(u).where(u.SITE_ID.eq(s.ID))))
                .from(s).fetch(r -> new long[] {r.value1(), r.value2() == null ? Long.MAX_VALUE : r.value2()}));
        for (long[] site : oldest) {
            for (long start = site[1]; start < cut; start = Math.min(cut, start / DAY * DAY + DAY)) {
                long sliceEnd = Math.min(cut, start / DAY * DAY + DAY);
                long t0 = System.nanoTime();
                long siteId = site[0];
                long sliceStart = start;
                deleted += db.write(tx -> tx.deleteFrom(USAGE_SAMPLES).where(USAGE_SAMPLES.SITE_ID.eq(siteId))
                        .and(USAGE_SAMPLES.TS.ge(sliceStart)).and(USAGE_SAMPLES.TS.lt(sliceEnd)).execute());
                longest = Math.max(longest, (System.nanoTime() - t0) / 1_000_000);
                transactions++;
            }
        }
        // Recent rows past retention (late samples not moved yet): oldest first, bounded steps.
        while (true) {
            long t0 = System.nanoTime();
            int n = db.write(tx -> {
                Long bound = tx.select(USAGE_RECENT.TS).from(USAGE_RECENT).where(USAGE_RECENT.TS.lt(cut))
                        .orderBy(USAGE_RECENT.TS).limit(1).offset(PRUNE_RECENT_ROWS_PER_STEP).fetchOne(USAGE_RECENT.TS);
                long upTo = bound == null ? cut : bound;
                if (!tx.fetchExists(USAGE_RECENT, USAGE_RECENT.TS.lt(upTo))) return 0;
                int removed = tx.deleteFrom(USAGE_RECENT).where(USAGE_RECENT.TS.lt(upTo)).execute();
                tx.update(USAGE_INGEST_STATE)
                        .set(USAGE_INGEST_STATE.RECENT_ROWS, DSL.greatest(DSL.val(0L), USAGE_INGEST_STATE.RECENT_ROWS.minus(removed)))
                        .where(USAGE_INGEST_STATE.ID.eq(1L)).execute();
                return removed;
            });
            if (n == 0) break;
            deleted += n;
            longest = Math.max(longest, (System.nanoTime() - t0) / 1_000_000);
            transactions++;
        }
        long t0 = System.nanoTime();
        long cutDay = cut / DAY * DAY;
        db.write(tx -> tx.deleteFrom(USAGE_DAY_TOTALS).where(USAGE_DAY_TOTALS.DAY.lt(cutDay)).execute());
        longest = Math.max(longest, (System.nanoTime() - t0) / 1_000_000);
        transactions++;
        long dailyDeleted = 0;
        List<LocalDate> oldDates = db.read(dsl -> dsl.selectDistinct(d.DATE).from(d).where(d.DATE.lt(dailyCutoff)).orderBy(d.DATE).fetch(d.DATE));
        for (LocalDate date : oldDates) {
            long t1 = System.nanoTime();
            dailyDeleted += db.write(tx -> tx.deleteFrom(SITE_USAGE_DAILY).where(SITE_USAGE_DAILY.DATE.eq(date)).execute());
            longest = Math.max(longest, (System.nanoTime() - t1) / 1_000_000);
            transactions++;
        }
        return new PruneResult(cutoff, deleted, dailyCutoff, dailyDeleted, transactions, longest);
    }

    private static Map<Field<?>, Object> dailyValues(Agg a, long interval) {
        Map<Field<?>, Object> v = new LinkedHashMap<>();
        v.put(SITE_USAGE_DAILY.AVG_MEMORY_MB, a.mem.avg(100));
        v.put(SITE_USAGE_DAILY.MAX_MEMORY_MB, a.mem.max(100));
        v.put(SITE_USAGE_DAILY.AVG_CPU_PERCENT, a.cpu.avg(100));
        v.put(SITE_USAGE_DAILY.MAX_CPU_PERCENT, a.cpu.max(100));
        v.put(SITE_USAGE_DAILY.TOTAL_BANDWIDTH_MB, a.bw.count == 0 ? 0.0 : a.bw.total(1000));
        v.put(SITE_USAGE_DAILY.TOTAL_REQUESTS, a.req.sumLong); // 64-bit: a day of int samples can exceed 2^31
        v.put(SITE_USAGE_DAILY.AVG_RESPONSE_TIME_MS, a.rt.avg(100));
        v.put(SITE_USAGE_DAILY.UPTIME_SECONDS, (int) Math.min(DAY, a.n * interval));
        return v;
    }

    /** Samples strictly before this instant are past raw retention (whole seconds). */
    private Instant rawCutoff() {
        long days = db.read(dsl -> ConfigValues.readLong(dsl, ConfigKeys.USAGE_RAW_RETENTION_DAYS, 30));
        return Instant.ofEpochSecond(db.clock().instant().getEpochSecond() - days * DAY);
    }

    // --- validation and mapping ------------------------------------------------------------

    private static void requireInstant(String name, Instant v) {
        if (v == null) throw new ValidationException(name, "is required");
        if (v.isBefore(MIN_QUERY_INSTANT) || v.isAfter(MAX_QUERY_INSTANT)) {
            throw new ValidationException(name, "must be between " + MIN_QUERY_INSTANT + " and 9999-12-31T23:59:59Z, got " + v);
        }
    }

    private static void requireDate(String name, LocalDate v) {
        if (v == null) throw new ValidationException(name, "is required");
        if (v.getYear() < 1 || v.getYear() > 9999) {
            throw new ValidationException(name, "must be between 0001-01-01 and 9999-12-31, got " + v);
        }
    }

    private static long[] secondsRange(Instant from, Instant to) {
        requireInstant("from", from);
        requireInstant("to", to);
        if (to.isBefore(from)) throw new ValidationException("to", "must not be before from");
        // [from, to) in instants -> [ceil(from), ceil(to)) in whole seconds.
        return new long[] {Math.ceilDiv(from.toEpochMilli(), 1000L), Math.ceilDiv(to.toEpochMilli(), 1000L)};
    }

    /** A row of {@link #sampleFields} as a sample. */
    private static UsageSample sample(Record r) {
        Long requests = r.get(6, Long.class);
        return new UsageSample(r.get(0, Long.class), Instant.ofEpochSecond(r.get(1, Long.class)), unfixed(r.get(2, Long.class), 100),
                unfixed(r.get(3, Long.class), 100), unfixed(r.get(4, Long.class), 100), unfixed(r.get(5, Long.class), 1000),
                requests == null ? null : requests.intValue(), unfixed(r.get(7, Long.class), 100));
    }

    private UsageSample latestSample(dev.dialup.deploy.db.generated.tables.records.UsageLatestRecord r) {
        return new UsageSample(r.getSiteId(), Instant.ofEpochSecond(r.getTs()), unfixed(r.getMemoryMbX100(), 100),
                unfixed(r.getCpuPercentX100(), 100), unfixed(r.getDiskMbX100(), 100), unfixed(r.getBandwidthMbX1000(), 1000),
                r.getActiveRequests() == null ? null : r.getActiveRequests().intValue(), unfixed(r.getResponseTimeMsX100(), 100));
    }

    private static Double unfixed(Long v, int scale) {
        return v == null ? null : v / (double) scale;
    }

    private static void putIfPresent(Map<UsageDimension, Double> m, UsageDimension k, Double v) {
        if (v != null) m.put(k, v);
    }
}
