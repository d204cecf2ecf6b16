package dev.dialup.deploy.db.integration;

import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.DeploymentStatus;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.generated.tables.Deployments;
import dev.dialup.deploy.db.generated.tables.SiteUsageDaily;
import dev.dialup.deploy.db.generated.tables.Sites;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.Field;
import org.jooq.Table;
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

    private static final Sites S = SITES;
    private static final Deployments D = DEPLOYMENTS;
    /** Deployments a second time in one query (the latest per site). */
    private static final Deployments LATEST = DEPLOYMENTS.as("latest");

    private static final SiteUsageDaily U = SITE_USAGE_DAILY;

    private final DialupDatabase db;

    public AdminDashboardQueries(DialupDatabase db) {
        this.db = db;
    }

    @Override
    public SiteStatusCounts sitesByStatus(AccessScope admin) {
        return db.read(admin, dsl -> {
            TenantFilter.requireAdmin(dsl, admin, "the admin dashboard");
            long active = dsl.fetchCount(S, S.IS_ACTIVE.isTrue());
            long inactive = dsl.fetchCount(S, S.IS_ACTIVE.isFalse().or(S.IS_ACTIVE.isNull()));
            // Each site's latest status by one backward seek on (site_id, id) per site: a join on the latest id
            // made PostgreSQL hash every deployment first (55 ms for 1,000 sites and 100,000 deployments; 5 ms
            // this way, docs/PERFORMANCE.md, session 6).
            Field<String> latestStatus = DSL.select(LATEST.STATUS)
                    .from(LATEST)
                    .where(LATEST.SITE_ID.eq(S.ID))
                    .orderBy(LATEST.ID.desc())
                    .limit(DSL.inline(1))
                    .asField("latest_status");
            Table<?> perSite = dsl.select(latestStatus).from(S).asTable("per_site");
            Field<String> status = DSL.coalesce(perSite.field("latest_status", String.class), DSL.inline("none"));
            Map<String, Long> byStatus = new TreeMap<>();
            dsl.select(status, DSL.count())
                    .from(perSite)
                    .groupBy(status)
                    .forEach(r -> byStatus.put(r.value1(), r.value2().longValue()));
            return new SiteStatusCounts(active, inactive, byStatus);
        });
    }

    @Override
    public List<DeploymentsOnDay> deploymentsPerDay(AccessScope admin, int days) {
        checkDays(days);
        Instant from = db.clock().instant().truncatedTo(ChronoUnit.DAYS).minus(days - 1L, ChronoUnit.DAYS);
        return db.read(admin, dsl -> {
            // The UTC day of deployed_at, as the engine computes it from the stored time (the seam:
            // DatabaseEngine.utcDay).
            Field<String> day = Engines.forDialect(dsl.dialect()).utcDay(D.DEPLOYED_AT);
            TenantFilter.requireAdmin(dsl, admin, "the admin dashboard");
            return dsl.select(
                            day,
                            DSL.count(),
                            DSL.count().filterWhere(D.STATUS.eq(DeploymentStatus.SUCCESS.dbValue())),
                            DSL.count().filterWhere(D.STATUS.eq(DeploymentStatus.FAILED.dbValue())),
                            DSL.count().filterWhere(D.STATUS.eq(DeploymentStatus.CANCELLED.dbValue())),
                            DSL.count()
                                    .filterWhere(D.STATUS.in(
                                            DeploymentStatus.PENDING.dbValue(), DeploymentStatus.BUILDING.dbValue())))
                    .from(D)
                    .where(D.DEPLOYED_AT.ge(from))
                    .groupBy(day)
                    .orderBy(day)
                    .fetch(r -> new DeploymentsOnDay(
                            StoredTime.parseDate(r.value1()),
                            r.value2(),
                            r.value3(),
                            r.value4(),
                            r.value5(),
                            r.value6()));
        });
    }

    @Override
    public List<SiteResourceUse> topSitesByResourceUse(AccessScope admin, int days, ResourceMetric rankBy, int limit) {
        checkDays(days);
        checkLimit(limit);
        if (rankBy == null) throw new ValidationException("rankBy", "must not be null");
        LocalDate from =
                LocalDate.ofInstant(db.clock().instant(), ZoneOffset.UTC).minusDays(days - 1L);
        Field<Double> rank = DSL.avg(rankBy == ResourceMetric.MEMORY ? U.AVG_MEMORY_MB : U.AVG_CPU_PERCENT)
                .coerce(Double.class);
        return db.read(admin, dsl -> {
            TenantFilter.requireAdmin(dsl, admin, "the admin dashboard");
            // Two steps: rank with one aggregate over the window (the costly scan), then the
            // full figures for the few winners only.
            List<Long> top = dsl.select(U.SITE_ID, rank)
                    .from(U)
                    .where(U.DATE.ge(from))
                    .groupBy(U.SITE_ID)
                    .orderBy(rank.desc().nullsLast(), U.SITE_ID)
                    .limit(limit)
                    .fetch(U.SITE_ID);
            if (top.isEmpty()) return List.<SiteResourceUse>of();
            Map<Long, SiteResourceUse> figures = new java.util.HashMap<>();
            dsl.select(
                            U.SITE_ID,
                            S.NAME,
                            DSL.avg(U.AVG_MEMORY_MB).coerce(Double.class),
                            DSL.max(U.MAX_MEMORY_MB).coerce(Double.class),
                            DSL.avg(U.AVG_CPU_PERCENT).coerce(Double.class),
                            DSL.max(U.MAX_CPU_PERCENT).coerce(Double.class),
                            DSL.count())
                    .from(U)
                    .join(S)
                    .on(S.ID.eq(U.SITE_ID))
                    .where(U.SITE_ID.in(top))
                    .and(U.DATE.ge(from))
                    .groupBy(U.SITE_ID, S.NAME)
                    .forEach(r -> figures.put(
                            r.value1(),
                            new SiteResourceUse(
                                    r.value1(),
                                    r.value2(),
                                    zero(r.value3()),
                                    zero(r.value4()),
                                    zero(r.value5()),
                                    zero(r.value6()),
                                    r.value7())));
            return top.stream().map(figures::get).toList();
        });
    }

    @Override
    public List<FailedDeployment> recentFailedDeployments(AccessScope admin, int limit) {
        checkLimit(limit);
        return db.read(admin, dsl -> {
            TenantFilter.requireAdmin(dsl, admin, "the admin dashboard");
            return dsl.select(
                            D.ID,
                            D.SITE_ID,
                            S.NAME,
                            D.COMMIT_HASH,
                            D.BRANCH,
                            D.DEPLOYED_BY,
                            D.DEPLOYED_AT,
                            D.FINISHED_AT)
                    .from(D)
                    .join(S)
                    .on(S.ID.eq(D.SITE_ID))
                    .where(D.STATUS.eq(DeploymentStatus.FAILED.dbValue()))
                    .orderBy(D.ID.desc())
                    .limit(limit)
                    .fetch(r -> new FailedDeployment(
                            r.value1(),
                            r.value2(),
                            r.value3(),
                            r.value4(),
                            r.value5(),
                            r.value6(),
                            r.value7(),
                            r.value8()));
        });
    }

    private static double zero(Double v) {
        return v == null ? 0 : v;
    }

    private static void checkDays(int days) {
        if (days < 1 || days > MAX_DAYS) throw new ValidationException("days", "must be between 1 and " + MAX_DAYS);
    }

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT)
            throw new ValidationException("limit", "must be between 1 and " + MAX_LIMIT);
    }
}
