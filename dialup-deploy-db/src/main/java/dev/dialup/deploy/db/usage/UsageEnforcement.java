package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;
import static dev.dialup.deploy.db.generated.Tables.USAGE_DAY_TOTALS;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.generated.tables.SiteResourceLimits;
import dev.dialup.deploy.db.generated.tables.UsageDayTotals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The enforcement query ({@link UsageRepository#sitesOverLimit}): every (site, dimension) above
 * its limit. Memory, CPU, disk and request rate by their highest sample in the window, from
 * both sample tables; bandwidth by today's total in {@code usage_day_totals}. System scope only.
 */
final class UsageEnforcement {
    private static final String MAX_MEMORY = "max_memory";
    private static final String MAX_CPU = "max_cpu";
    private static final String MAX_DISK = "max_disk";
    private static final String MAX_REQUESTS = "max_requests";

    private final SampleColumns u = SampleColumns.of(USAGE_SAMPLES.as("u"));
    private final SampleColumns rc = SampleColumns.of(USAGE_RECENT.as("rc"));
    private final UsageDayTotals t = USAGE_DAY_TOTALS.as("t");
    private final SiteResourceLimits lim = SITE_RESOURCE_LIMITS.as("lim");

    private final DialupDatabase db;

    UsageEnforcement(DialupDatabase db) {
        this.db = db;
    }

    List<OverLimit> sitesOverLimit(AccessScope scope, Duration window) {
        TenantFilter.requireSystem(db, scope, "the over-limit query");
        if (window == null) throw new ValidationException("window", "is required");
        if (window.isNegative()
                || window.compareTo(Duration.ofSeconds(1)) < 0
                || window.compareTo(Duration.ofDays(31)) > 0) {
            throw new ValidationException("window", "must be between 1 second and 31 days, got " + window);
        }
        long now = db.clock().instant().getEpochSecond();
        long since = now - window.getSeconds();
        long today = Math.floorDiv(now, UsageInputs.DAY) * UsageInputs.DAY;
        return db.read(scope, dsl -> {
            long interval = UsageSettings.sampleIntervalSeconds(db, dsl);
            // Each table reports the sites it holds over a limit, with its maxima; a site over in
            // either table is over, and its observed value is the larger of the two.
            Map<Long, Maxima> bySite = new TreeMap<>();
            dsl.select(limitsAndMaxima(u))
                    .from(Engines.forDialect(dsl.dialect()).seekPerRow(lim, u.table()))
                    .where(u.siteId().eq(lim.SITE_ID))
                    .and(u.ts().ge(since))
                    .groupBy(limitColumns())
                    .having(over(u, interval))
                    .forEach(r -> bySite.merge(r.get(lim.SITE_ID), Maxima.of(r), Maxima::max));
            dsl.select(limitsAndMaxima(rc))
                    .from(rc.table())
                    .join(lim)
                    .on(lim.SITE_ID.eq(rc.siteId()))
                    .where(rc.ts().ge(since))
                    .groupBy(limitColumns())
                    .having(over(rc, interval))
                    .forEach(r -> bySite.merge(r.get(lim.SITE_ID), Maxima.of(r), Maxima::max));
            List<OverLimit> out = new ArrayList<>();
            bySite.forEach((site, m) -> {
                Record limits = m.limits();
                over(out, site, UsageDimension.MEMORY, FixedPoint.level(m.memory()), limits.get(lim.MAX_MEMORY_MB));
                over(out, site, UsageDimension.CPU, FixedPoint.level(m.cpu()), limits.get(lim.MAX_CPU_PERCENT));
                over(out, site, UsageDimension.DISK, FixedPoint.level(m.disk()), limits.get(lim.MAX_DISK_MB));
                over(
                        out,
                        site,
                        UsageDimension.REQUESTS_PER_MINUTE,
                        m.requests() == null ? null : m.requests() * 60.0 / interval,
                        limits.get(lim.MAX_REQUESTS_PER_MINUTE));
            });
            dsl.select(lim.SITE_ID, lim.MAX_BANDWIDTH_MB, t.BANDWIDTH_MB_X1000)
                    .from(lim)
                    .join(t)
                    .on(t.DAY.eq(today))
                    .and(t.SITE_ID.eq(lim.SITE_ID))
                    .where(t.BANDWIDTH_MB_X1000.gt(wide(lim.MAX_BANDWIDTH_MB).mul(FixedPoint.BANDWIDTH_SCALE)))
                    .forEach(r -> over(
                            out, r.value1(), UsageDimension.BANDWIDTH, FixedPoint.bandwidth(r.value3()), r.value2()));
            out.sort(Comparator.comparing(OverLimit::siteId).thenComparing(OverLimit::dimension));
            return out;
        });
    }

    /** A site's limits (the row's {@code lim} columns) and its maxima in one table, fixed point. */
    private record Maxima(Record limits, Long memory, Long cpu, Long disk, Long requests) {
        static Maxima of(Record r) {
            return new Maxima(
                    r,
                    r.get(MAX_MEMORY, Long.class),
                    r.get(MAX_CPU, Long.class),
                    r.get(MAX_DISK, Long.class),
                    r.get(MAX_REQUESTS, Long.class));
        }

        Maxima max(Maxima o) {
            return new Maxima(
                    limits,
                    larger(memory, o.memory),
                    larger(cpu, o.cpu),
                    larger(disk, o.disk),
                    larger(requests, o.requests));
        }

        private static Long larger(Long a, Long b) {
            return a == null ? b : b == null ? a : Math.max(a, b);
        }
    }

    /**
     * The limit columns, all grouped by: one row per site either way, and PostgreSQL (unlike SQLite)
     * refuses a selected column that is neither grouped nor aggregated unless it depends on a
     * grouped primary key.
     */
    private List<org.jooq.GroupField> limitColumns() {
        return List.of(
                lim.SITE_ID, lim.MAX_MEMORY_MB, lim.MAX_CPU_PERCENT, lim.MAX_DISK_MB, lim.MAX_REQUESTS_PER_MINUTE);
    }

    private List<SelectField<?>> limitsAndMaxima(SampleColumns c) {
        return List.of(
                lim.SITE_ID,
                lim.MAX_MEMORY_MB,
                lim.MAX_CPU_PERCENT,
                lim.MAX_DISK_MB,
                lim.MAX_REQUESTS_PER_MINUTE,
                DSL.max(c.memory()).as(MAX_MEMORY),
                DSL.max(c.cpu()).as(MAX_CPU),
                DSL.max(c.disk()).as(MAX_DISK),
                DSL.max(c.activeRequests()).as(MAX_REQUESTS));
    }

    /** Some maximum of the group above its limit (limits scaled to fixed point; requests as a per-minute rate). */
    private Condition over(SampleColumns c, long interval) {
        return DSL.max(c.memory())
                .gt(scaled(lim.MAX_MEMORY_MB))
                .or(DSL.max(c.cpu()).gt(scaled(lim.MAX_CPU_PERCENT)))
                .or(DSL.max(c.disk()).gt(scaled(lim.MAX_DISK_MB)))
                .or(DSL.max(c.activeRequests())
                        .mul(60L)
                        .gt(wide(lim.MAX_REQUESTS_PER_MINUTE).mul(interval)));
    }

    private static Field<Long> scaled(Field<Integer> limit) {
        return wide(limit).mul(FixedPoint.LEVEL_SCALE);
    }

    /**
     * A limit as a 64-bit value before it is scaled: PostgreSQL multiplies two {@code integer}s in 32
     * bits and fails past 2^31 ("integer out of range"); SQLite's integers are 64-bit anyway.
     */
    private static Field<Long> wide(Field<Integer> limit) {
        return limit.cast(SQLDataType.BIGINT);
    }

    private static void over(List<OverLimit> out, long site, UsageDimension dim, Double observed, Integer limit) {
        if (observed != null && limit != null && observed > limit) {
            out.add(new OverLimit(site, dim, observed, limit));
        }
    }
}
