package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;
import static dev.dialup.deploy.db.generated.Tables.USAGE_DAY_TOTALS;
import static dev.dialup.deploy.db.generated.Tables.USAGE_INGEST_STATE;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.UsagePartitions;
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
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectField;
import org.jooq.Table;
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

    private static final String SITE = "site_id";

    private final DialupDatabase db;
    /**
     * Every history row lies below {@code usage_ingest_state.moved_before} (the V60 layout, docs/schema.md); not
     * on an engine whose history is the partitioned table ingest writes to (PostgreSQL).
     */
    private final boolean historyBelowMark;
    /** The engine's time partitions of the history (PostgreSQL), or null. */
    private final UsagePartitions partitions;

    UsageEnforcement(DialupDatabase db) {
        this.db = db;
        this.partitions =
                Engines.forDialect(db.readDsl().dialect()).usagePartitions().orElse(null);
        this.historyBelowMark = partitions == null;
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
            // No stored sample lies later: the bound changes no result, and lets PostgreSQL skip the partitions
            // created ahead for later days.
            long latest = UsageSettings.latestStorableSecond(dsl, now);
            // Each table reports the sites it holds over a limit, with its maxima; a site over in
            // either table is over, and its observed value is the larger of the two.
            Map<Long, Maxima> bySite = new TreeMap<>();
            if (historyMayHoldRowsSince(dsl, since)) {
                if (historyBelowMark) {
                    // Site-clustered history (SQLite): one seek per site with limits into its (site_id, ts) range.
                    dsl.select(limitsAndMaxima(u))
                            .from(Engines.forDialect(dsl.dialect()).seekPerRow(lim, u.table()))
                            .where(u.siteId().eq(lim.SITE_ID))
                            .and(u.ts().between(since, latest))
                            .groupBy(limitColumns())
                            .having(over(
                                    DSL.max(u.memory()),
                                    DSL.max(u.cpu()),
                                    DSL.max(u.disk()),
                                    DSL.max(u.activeRequests()),
                                    interval))
                            .forEach(r -> bySite.merge(r.get(lim.SITE_ID), Maxima.of(r), Maxima::max));
                } else {
                    // Time-partitioned history (PostgreSQL): the window is a range of one or two partitions,
                    // read through their BRIN ranges (not a skip scan of the covering key).
                    dsl.connection(c -> partitions.withWindowScan(c, same -> {
                        maximaPerSiteFirst(dsl, u, since, latest, interval, bySite);
                        return null;
                    }));
                }
            }
            maximaPerSiteFirst(dsl, rc, since, latest, interval, bySite);
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

    /**
     * The sites of {@code c}'s table over a limit in {@code [since, latest]}: maxima per site over the window's
     * time range first, then one limits lookup per site (not one per sample), merged into {@code bySite}.
     */
    private void maximaPerSiteFirst(
            DSLContext dsl, SampleColumns c, long since, long latest, long interval, Map<Long, Maxima> bySite) {
        Table<?> perSite = dsl.select(
                        c.siteId().as(SITE),
                        DSL.max(c.memory()).as(MAX_MEMORY),
                        DSL.max(c.cpu()).as(MAX_CPU),
                        DSL.max(c.disk()).as(MAX_DISK),
                        DSL.max(c.activeRequests()).as(MAX_REQUESTS))
                .from(c.table())
                .where(c.ts().between(since, latest))
                .groupBy(c.siteId())
                .asTable("m");
        Field<Long> memory = perSite.field(MAX_MEMORY, Long.class);
        Field<Long> cpu = perSite.field(MAX_CPU, Long.class);
        Field<Long> disk = perSite.field(MAX_DISK, Long.class);
        Field<Long> requests = perSite.field(MAX_REQUESTS, Long.class);
        dsl.select(
                        lim.SITE_ID,
                        lim.MAX_MEMORY_MB,
                        lim.MAX_CPU_PERCENT,
                        lim.MAX_DISK_MB,
                        lim.MAX_REQUESTS_PER_MINUTE,
                        memory,
                        cpu,
                        disk,
                        requests)
                .from(Engines.forDialect(dsl.dialect()).seekPerRow(perSite, lim))
                .where(lim.SITE_ID.eq(perSite.field(SITE, Long.class)))
                .and(over(memory, cpu, disk, requests, interval))
                .forEach(r -> bySite.merge(r.get(lim.SITE_ID), Maxima.of(r), Maxima::max));
    }

    /**
     * Whether the history may hold a sample at or after {@code since}: not when every history row lies below the
     * move mark and {@code since} is at or above it (a short window then reads {@code usage_recent} alone, instead
     * of a seek per site into the history that finds nothing).
     */
    private boolean historyMayHoldRowsSince(DSLContext dsl, long since) {
        if (!historyBelowMark) return true;
        Long mark = dsl.select(USAGE_INGEST_STATE.MOVED_BEFORE)
                .from(USAGE_INGEST_STATE)
                .where(USAGE_INGEST_STATE.ID.eq(1L))
                .fetchOne(USAGE_INGEST_STATE.MOVED_BEFORE);
        return mark == null || since < mark;
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

    /** Some maximum above its limit (limits scaled to fixed point; requests as a per-minute rate). */
    private Condition over(Field<Long> memory, Field<Long> cpu, Field<Long> disk, Field<Long> requests, long interval) {
        return memory.gt(scaled(lim.MAX_MEMORY_MB))
                .or(cpu.gt(scaled(lim.MAX_CPU_PERCENT)))
                .or(disk.gt(scaled(lim.MAX_DISK_MB)))
                .or(requests.mul(60L).gt(wide(lim.MAX_REQUESTS_PER_MINUTE).mul(interval)));
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
