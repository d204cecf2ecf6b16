package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.USAGE_DAY_TOTALS;
import static dev.dialup.deploy.db.generated.Tables.USAGE_LATEST;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.DialupDatabase;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.config.ConfigValues;
import dev.dialup.deploy.db.generated.tables.SiteResourceLimits;
import dev.dialup.deploy.db.generated.tables.SiteUsageDaily;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.UsageDayTotals;
import dev.dialup.deploy.db.generated.tables.UsageLatest;
import dev.dialup.deploy.db.generated.tables.UsageSamples;
import dev.dialup.deploy.db.sites.ResourceLimits;
import dev.dialup.deploy.db.tenancy.AccessScope;
import dev.dialup.deploy.db.tenancy.TenantFilter;
import java.sql.PreparedStatement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

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
 * Storage (V20, docs/usage.md): {@code usage_samples} is clustered on {@code (site_id, ts)}
 * WITHOUT ROWID with epoch-second time and fixed-point integer values; triggers keep
 * {@code usage_latest} (newest sample per site) and {@code usage_day_totals} (bandwidth and
 * requests per site and UTC day). Rollup and prune stream inside SQLite and never hold a day
 * of samples in memory.
 */
public final class UsageRepository {
    /** Largest batch {@link #recordBatch} takes (one transaction). */
    public static final int MAX_BATCH = 100_000;
    /** Largest accepted measurement value (keeps fixed-point arithmetic far from overflow). */
    public static final double MAX_VALUE = 1e12;
    public static final int MAX_BUCKETS = 10_000;
    private static final long DAY = 86_400;

    private final UsageSamples u = USAGE_SAMPLES.as("u");
    private final UsageLatest l = USAGE_LATEST.as("l");
    private final UsageDayTotals t = USAGE_DAY_TOTALS.as("t");
    private final SiteResourceLimits lim = SITE_RESOURCE_LIMITS.as("lim");
    private final SiteUsageDaily d = SITE_USAGE_DAILY.as("d");
    private final Sites s = SITES.as("s");

    private final DialupDatabase db;
    private final String insertSql;

    public UsageRepository(DialupDatabase db) {
        this.db = db;
        // Rendered once with jOOQ (portable SQL), executed as a JDBC batch: the ingest hot path.
        this.insertSql = DSL.using(org.jooq.SQLDialect.SQLITE)
                .insertInto(USAGE_SAMPLES, USAGE_SAMPLES.SITE_ID, USAGE_SAMPLES.TS, USAGE_SAMPLES.MEMORY_MB_X100,
                        USAGE_SAMPLES.CPU_PERCENT_X100, USAGE_SAMPLES.DISK_MB_X100, USAGE_SAMPLES.BANDWIDTH_MB_X1000,
                        USAGE_SAMPLES.ACTIVE_REQUESTS, USAGE_SAMPLES.RESPONSE_TIME_MS_X100)
                .values(DSL.param("a", SQLDataType.BIGINT), DSL.param("b", SQLDataType.BIGINT), DSL.param("c", SQLDataType.BIGINT),
                        DSL.param("d", SQLDataType.BIGINT), DSL.param("e", SQLDataType.BIGINT), DSL.param("f", SQLDataType.BIGINT),
                        DSL.param("g", SQLDataType.BIGINT), DSL.param("h", SQLDataType.BIGINT))
                .onConflictDoNothing()
                .getSQL(ParamType.INDEXED);
    }

    // --- ingest (system scope) -------------------------------------------------------

    /** Records one sample (a poller's call). Same rules as {@link #recordBatch}. */
    public int record(AccessScope scope, UsageSample sample) {
        return recordBatch(scope, List.of(Objects.requireNonNull(sample, "sample")));
    }

    /**
     * Records a batch (many sites, one transaction). Each element must name an existing site,
     * have a timestamp at or after 1970, and finite, non-negative values. A bad element, an
     * unknown site, the same (site, second) twice in the batch, or a (site, second) already
     * stored with <em>different</em> values rejects the whole batch with an error naming the
     * element, and writes nothing. A sample already stored with the same values is skipped,
     * so re-sending a batch is harmless.
     *
     * @return how many samples were newly stored
     */
    public int recordBatch(AccessScope scope, List<UsageSample> samples) {
        TenantFilter.requireSystem(scope, "recording resource usage");
        Objects.requireNonNull(samples, "samples");
        if (samples.size() > MAX_BATCH) {
            throw new ValidationException("samples", "at most " + MAX_BATCH + " samples per batch, got " + samples.size());
        }
        long[][] rows = validate(samples);
        if (rows.length == 0) return 0;
        return db.write(tx -> {
            requireSitesExist(tx, samples, rows);
            int[] counts = tx.connectionResult(c -> {
                try (PreparedStatement ps = c.prepareStatement(insertSql)) {
                    for (long[] r : rows) {
                        for (int i = 0; i < 8; i++) {
                            if (r[i] == NULL) ps.setNull(i + 1, Types.BIGINT); else ps.setLong(i + 1, r[i]);
                        }
                        ps.addBatch();
                    }
                    return ps.executeBatch();
                }
            });
            int inserted = 0;
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] > 0) {
                    inserted++;
                } else {
                    requireSameAsStored(tx, i, samples.get(i), rows[i]);
                }
            }
            return inserted;
        });
    }

    /** Marker for "no value" inside the fixed-point row arrays. */
    private static final long NULL = Long.MIN_VALUE;

    private static long[][] validate(List<UsageSample> samples) {
        long[][] rows = new long[samples.size()][];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < samples.size(); i++) {
            UsageSample x = samples.get(i);
            String where = "samples[" + i + "]";
            if (x == null) throw new ValidationException(where, "is null");
            if (x.timestamp() == null) throw new ValidationException(where + " (site " + x.siteId() + ")", "timestamp is missing");
            where = where + " (site " + x.siteId() + " at " + x.timestamp() + ")";
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
                throw new ValidationException("samples[" + i + "] (site " + rows[i][0] + " at " + samples.get(i).timestamp() + ")",
                        "site " + rows[i][0] + " does not exist");
            }
        }
    }

    private void requireSameAsStored(DSLContext tx, int i, UsageSample x, long[] r) {
        var stored = tx.selectFrom(USAGE_SAMPLES).where(USAGE_SAMPLES.SITE_ID.eq(r[0])).and(USAGE_SAMPLES.TS.eq(r[1])).fetchOne();
        long[] have = {stored.getSiteId(), stored.getTs(), orNull(stored.getMemoryMbX100()), orNull(stored.getCpuPercentX100()),
                orNull(stored.getDiskMbX100()), orNull(stored.getBandwidthMbX1000()), orNull(stored.getActiveRequests()),
                orNull(stored.getResponseTimeMsX100())};
        if (!java.util.Arrays.equals(have, r)) {
            throw new ConflictException("samples[" + i + "] (site " + x.siteId() + " at " + x.timestamp()
                    + "): a different sample is already stored for this site and second; the batch was not recorded");
        }
    }

    private static long orNull(Long v) {
        return v == null ? NULL : v;
    }

    // --- user-facing queries -------------------------------------------------------------

    /** The newest sample of each given site (sites without samples are absent). Every site must be visible. */
    public Map<Long, UsageSample> latest(AccessScope scope, Collection<Long> siteIds) {
        Objects.requireNonNull(siteIds, "siteIds");
        return db.read(dsl -> {
            Set<Long> ids = new TreeSet<>(siteIds);
            Set<Long> visible = new HashSet<>(dsl.select(SITES.ID).from(SITES)
                    .where(SITES.ID.in(ids)).and(TenantFilter.siteVisible(scope, SITES)).fetch(SITES.ID));
            for (Long id : ids) {
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
            return dsl.selectFrom(u).where(u.SITE_ID.eq(siteId)).and(u.TS.ge(range[0])).and(u.TS.lt(range[1]))
                    .orderBy(u.TS).fetch(this::sample);
        });
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
        Field<Long> bucket = u.TS.mul(1000L).sub(fromMs).mul((long) buckets).div(spanMs).as("bucket");
        return db.read(dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            Map<Long, Record> byBucket = new LinkedHashMap<>();
            dsl.select(bucket, DSL.count(),
                            DSL.avg(u.MEMORY_MB_X100), DSL.max(u.MEMORY_MB_X100), DSL.avg(u.CPU_PERCENT_X100), DSL.max(u.CPU_PERCENT_X100),
                            DSL.avg(u.DISK_MB_X100), DSL.max(u.DISK_MB_X100), DSL.sum(u.BANDWIDTH_MB_X1000), DSL.sum(u.ACTIVE_REQUESTS),
                            DSL.avg(u.RESPONSE_TIME_MS_X100), DSL.max(u.RESPONSE_TIME_MS_X100))
                    .from(u)
                    .where(u.SITE_ID.eq(siteId)).and(u.TS.ge(range[0])).and(u.TS.lt(range[1]))
                    .groupBy(DSL.field(DSL.name("bucket")))
                    .forEach(r -> byBucket.put(r.get(0, Long.class), r));
            List<SeriesBucket> out = new ArrayList<>(buckets);
            for (int b = 0; b < buckets; b++) {
                Instant start = Instant.ofEpochMilli(fromMs + Math.floorDiv(spanMs * b, buckets));
                Instant end = Instant.ofEpochMilli(fromMs + Math.floorDiv(spanMs * (b + 1), buckets));
                Record r = byBucket.get((long) b);
                if (r == null) {
                    out.add(new SeriesBucket(start, end, 0, null, null, null, null, null, null, null, null, null, null));
                } else {
                    out.add(new SeriesBucket(start, end, r.get(1, Long.class),
                            scaled(r.get(2, Double.class), 100), scaled(r.get(3, Double.class), 100),
                            scaled(r.get(4, Double.class), 100), scaled(r.get(5, Double.class), 100),
                            scaled(r.get(6, Double.class), 100), scaled(r.get(7, Double.class), 100),
                            scaled(r.get(8, Double.class), 1000), r.get(9, Long.class),
                            scaled(r.get(10, Double.class), 100), scaled(r.get(11, Double.class), 100)));
                }
            }
            return out;
        });
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
        if (from == null || to == null || to.isBefore(from)) throw new ValidationException("to", "must be on or after from");
        return db.read(dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            return dsl.selectFrom(d).where(d.SITE_ID.eq(siteId)).and(d.DATE.between(from, to)).orderBy(d.DATE)
                    .fetch(r -> new DailyUsage(r.getSiteId(), r.getDate(), r.getAvgMemoryMb(), r.getMaxMemoryMb(), r.getAvgCpuPercent(),
                            r.getMaxCpuPercent(), r.getTotalBandwidthMb(), r.getTotalRequests() == null ? null : r.getTotalRequests().longValue(),
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
        TenantFilter.requireSystem(scope, "the over-limit query");
        if (window == null || window.isNegative() || window.isZero() || window.toDays() > 31) {
            throw new ValidationException("window", "must be between 1 second and 31 days");
        }
        long now = db.clock().instant().getEpochSecond();
        long since = now - window.getSeconds();
        long today = now / DAY * DAY;
        return db.read(dsl -> {
            long interval = ConfigValues.readLong(dsl, ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS, 30);
            List<OverLimit> out = new ArrayList<>();
            // CROSS JOIN keeps limits as the outer loop: one range seek into (site_id, ts) per site.
            dsl.select(lim.SITE_ID, lim.MAX_MEMORY_MB, lim.MAX_CPU_PERCENT, lim.MAX_DISK_MB, lim.MAX_REQUESTS_PER_MINUTE,
                            DSL.max(u.MEMORY_MB_X100), DSL.max(u.CPU_PERCENT_X100), DSL.max(u.DISK_MB_X100), DSL.max(u.ACTIVE_REQUESTS))
                    .from(lim).crossJoin(u)
                    .where(u.SITE_ID.eq(lim.SITE_ID)).and(u.TS.ge(since))
                    .groupBy(lim.SITE_ID)
                    .having(DSL.max(u.MEMORY_MB_X100).gt(lim.MAX_MEMORY_MB.mul(100).coerce(Long.class))
                            .or(DSL.max(u.CPU_PERCENT_X100).gt(lim.MAX_CPU_PERCENT.mul(100).coerce(Long.class)))
                            .or(DSL.max(u.DISK_MB_X100).gt(lim.MAX_DISK_MB.mul(100).coerce(Long.class)))
                            .or(DSL.max(u.ACTIVE_REQUESTS).mul(60L).gt(lim.MAX_REQUESTS_PER_MINUTE.mul(interval).coerce(Long.class))))
                    .forEach(r -> {
                        long site = r.value1();
                        over(out, site, UsageDimension.MEMORY, scaled(r.value6(), 100), r.value2());
                        over(out, site, UsageDimension.CPU, scaled(r.value7(), 100), r.value3());
                        over(out, site, UsageDimension.DISK, scaled(r.value8(), 100), r.value4());
                        over(out, site, UsageDimension.REQUESTS_PER_MINUTE,
                                r.value9() == null ? null : r.value9() * 60.0 / interval, r.value5());
                    });
            dsl.select(lim.SITE_ID, lim.MAX_BANDWIDTH_MB, t.BANDWIDTH_MB_X1000)
                    .from(lim).join(t).on(t.SITE_ID.eq(lim.SITE_ID)).and(t.DAY.eq(today))
                    .where(t.BANDWIDTH_MB_X1000.gt(lim.MAX_BANDWIDTH_MB.mul(1000).coerce(Long.class)))
                    .forEach(r -> over(out, r.value1(), UsageDimension.BANDWIDTH, r.value3() / 1000.0, r.value2()));
            out.sort(java.util.Comparator.comparing(OverLimit::siteId).thenComparing(OverLimit::dimension));
            return out;
        });
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
     * are past retention is refused rather than replaced with nothing.
     */
    public RollupResult rollupDay(AccessScope scope, LocalDate day) {
        TenantFilter.requireSystem(scope, "the daily usage rollup");
        Objects.requireNonNull(day, "day");
        long from = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        long to = from + DAY;
        if (to > db.clock().instant().getEpochSecond() + DAY) {
            throw new ValidationException("day", day + " is in the future");
        }
        long rawCutoff = rawCutoff().getEpochSecond();
        if (to <= rawCutoff) {
            throw new ValidationException("day", day + " is past raw-sample retention; its daily row is kept as it is");
        }
        record Agg(long site, long samples, Double avgMem, Double maxMem, Double avgCpu, Double maxCpu, Double bw, Long req, Double avgRt) {}
        List<Agg> aggs = db.read(dsl -> dsl.select(s.ID, DSL.count(), DSL.avg(u.MEMORY_MB_X100), DSL.max(u.MEMORY_MB_X100),
                        DSL.avg(u.CPU_PERCENT_X100), DSL.max(u.CPU_PERCENT_X100), DSL.sum(u.BANDWIDTH_MB_X1000), DSL.sum(u.ACTIVE_REQUESTS),
                        DSL.avg(u.RESPONSE_TIME_MS_X100))
                .from(s).crossJoin(u)
                .where(u.SITE_ID.eq(s.ID)).and(u.TS.ge(from)).and(u.TS.lt(to))
                .groupBy(s.ID)
                .fetch(r -> new Agg(r.value1(), r.value2(), scaled(r.value3(), 100), scaled(r.get(3, Double.class), 100),
                        scaled(r.value5(), 100), scaled(r.get(5, Double.class), 100), scaled(r.get(6, Double.class), 1000),
                        r.get(7, Long.class), scaled(r.value9(), 100))));
        long interval = db.read(dsl -> ConfigValues.readLong(dsl, ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS, 30));
        return db.write(tx -> {
            long total = 0;
            for (Agg a : aggs) {
                // Upsert keeps the row (and its id) when a day is rolled up again.
                tx.insertInto(SITE_USAGE_DAILY)
                        .set(SITE_USAGE_DAILY.SITE_ID, a.site())
                        .set(SITE_USAGE_DAILY.DATE, day)
                        .set(dailyValues(a.avgMem(), a.maxMem(), a.avgCpu(), a.maxCpu(), a.bw(), a.req(), a.avgRt(), a.samples(), interval))
                        .onConflict(SITE_USAGE_DAILY.SITE_ID, SITE_USAGE_DAILY.DATE)
                        .doUpdate()
                        .set(dailyValues(a.avgMem(), a.maxMem(), a.avgCpu(), a.maxCpu(), a.bw(), a.req(), a.avgRt(), a.samples(), interval))
                        .execute();
                total += a.samples();
            }
            // A site whose samples for the day are gone (deleted site rows cascade; this covers a
            // re-run after samples were removed) must not keep a stale row.
            List<Long> sites = aggs.stream().map(Agg::site).toList();
            tx.deleteFrom(SITE_USAGE_DAILY).where(SITE_USAGE_DAILY.DATE.eq(day)).and(SITE_USAGE_DAILY.SITE_ID.notIn(sites)).execute();
            return new RollupResult(day, aggs.size(), total);
        });
    }

    /**
     * Deletes raw samples older than {@code usage.raw_retention_days} (a sample exactly at the
     * cutoff is kept) and daily rows older than {@code usage.daily_retention_days}, in small
     * transactions — at most one site-day of samples each — so concurrent ingest waits for
     * one short transaction at most. Freed pages are reused by later inserts and returned to
     * the file system by {@code optimize} (incremental vacuum).
     */
    public PruneResult prune(AccessScope scope) {
        TenantFilter.requireSystem(scope, "usage retention");
        Instant cutoff = rawCutoff();
        long cut = cutoff.getEpochSecond();
        long dailyDays = db.read(dsl -> ConfigValues.readLong(dsl, ConfigKeys.USAGE_DAILY_RETENTION_DAYS, 365));
        LocalDate dailyCutoff = LocalDate.ofInstant(db.clock().instant(), ZoneOffset.UTC).minusDays(dailyDays);
        long deleted = 0;
        int transactions = 0;
        long longest = 0;
        // Oldest sample per site: one seek per site on the (site_id, ts) key.
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

    private static Map<org.jooq.Field<?>, Object> dailyValues(Double avgMem, Double maxMem, Double avgCpu, Double maxCpu, Double bw,
                                                             Long req, Double avgRt, long samples, long interval) {
        Map<org.jooq.Field<?>, Object> v = new LinkedHashMap<>();
        v.put(SITE_USAGE_DAILY.AVG_MEMORY_MB, avgMem);
        v.put(SITE_USAGE_DAILY.MAX_MEMORY_MB, maxMem);
        v.put(SITE_USAGE_DAILY.AVG_CPU_PERCENT, avgCpu);
        v.put(SITE_USAGE_DAILY.MAX_CPU_PERCENT, maxCpu);
        v.put(SITE_USAGE_DAILY.TOTAL_BANDWIDTH_MB, bw == null ? 0.0 : bw);
        v.put(SITE_USAGE_DAILY.TOTAL_REQUESTS, req == null ? 0 : req.intValue());
        v.put(SITE_USAGE_DAILY.AVG_RESPONSE_TIME_MS, avgRt);
        v.put(SITE_USAGE_DAILY.UPTIME_SECONDS, (int) Math.min(DAY, samples * interval));
        return v;
    }

    /** Samples strictly before this instant are past raw retention (whole seconds). */
    private Instant rawCutoff() {
        long days = db.read(dsl -> ConfigValues.readLong(dsl, ConfigKeys.USAGE_RAW_RETENTION_DAYS, 30));
        return Instant.ofEpochSecond(db.clock().instant().getEpochSecond() - days * DAY);
    }

    // --- mapping -------------------------------------------------------------------------

    private static long[] secondsRange(Instant from, Instant to) {
        if (from == null) throw new ValidationException("from", "is required");
        if (to == null) throw new ValidationException("to", "is required");
        if (to.isBefore(from)) throw new ValidationException("to", "must not be before from");
        // [from, to) in instants -> [ceil(from), ceil(to)) in whole seconds.
        return new long[] {Math.ceilDiv(from.toEpochMilli(), 1000L), Math.ceilDiv(to.toEpochMilli(), 1000L)};
    }

    private UsageSample sample(dev.dialup.deploy.db.generated.tables.records.UsageSamplesRecord r) {
        return new UsageSample(r.getSiteId(), Instant.ofEpochSecond(r.getTs()), unfixed(r.getMemoryMbX100(), 100),
                unfixed(r.getCpuPercentX100(), 100), unfixed(r.getDiskMbX100(), 100), unfixed(r.getBandwidthMbX1000(), 1000),
                r.getActiveRequests() == null ? null : r.getActiveRequests().intValue(), unfixed(r.getResponseTimeMsX100(), 100));
    }

    private UsageSample latestSample(dev.dialup.deploy.db.generated.tables.records.UsageLatestRecord r) {
        return new UsageSample(r.getSiteId(), Instant.ofEpochSecond(r.getTs()), unfixed(r.getMemoryMbX100(), 100),
                unfixed(r.getCpuPercentX100(), 100), unfixed(r.getDiskMbX100(), 100), unfixed(r.getBandwidthMbX1000(), 1000),
                r.getActiveRequests() == null ? null : r.getActiveRequests().intValue(), unfixed(r.getResponseTimeMsX100(), 100));
    }

    private static Double unfixed(Long v, int scale) {
        return v == null ? null : v / (double) scale;
    }

    private static Double scaled(Number v, int scale) {
        return v == null ? null : v.doubleValue() / scale;
    }

    private static void putIfPresent(Map<UsageDimension, Double> m, UsageDimension k, Double v) {
        if (v != null) m.put(k, v);
    }
}
