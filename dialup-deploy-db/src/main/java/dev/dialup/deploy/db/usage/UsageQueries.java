package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.USAGE_DAY_TOTALS;
import static dev.dialup.deploy.db.generated.Tables.USAGE_LATEST;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;

import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.generated.tables.SiteResourceLimits;
import dev.dialup.deploy.db.generated.tables.SiteUsageDaily;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.UsageDayTotals;
import dev.dialup.deploy.db.generated.tables.records.SiteUsageDailyRecord;
import dev.dialup.deploy.db.sites.ResourceLimits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.SelectJoinStep;
import org.jooq.conf.ParamType;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The user-facing usage queries: every one sees only sites visible to the scope
 * ({@link TenantFilter}); an invisible site is a {@link NotFoundException}, exactly like a
 * missing one. Samples are read from both {@code usage_samples} and {@code usage_recent} (a
 * (site, second) is in one of them) and merged.
 */
final class UsageQueries {
    private final SampleColumns u = SampleColumns.of(USAGE_SAMPLES.as("u"));
    private final SampleColumns rc = SampleColumns.of(USAGE_RECENT.as("rc"));
    private final SampleColumns l = SampleColumns.of(USAGE_LATEST.as("l"));
    private final UsageDayTotals t = USAGE_DAY_TOTALS.as("t");
    private final SiteResourceLimits lim = SITE_RESOURCE_LIMITS.as("lim");
    private final SiteUsageDaily d = SITE_USAGE_DAILY.as("d");
    private final Sites s = SITES.as("s");

    private final DialupDatabase db;

    /** A site's samples of one table in {@code [from, to)}, in time order: the series' two reads, rendered once. */
    private final String historySeriesSql;

    private final String recentSeriesSql;

    UsageQueries(DialupDatabase db) {
        this.db = db;
        DSLContext render = DSL.using(db.readDsl().dialect());
        this.historySeriesSql = seriesSql(render, u);
        this.recentSeriesSql = seriesSql(render, rc);
    }

    private static String seriesSql(DSLContext render, SampleColumns c) {
        return selectBase(render, c)
                .where(c.siteId().eq(DSL.param("site", SQLDataType.BIGINT)))
                .and(c.ts().ge(DSL.param("from", SQLDataType.BIGINT)))
                .and(c.ts().lt(DSL.param("to", SQLDataType.BIGINT)))
                .orderBy(c.ts())
                .getSQL(ParamType.INDEXED);
    }

    Map<Long, UsageSample> latest(AccessScope scope, Collection<Long> siteIds) {
        Objects.requireNonNull(siteIds, "siteIds");
        Set<Long> ids = new TreeSet<>(siteIds);
        return db.read(scope, dsl -> {
            Set<Long> visible = new HashSet<>(dsl.select(s.ID)
                    .from(s)
                    .where(s.ID.in(ids))
                    .and(TenantFilter.siteVisible(dsl, scope, s))
                    .fetch(s.ID));
            for (long id : ids) {
                if (!visible.contains(id)) throw new NotFoundException("site", id);
            }
            Map<Long, UsageSample> out = new LinkedHashMap<>();
            for (UsageSample x :
                    fetchAndMap(selectBase(dsl, l).where(l.siteId().in(ids)).orderBy(l.siteId()))) {
                out.put(x.siteId(), x);
            }
            return out;
        });
    }

    List<UsageSample> latestForVisibleSites(AccessScope scope) {
        return db.read(
                scope,
                dsl -> fetchAndMap(selectBase(dsl, l)
                        .join(s)
                        .on(s.ID.eq(l.siteId()))
                        .where(TenantFilter.siteVisible(dsl, scope, s))
                        .orderBy(l.siteId())));
    }

    List<UsageSample> series(AccessScope scope, long siteId, Instant from, Instant to) {
        UsageInputs.SecondsRange range = UsageInputs.secondsRange(from, to);
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            // History and recent rows, each in time order; a (site, second) is in only one of them. Plain JDBC on
            // SQL rendered once: thousands of rows per call, where jOOQ's per-call rendering and result-set
            // wrapper were ~5 % of a 2,880-sample read on PostgreSQL (docs/PERFORMANCE.md, "Session 7").
            return dsl.connectionResult(c -> merge(
                    readSeries(c, historySeriesSql, siteId, range), readSeries(c, recentSeriesSql, siteId, range)));
        });
    }

    /** The eight sample columns of one table: every sample query starts here. */
    private static SelectJoinStep<Record> selectBase(DSLContext dsl, SampleColumns c) {
        return dsl.select(c.all()).from(c.table());
    }

    /**
     * Runs a query built on {@link #selectBase} and maps each row to a sample straight from the JDBC result
     * set, whose columns are {@link SampleColumns#all()} in order: no jOOQ record per row, which was ~13 % of
     * a 2,880-sample series on PostgreSQL (docs/PERFORMANCE.md, "Session 7").
     */
    private static List<UsageSample> fetchAndMap(ResultQuery<Record> query) {
        try (ResultSet rs = query.fetchResultSet()) {
            return samples(rs);
        } catch (SQLException e) {
            throw new DataAccessException("Reading usage samples failed: " + e.getMessage(), e);
        }
    }

    private static List<UsageSample> readSeries(Connection c, String sql, long siteId, UsageInputs.SecondsRange range)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, siteId);
            ps.setLong(2, range.from());
            ps.setLong(3, range.to());
            try (ResultSet rs = ps.executeQuery()) {
                return samples(rs);
            }
        }
    }

    /** Every row of {@code rs} — the columns of {@link SampleColumns#all()} in order — as a sample. */
    private static List<UsageSample> samples(ResultSet rs) throws SQLException {
        List<UsageSample> out = new ArrayList<>();
        while (rs.next()) out.add(FixedPoint.decode(StoredSample.read(rs)));
        return out;
    }

    /** Two time-ordered lists with no timestamp in common, as one time-ordered list. */
    private static List<UsageSample> merge(List<UsageSample> a, List<UsageSample> b) {
        if (b.isEmpty()) return a;
        if (a.isEmpty()) return b;
        List<UsageSample> out = new ArrayList<>(a.size() + b.size());
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (j == b.size()
                    || (i < a.size() && a.get(i).timestamp().isBefore(b.get(j).timestamp()))) out.add(a.get(i++));
            else out.add(b.get(j++));
        }
        return out;
    }

    List<SeriesBucket> seriesBuckets(AccessScope scope, long siteId, Instant from, Instant to, int buckets) {
        if (buckets < 1 || buckets > UsageRepository.MAX_BUCKETS) {
            throw new ValidationException("buckets", "must be between 1 and " + UsageRepository.MAX_BUCKETS);
        }
        UsageInputs.SecondsRange range = UsageInputs.secondsRange(from, to);
        long fromMs = from.toEpochMilli();
        long spanMs = to.toEpochMilli() - fromMs;
        if (spanMs <= 0) throw new ValidationException("to", "must be after from for a bucketed series");
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            Map<Long, SampleAggregate> byBucket = new TreeMap<>();
            for (SampleColumns c : List.of(u, rc)) {
                // bucket = floor((t - from) * buckets / span), milliseconds, integer division
                Field<Long> bucket =
                        c.ts().mul(1000L).sub(fromMs).mul((long) buckets).div(spanMs);
                dsl.select(SampleAggregate.fields(c, bucket))
                        .from(c.table())
                        .where(c.ts().ge(range.from()))
                        .and(c.ts().lt(range.to()))
                        .and(c.siteId().eq(siteId))
                        .groupBy(DSL.field(DSL.name(SampleAggregate.KEY)))
                        .forEach(r -> byBucket.computeIfAbsent(SampleAggregate.key(r), k -> new SampleAggregate())
                                .add(r));
            }
            List<SeriesBucket> out = new ArrayList<>(buckets);
            for (int b = 0; b < buckets; b++) {
                Instant start = Instant.ofEpochMilli(fromMs + Math.floorDiv(spanMs * b, buckets));
                Instant end = Instant.ofEpochMilli(fromMs + Math.floorDiv(spanMs * (b + 1), buckets));
                SampleAggregate a = byBucket.get((long) b);
                if (a == null) {
                    out.add(new SeriesBucket(
                            start, end, 0, null, null, null, null, null, null, null, null, null, null));
                } else {
                    out.add(new SeriesBucket(
                            start,
                            end,
                            a.samples,
                            a.memory.avg(),
                            a.memory.max(),
                            a.cpu.avg(),
                            a.cpu.max(),
                            a.disk.avg(),
                            a.disk.max(),
                            a.bandwidth.total(),
                            a.requests.exactTotal(),
                            a.responseTime.avg(),
                            a.responseTime.max()));
                }
            }
            return out;
        });
    }

    UsageVsLimits usageVsLimits(AccessScope scope, long siteId) {
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            long interval = UsageSettings.sampleIntervalSeconds(db, dsl);
            var limitsRow = dsl.selectFrom(lim).where(lim.SITE_ID.eq(siteId)).fetchOne();
            ResourceLimits limits = new ResourceLimits(
                    limitsRow.getMaxMemoryMb(),
                    limitsRow.getMaxCpuPercent(),
                    limitsRow.getMaxDiskMb(),
                    limitsRow.getMaxBandwidthMb(),
                    limitsRow.getMaxRequestsPerMinute());
            UsageSample latest = fetchAndMap(selectBase(dsl, l).where(l.siteId().eq(siteId))).stream()
                    .findFirst()
                    .orElse(null);
            long today = Math.floorDiv(db.clock().instant().getEpochSecond(), UsageInputs.DAY) * UsageInputs.DAY;
            Long bandwidth = dsl.select(t.BANDWIDTH_MB_X1000)
                    .from(t)
                    .where(t.SITE_ID.eq(siteId))
                    .and(t.DAY.eq(today))
                    .fetchOne(t.BANDWIDTH_MB_X1000);
            Map<UsageDimension, Double> current = new EnumMap<>(UsageDimension.class);
            if (latest != null) {
                putIfPresent(current, UsageDimension.MEMORY, latest.memoryMb());
                putIfPresent(current, UsageDimension.CPU, latest.cpuPercent());
                putIfPresent(current, UsageDimension.DISK, latest.diskMb());
                if (latest.activeRequests() != null) {
                    current.put(UsageDimension.REQUESTS_PER_MINUTE, latest.activeRequests() * 60.0 / interval);
                }
            }
            current.put(UsageDimension.BANDWIDTH, bandwidth == null ? 0.0 : FixedPoint.bandwidth(bandwidth));
            return new UsageVsLimits(siteId, Optional.ofNullable(latest), limits, current);
        });
    }

    List<DailyUsage> daily(AccessScope scope, long siteId, LocalDate from, LocalDate to) {
        UsageInputs.requireDate("from", from);
        UsageInputs.requireDate("to", to);
        if (to.isBefore(from)) throw new ValidationException("to", "must be on or after from");
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            return dsl.selectFrom(d)
                    .where(d.SITE_ID.eq(siteId))
                    .and(d.DATE.between(from, to))
                    .orderBy(d.DATE)
                    .fetch(UsageQueries::toDaily);
        });
    }

    private static DailyUsage toDaily(SiteUsageDailyRecord r) {
        return new DailyUsage(
                r.getSiteId(),
                r.getDate(),
                r.getAvgMemoryMb(),
                r.getMaxMemoryMb(),
                r.getAvgCpuPercent(),
                r.getMaxCpuPercent(),
                r.getTotalBandwidthMb(),
                r.getTotalRequests(),
                r.getAvgResponseTimeMs(),
                r.getUptimeSeconds() == null ? 0 : r.getUptimeSeconds());
    }

    private static void putIfPresent(Map<UsageDimension, Double> m, UsageDimension k, Double v) {
        if (v != null) m.put(k, v);
    }
}
