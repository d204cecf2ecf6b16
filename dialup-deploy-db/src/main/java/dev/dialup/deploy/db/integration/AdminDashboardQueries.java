package dev.dialup.deploy.db.integration;

import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.deploy.DeploymentStatus;
import dev.dialup.deploy.db.generated.tables.Deployments;
import dev.dialup.deploy.db.generated.tables.SiteUsageDaily;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.access.TenantFilter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * The admin dashboard's queries. Each is served by an index from V30 (see
 * docs/PERFORMANCE.md, "Admin panel aggregates"): latest deployment per site by
 * {@code idx_deployments_site_id_id}, per-day counts by the covering
 * {@code idx_deployments_deployed_at_status}, resource use by the covering
 * {@code idx_site_usage_daily_site_date_usage}, failures by {@code idx_deployments_status_id}.
 */
public final class AdminDashboardQueries implements AdminDashboard {
    public static final int MAX_DAYS = 366;
    public static final int MAX_LIMIT = 100;

    private final Sites s = SITES.as("s");
    private final Deployments d = DEPLOYMENTS.as("d");
    private final Deployments latest = DEPLOYMENTS.as("latest");
    private final SiteUsageDaily u = SITE_USAGE_DAILY.as("u");

    private final DialupDatabase db;

    public AdminDashboardQueries(DialupDatabase db) {
        this.db = db;
    }

    @Override
    public SiteStatusCounts sitesByStatus(AccessScope admin) {
        return db.read(dsl -> {
            TenantFilter.requireAdmin(dsl, admin, "the admin dashboard");
            long active = dsl.fetchCount(s, s.IS_ACTIVE.isTrue());
            long inactive = dsl.fetchCount(s, s.IS_ACTIVE.isFalse().or(s.IS_ACTIVE.isNull()));
            Field<Long> latestId = DSL.select(DSL.max(latest.ID)).from(latest).where(latest.SITE_ID.eq(s.ID)).asField();
            Field<String> status = DSL.coalesce(d.STATUS, DSL.inline("none"));
            Map<String, Long> byStatus = new TreeMap<>();
            dsl.select(status, DSL.count())
                    .from(s).leftJoin(d).on(d.ID.eq(latestId))
                    .groupBy(status)
                    .forEach(r -> byStatus.put(r.value1(), r.value2().longValue()));
            return new SiteStatusCounts(active, inactive, byStatus);
        });
    }

    @Override
    public List<DeploymentsOnDay> deploymentsPerDay(AccessScope admin, int days) {
        checkDays(days);
        Instant from = db.clock().instant().truncatedTo(ChronoUnit.DAYS).minus(days - 1L, ChronoUnit.DAYS);
        // deployed_at is 'YYYY-MM-DD HH:MM:SS.SSS' text: its first 10 characters are the UTC day.
        Field<String> day = DSL.substring(d.DEPLOYED_AT.coerce(String.class), DSL.inline(1), DSL.inline(10));
        return db.read(dsl -> {
            TenantFilter.requireAdmin(dsl, admin, "the admin dashboard");
            return dsl.select(day, DSL.count(),
                                DSL.count().filterWhere(d.STATUS.eq(DeploymentStatus.SUCCESS.dbValue())),
                                DSL.count().filterWhere(d.STATUS.eq(DeploymentStatus.FAILED.dbValue())),
                                DSL.count().filterWhere(d.STATUS.eq(DeploymentStatus.CANCELLED.dbValue())),
                                DSL.count().filterWhere(d.STATUS.in(DeploymentStatus.PENDING.dbValue(), DeploymentStatus.BUILDING.dbValue())))
                        .from(d)
                        .where(d.DEPLOYED_AT.ge(from))
                        .groupBy(day)
                        .orderBy(day)
                        .fetch(r -> new DeploymentsOnDay(StoredTime.parseDate(r.value1()), r.value2(), r.value3(), r.value4(), r.value5(), r.value6()));
        });
    }

    @Override
    public List<SiteResourceUse> topSitesByResourceUse(AccessScope admin, int days, ResourceMetric rankBy, int limit) {
        checkDays(days);
        checkLimit(limit);
        if (rankBy == null) throw new ValidationException("rankBy", "must not be null");
        LocalDate from = LocalDate.ofInstant(db.clock().instant(), ZoneOffset.UTC).minusDays(days - 1L);
        Field<Double> rank = DSL.avg(rankBy == ResourceMetric.MEMORY ? u.AVG_MEMORY_MB : u.AVG_CPU_PERCENT).coerce(Double.class);
        return db.read(dsl -> {
            TenantFilter.requireAdmin(dsl, admin, "the admin dashboard");
            // Two steps: rank with one aggregate over the window (the costly scan), then the
            // full figures for the few winners only.
            List<Long> top = dsl.select(u.SITE_ID, rank)
                    .from(u)
                    .where(u.DATE.ge(from))
                    .groupBy(u.SITE_ID)
                    .orderBy(rank.desc().nullsLast(), u.SITE_ID)
                    .limit(limit)
                    .fetch(u.SITE_ID);
            if (top.isEmpty()) return List.<SiteResourceUse>of();
            Map<Long, SiteResourceUse> figures = new java.util.HashMap<>();
            dsl.select(u.SITE_ID, s.NAME, DSL.avg(u.AVG_MEMORY_MB).coerce(Double.class), DSL.max(u.MAX_MEMORY_MB).coerce(Double.class),
                            DSL.avg(u.AVG_CPU_PERCENT).coerce(Double.class), DSL.max(u.MAX_CPU_PERCENT).coerce(Double.class), DSL.count())
                    .from(u).join(s).on(s.ID.eq(u.SITE_ID))
                    .where(u.SITE_ID.in(top)).and(u.DATE.ge(from))
                    .groupBy(u.SITE_ID, s.NAME)
                    .forEach(r -> figures.put(r.value1(), new SiteResourceUse(r.value1(), r.value2(), zero(r.value3()),
                            zero(r.value4()), zero(r.value5()), zero(r.value6()), r.value7())));
            return top.stream().map(figures::get).toList();
        });
    }

    @Override
    public List<FailedDeployment> recentFailedDeployments(AccessScope admin, int limit) {
        checkLimit(limit);
        return db.read(dsl -> {
            TenantFilter.requireAdmin(dsl, admin, "the admin dashboard");
            return dsl.select(d.ID, d.SITE_ID, s.NAME, d.COMMIT_HASH, d.BRANCH, d.DEPLOYED_BY, d.DEPLOYED_AT, d.FINISHED_AT)
                .from(d).join(s).on(s.ID.eq(d.SITE_ID))
                .where(d.STATUS.eq(DeploymentStatus.FAILED.dbValue()))
                .orderBy(d.ID.desc())
                .limit(limit)
                .fetch(r -> new FailedDeployment(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(),
                        r.value6(), r.value7(), r.value8()));
        });
    }

    private static double zero(Double v) {
        return v == null ? 0 : v;
    }

    private static void checkDays(int days) {
        if (days < 1 || days > MAX_DAYS) throw new ValidationException("days", "must be between 1 and " + MAX_DAYS);
    }

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) throw new ValidationException("limit", "must be between 1 and " + MAX_LIMIT);
    }
}
