package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.generated.tables.SiteUsageDaily;
import dev.dialup.deploy.db.generated.tables.Sites;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.Field;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daily rollup ({@link UsageRepository#rollupDay}): one UTC day of samples, from both sample
 * tables, aggregated by the database on a read-only connection, then one row per site upserted
 * into {@code site_usage_daily} in one short write transaction. System scope only.
 */
final class UsageRollup {
    private static final Logger log = LoggerFactory.getLogger(UsageRollup.class);

    private final SampleColumns u = SampleColumns.of(USAGE_SAMPLES.as("u"));
    private final SampleColumns rc = SampleColumns.of(USAGE_RECENT.as("rc"));
    private final Sites s = SITES.as("s");
    private final SiteUsageDaily d = SITE_USAGE_DAILY;

    private final DialupDatabase db;

    UsageRollup(DialupDatabase db) {
        this.db = db;
    }

    RollupResult rollupDay(AccessScope scope, LocalDate day) {
        TenantFilter.requireSystem(db, scope, "the daily usage rollup");
        UsageInputs.requireDate("day", day);
        long from = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        long to = from + UsageInputs.DAY;
        if (to > db.clock().instant().getEpochSecond() + UsageInputs.DAY) {
            throw new ValidationException("day", day + " is in the future");
        }
        if (to <= UsageSettings.rawCutoff(db).getEpochSecond()) {
            throw new ValidationException("day", day + " is past raw-sample retention; its daily row is kept as it is");
        }
        Map<Long, SampleAggregate> bySite = db.read(scope, dsl -> {
            Map<Long, SampleAggregate> out = new TreeMap<>();
            // History: one range seek per site on (site_id, ts), aggregated inside the database.
            dsl.select(SampleAggregate.fields(u, s.ID))
                    .from(Engines.forDialect(dsl.dialect()).seekPerRow(s, u.table()))
                    .where(u.siteId().eq(s.ID))
                    .and(u.ts().ge(from))
                    .and(u.ts().lt(to))
                    .groupBy(s.ID)
                    .forEach(r -> out.computeIfAbsent(SampleAggregate.key(r), k -> new SampleAggregate())
                            .add(r));
            // Recent rows of the day: a time range of usage_recent.
            dsl.select(SampleAggregate.fields(rc, rc.siteId()))
                    .from(rc.table())
                    .where(rc.ts().ge(from))
                    .and(rc.ts().lt(to))
                    .groupBy(rc.siteId())
                    .forEach(r -> out.computeIfAbsent(SampleAggregate.key(r), k -> new SampleAggregate())
                            .add(r));
            return out;
        });
        long interval = db.read(scope, dsl -> UsageSettings.sampleIntervalSeconds(db, dsl));
        return db.write(scope, tx -> {
            long total = 0;
            int written = 0;
            List<RollupResult.SiteFailure> failures = new ArrayList<>();
            for (Map.Entry<Long, SampleAggregate> e : bySite.entrySet()) {
                long site = e.getKey();
                SampleAggregate a = e.getValue();
                Map<Field<?>, Object> values = dailyValues(a, interval);
                try {
                    // Upsert keeps the row (and its id) when a day is rolled up again. Each site's
                    // statement runs in its own savepoint (a nested write), so a refused row is
                    // undone alone on every engine and the other sites' rows stay.
                    db.writeVoid(
                            scope,
                            sp -> sp.insertInto(d)
                                    .set(d.SITE_ID, site)
                                    .set(d.DATE, day)
                                    .set(values)
                                    .onConflict(d.SITE_ID, d.DATE)
                                    .doUpdate()
                                    .set(values)
                                    .execute());
                    written++;
                    total += a.samples;
                } catch (DataAccessException ex) {
                    // A serialization failure or deadlock belongs to the whole transaction, not to
                    // this site: it goes up, and db.write runs the rollup again (locals start over).
                    if (Engines.forDialect(tx.dialect()).isRetryable(ex)) throw ex;
                    String reason = rootMessage(ex);
                    log.warn("Daily usage rollup of {} for site {} failed, other sites go on: {}", day, site, reason);
                    failures.add(new RollupResult.SiteFailure(site, reason));
                }
            }
            // A site whose samples for the day are gone (deleted site rows cascade; this covers a
            // re-run after samples were removed) must not keep a stale row.
            tx.deleteFrom(d)
                    .where(d.DATE.eq(day))
                    .and(d.SITE_ID.notIn(bySite.keySet()))
                    .execute();
            return new RollupResult(day, written, total, failures);
        });
    }

    private Map<Field<?>, Object> dailyValues(SampleAggregate a, long interval) {
        Map<Field<?>, Object> v = new LinkedHashMap<>();
        v.put(d.AVG_MEMORY_MB, a.memory.avg());
        v.put(d.MAX_MEMORY_MB, a.memory.max());
        v.put(d.AVG_CPU_PERCENT, a.cpu.avg());
        v.put(d.MAX_CPU_PERCENT, a.cpu.max());
        v.put(d.TOTAL_BANDWIDTH_MB, a.bandwidth.count == 0 ? 0.0 : a.bandwidth.total());
        v.put(d.TOTAL_REQUESTS, a.requests.exactSum); // 64-bit: a day of int samples can exceed 2^31
        v.put(d.AVG_RESPONSE_TIME_MS, a.responseTime.avg());
        v.put(d.UPTIME_SECONDS, (int) Math.min(UsageInputs.DAY, a.samples * interval));
        return v;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
