package dev.dialup.deploy.db.usage;

import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 * <p>One facade, one object for services to hold (docs/usage.md, "Code layout"): each method
 * delegates to the package-private class that does that job — {@code UsageIngest} (record),
 * {@code UsageMover} (recent rows into the history), {@code UsageQueries} (dashboards),
 * {@code UsageEnforcement} (over-limit), {@code UsageRollup} (daily rows) and
 * {@code UsageRetention} (prune) — over one fixed-point codec ({@code FixedPoint}). What is
 * engine-specific goes through the engine seam ({@code DatabaseEngine}). The one stateful object
 * it hands out is a {@link UsageRecorder} ({@link #recorder}): buffered ingest, one sample per
 * call, written in batches by a thread of its own.
 *
 * <p>Storage (V20 + V60, docs/usage.md and docs/schema.md): new samples are appended to
 * {@code usage_recent}, keyed by time ({@code (ts, site_id)}), so a round of every site touches a
 * few pages at the right edge of one B-tree. Ingest calls also move the recent rows of a few
 * sites at a time into the site-clustered history {@code usage_samples} (a savepoint of the
 * ingest transaction; {@link #moveRecentSamples} moves everything), keeping
 * {@code usage_recent} small. Every (site, second) is stored once, in one of the two tables, and
 * every query reads both. Triggers on {@code usage_recent} keep {@code usage_latest} and
 * {@code usage_day_totals}. Rollup and prune stream inside the database and never hold a day of
 * samples in memory.
 */
public final class UsageRepository {
    /** Largest batch {@link #recordBatch} takes (one transaction). */
    public static final int MAX_BATCH = 100_000;
    /** Largest accepted measurement value (keeps fixed-point arithmetic far from overflow). */
    public static final double MAX_VALUE = FixedPoint.MAX_VALUE;

    public static final int MAX_BUCKETS = 10_000;
    /** Query instants must lie in [0001-01-01, 9999-12-31] (UTC): what every database's time type holds. */
    public static final Instant MIN_QUERY_INSTANT = Instant.parse("0001-01-01T00:00:00Z");

    public static final Instant MAX_QUERY_INSTANT = Instant.parse("9999-12-31T23:59:59.999999999Z");
    /** Rows {@code usage_recent} may hold before ingest calls start moving them (about 120 rounds of 1,000 sites; chosen by measurement, docs/PERFORMANCE.md, issue 15). */
    static final int DEFAULT_RECENT_ROWS = 120_000;
    /** Sites (by id range) whose recent rows one move step copies into the history. */
    static final int DEFAULT_SITES_PER_MOVE = 100;
    /** Days after today whose partitions {@link #createPartitionsAhead} creates (PostgreSQL). */
    public static final int PARTITION_DAYS_AHEAD = 7;
    /** Largest number of recent rows one retention step deletes. */
    static final int PRUNE_RECENT_ROWS_PER_STEP = 5_000;

    private final DialupDatabase db;
    private final UsageIngest ingest;
    private final UsageMover mover;
    private final UsageQueries queries;
    private final UsageEnforcement enforcement;
    private final UsageRollup rollup;
    private final UsageRetention retention;

    public UsageRepository(DialupDatabase db) {
        this(db, DEFAULT_RECENT_ROWS, DEFAULT_SITES_PER_MOVE);
    }

    /** Tests and benchmarks: when ingest starts moving recent rows, and how many sites one move step takes. */
    UsageRepository(DialupDatabase db, int recentRowsBeforeMove, int sitesPerMove) {
        if (recentRowsBeforeMove < 0 || sitesPerMove < 1) throw new IllegalArgumentException("bad move settings");
        this.db = Objects.requireNonNull(db, "db");
        this.mover = new UsageMover(db, sitesPerMove);
        this.ingest = new UsageIngest(db, mover, recentRowsBeforeMove);
        this.queries = new UsageQueries(db);
        this.enforcement = new UsageEnforcement(db);
        this.rollup = new UsageRollup(db);
        this.retention = new UsageRetention(db);
    }

    /** The ingest job (tests read how often it prepared its statements). */
    UsageIngest ingest() {
        return ingest;
    }

    // --- ingest (system scope) -------------------------------------------------------

    /**
     * Records one sample in its own transaction (a poller's call). Same rules as
     * {@link #recordBatch}; a null sample is a {@code ValidationException} on {@code sample}. For
     * many samples per second one at a time, use a {@link #recorder}.
     */
    public int record(AccessScope scope, UsageSample sample) {
        return recordBatch(scope, List.of(Inputs.notNull("sample", sample)));
    }

    /**
     * A {@link UsageRecorder} with {@linkplain UsageRecorder.Settings#defaults() the default
     * settings}: one sample per call, committed in batches by a background thread. System scope
     * only, checked now and again by every batch it writes.
     */
    public UsageRecorder recorder(AccessScope scope) {
        return recorder(scope, UsageRecorder.Settings.defaults());
    }

    /** A {@link UsageRecorder} with the given settings. System scope only (see {@link #recorder(AccessScope)}). */
    public UsageRecorder recorder(AccessScope scope, UsageRecorder.Settings settings) {
        TenantFilter.requireSystem(db, scope, "recording resource usage");
        Inputs.notNull("settings", settings);
        return UsageRecorder.start(this, db, scope, settings);
    }

    /**
     * Records a batch (many sites, one transaction). Each element must name an existing site,
     * have a timestamp at or after 1970 and at most {@code usage.max_clock_skew_seconds} (default
     * 300) after now, and finite, non-negative values. A bad element, an unknown site, the same
     * (site, second) twice in the batch, or a (site, second) already stored with <em>different</em>
     * values rejects the whole batch with an error naming the element, and writes nothing. A
     * sample already stored with the same values is skipped, so re-sending a batch is harmless.
     *
     * <p>Once {@code usage_recent} is big enough, the call also runs one move step — the recent
     * rows of a few sites into the history — in a savepoint of the same transaction (one commit
     * for both); a failing step is undone alone, logged and retried by a later call, never
     * reported as a failed batch.
     *
     * @return how many samples were newly stored
     */
    public int recordBatch(AccessScope scope, List<UsageSample> samples) {
        return ingest.recordBatch(scope, samples);
    }

    /**
     * Moves every row of {@code usage_recent} into the history {@code usage_samples}, a few
     * sites per transaction (what ingest calls do a step at a time). For maintenance and tests;
     * system scope only. Returns how many samples were moved.
     */
    public long moveRecentSamples(AccessScope scope) {
        return mover.moveAll(scope);
    }

    // --- user-facing queries -------------------------------------------------------------

    /** The newest sample of each given site (sites without samples are absent). Every site must be visible. */
    public Map<Long, UsageSample> latest(AccessScope scope, Collection<Long> siteIds) {
        return queries.latest(scope, siteIds);
    }

    /** The newest sample of every site the scope can see, by site id. */
    public List<UsageSample> latestForVisibleSites(AccessScope scope) {
        return queries.latestForVisibleSites(scope);
    }

    /** Every sample of one site in {@code [from, to)}, oldest first. An empty range gives an empty list. */
    public List<UsageSample> series(AccessScope scope, long siteId, Instant from, Instant to) {
        return queries.series(scope, siteId, from, to);
    }

    /**
     * One site's samples in {@code [from, to)} downsampled into {@code buckets} equal buckets:
     * a sample at time {@code t} falls in bucket {@code floor((t - from) * buckets / (to - from))}
     * (millisecond arithmetic), so a sample exactly on an edge belongs to the later bucket.
     * Always returns {@code buckets} buckets; empty ones have no aggregates.
     */
    public List<SeriesBucket> seriesBuckets(AccessScope scope, long siteId, Instant from, Instant to, int buckets) {
        return queries.seriesBuckets(scope, siteId, from, to, buckets);
    }

    /** A site's latest sample and today's totals against its limits. */
    public UsageVsLimits usageVsLimits(AccessScope scope, long siteId) {
        return queries.usageVsLimits(scope, siteId);
    }

    /** Daily aggregates of one site for {@code [from, to]} (inclusive dates), oldest first. */
    public List<DailyUsage> daily(AccessScope scope, long siteId, LocalDate from, LocalDate to) {
        return queries.daily(scope, siteId, from, to);
    }

    // --- enforcement (system scope) --------------------------------------------------------

    /**
     * Every (site, dimension) above its limit: memory, CPU, disk and request rate by their
     * highest sample in the last {@code window}; bandwidth by today's (UTC) total against the
     * daily allowance. For the enforcement loop; system scope only.
     */
    public List<OverLimit> sitesOverLimit(AccessScope scope, Duration window) {
        return enforcement.sitesOverLimit(scope, window);
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
        return rollup.rollupDay(scope, day);
    }

    /**
     * PostgreSQL, where {@code usage_samples} is partitioned by UTC day (V61): creates the partitions of
     * today and the next {@value #PARTITION_DAYS_AHEAD} days (UTC, by the database's clock) that are missing,
     * so ingest does not have to; returns how many were created. A sample of a day without a partition is
     * still stored: ingest then creates that day's partition itself. Returns 0 on SQLite, which has no
     * partitions. System scope only (maintenance).
     */
    public int createPartitionsAhead(AccessScope scope) {
        return retention.createPartitionsAhead(scope, PARTITION_DAYS_AHEAD);
    }

    /**
     * Deletes raw samples older than {@code usage.raw_retention_days} (a sample exactly at the
     * cutoff is kept) and daily rows older than {@code usage.daily_retention_days}, in small
     * transactions — at most one site-day of history samples, or {@value #PRUNE_RECENT_ROWS_PER_STEP}
     * recent rows, each — so concurrent ingest waits for one short transaction at most. Freed
     * pages are reused by later inserts and returned to the file system by {@code optimize}
     * (incremental vacuum).
     *
     * <p>On PostgreSQL raw samples are not deleted row by row: every daily partition lying wholly before
     * the cutoff is dropped, one per transaction, so retention rounds to whole UTC days — samples of the
     * cutoff's own day stay until the next prune after that day has passed (docs/usage.md).
     */
    public PruneResult prune(AccessScope scope) {
        return retention.prune(scope);
    }
}
