package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.USAGE_DAY_TOTALS;
import static dev.dialup.deploy.db.generated.Tables.USAGE_INGEST_STATE;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;

import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.UsagePartitions;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.generated.tables.SiteUsageDaily;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.UsageDayTotals;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Retention ({@link UsageRepository#prune}): raw samples past {@code usage.raw_retention_days}
 * and daily rows past {@code usage.daily_retention_days}, deleted in small write transactions
 * so concurrent ingest waits for one short transaction at most. System scope only.
 */
final class UsageRetention {
    private final SampleColumns u = SampleColumns.of(USAGE_SAMPLES.as("u"));
    private final SampleColumns recent = SampleColumns.of(USAGE_RECENT);
    private final SampleColumns history = SampleColumns.of(USAGE_SAMPLES);
    private final UsageDayTotals t = USAGE_DAY_TOTALS;
    private final SiteUsageDaily d = SITE_USAGE_DAILY;
    private final Sites s = SITES.as("s");

    private final DialupDatabase db;
    /** Time partitions of the history (PostgreSQL), or null. */
    private final UsagePartitions partitions;

    UsageRetention(DialupDatabase db) {
        this.db = db;
        this.partitions =
                Engines.forDialect(db.readDsl().dialect()).usagePartitions().orElse(null);
    }

    /** Counts the transactions of one prune and the longest time one of them held the writer. */
    private final class Steps {
        private final AccessScope scope;
        int transactions;
        long longestMillis;

        Steps(AccessScope scope) {
            this.scope = scope;
        }

        <T> T write(Function<DSLContext, T> work) {
            return write(work, result -> true);
        }

        /** A write transaction that is counted only when {@code counts} accepts its result. */
        <T> T write(Function<DSLContext, T> work, Predicate<T> counts) {
            long t0 = System.nanoTime();
            T result = db.write(scope, work);
            if (counts.test(result)) {
                longestMillis = Math.max(longestMillis, (System.nanoTime() - t0) / 1_000_000);
                transactions++;
            }
            return result;
        }
    }

    /**
     * PostgreSQL: the partitions of today (UTC, by the database's clock) and the next {@code daysAhead}
     * days, created where missing, in one transaction. Nothing on an engine without partitions.
     */
    int createPartitionsAhead(AccessScope scope, int daysAhead) {
        TenantFilter.requireSystem(db, scope, "usage partition maintenance");
        if (partitions == null) return 0;
        long today =
                Math.floorDiv(db.clock().instant().getEpochSecond(), UsagePartitions.WIDTH) * UsagePartitions.WIDTH;
        return db.write(
                scope,
                tx -> tx.connectionResult(c -> {
                    int created = 0;
                    for (int d = 0; d <= daysAhead; d++) {
                        if (partitions.ensureDay(c, today + d * UsagePartitions.WIDTH)) created++;
                    }
                    return created;
                }));
    }

    PruneResult prune(AccessScope scope) {
        TenantFilter.requireSystem(db, scope, "usage retention");
        Instant cutoff = UsageSettings.rawCutoff(db);
        long cut = cutoff.getEpochSecond();
        long dailyDays = db.read(scope, dsl -> UsageSettings.dailyRetentionDays(db, dsl));
        LocalDate dailyCutoff =
                LocalDate.ofInstant(db.clock().instant(), ZoneOffset.UTC).minusDays(dailyDays);
        Steps steps = new Steps(scope);
        long deleted =
                (partitions == null ? pruneHistory(steps, cut) : dropPartitions(steps, cut)) + pruneRecent(steps, cut);
        long cutDay = Math.floorDiv(cut, UsageInputs.DAY) * UsageInputs.DAY;
        steps.write(tx -> tx.deleteFrom(t).where(t.DAY.lt(cutDay)).execute());
        long dailyDeleted = 0;
        List<LocalDate> oldDates = db.read(
                scope,
                dsl -> dsl.selectDistinct(d.DATE)
                        .from(d)
                        .where(d.DATE.lt(dailyCutoff))
                        .orderBy(d.DATE)
                        .fetch(d.DATE));
        for (LocalDate date : oldDates) {
            dailyDeleted +=
                    steps.write(tx -> tx.deleteFrom(d).where(d.DATE.eq(date)).execute());
        }
        return new PruneResult(cutoff, deleted, dailyCutoff, dailyDeleted, steps.transactions, steps.longestMillis);
    }

    /** History samples before {@code cut}: at most one site and UTC day per transaction. */
    private long pruneHistory(Steps steps, long cut) {
        // Oldest history sample per site: one seek per site on the (site_id, ts) key.
        List<long[]> oldest = db.read(
                steps.scope,
                dsl -> dsl.select(
                                s.ID,
                                DSL.field(DSL.select(DSL.min(u.ts()))
                                        .from(u.table())
                                        .where(u.siteId().eq(s.ID))))
                        .from(s)
                        .fetch(r -> new long[] {r.value1(), r.value2() == null ? Long.MAX_VALUE : r.value2()}));
        long deleted = 0;
        for (long[] site : oldest) {
            long siteId = site[0];
            for (long start = site[1]; start < cut; ) {
                long sliceStart = start;
                long sliceEnd =
                        Math.min(cut, Math.floorDiv(start, UsageInputs.DAY) * UsageInputs.DAY + UsageInputs.DAY);
                deleted += steps.write(tx -> tx.deleteFrom(history.table())
                        .where(history.siteId().eq(siteId))
                        .and(history.ts().ge(sliceStart))
                        .and(history.ts().lt(sliceEnd))
                        .execute());
                start = sliceEnd;
            }
        }
        return deleted;
    }

    /**
     * PostgreSQL: removes every partition lying wholly before {@code cut}, the oldest first — never a row delete.
     * Each is detached in one transaction (a short exclusive lock on {@code usage_samples}, no file work) and its
     * table dropped in the next (locking only that table while the commit removes its files), so ingest is not
     * held up by the drop. A detached table an interrupted prune left behind is dropped first. The partition
     * holding {@code cut} is kept whole, so samples up to a day older than the cutoff remain until the next prune
     * after their day has passed (docs/usage.md).
     */
    private long dropPartitions(Steps steps, long cut) {
        steps.write(tx -> tx.connectionResult(partitions::dropDetached), n -> n > 0); // rows counted before
        long deleted = 0;
        while (true) {
            java.util.Optional<UsagePartitions.Dropped> detached = steps.write(
                    tx -> tx.connectionResult(c -> partitions.detachOldestBefore(c, cut)), d -> d.isPresent());
            if (detached.isEmpty()) return deleted;
            steps.write(tx -> tx.connectionResult(partitions::dropDetached), n -> n > 0);
            deleted += detached.get().rows();
        }
    }

    /** Recent rows before {@code cut} (late samples not moved yet): oldest first, bounded steps. */
    private long pruneRecent(Steps steps, long cut) {
        long deleted = 0;
        while (true) {
            int n = steps.write(
                    tx -> {
                        Long bound = tx.select(recent.ts())
                                .from(recent.table())
                                .where(recent.ts().lt(cut))
                                .orderBy(recent.ts())
                                .limit(1)
                                .offset(UsageRepository.PRUNE_RECENT_ROWS_PER_STEP)
                                .fetchOne(recent.ts());
                        long upTo = bound == null ? cut : bound;
                        if (!tx.fetchExists(recent.table(), recent.ts().lt(upTo))) return 0;
                        return tx.deleteFrom(recent.table())
                                .where(recent.ts().lt(upTo))
                                .execute();
                    },
                    removed -> removed > 0); // the last, empty look is not a deleting transaction
            if (n == 0) return deleted;
            // The counter every ingest call updates, in a transaction of its own right after the delete: on
            // PostgreSQL a long delete that also updated this one hot row lost every SERIALIZABLE retry to a
            // concurrent ingest (WRITE_CONFLICTS). Until it commits the counter is too high, which only makes
            // the next move come a little early.
            steps.write(
                    tx -> tx.update(USAGE_INGEST_STATE)
                            .set(
                                    USAGE_INGEST_STATE.RECENT_ROWS,
                                    DSL.greatest(DSL.val(0L), USAGE_INGEST_STATE.RECENT_ROWS.minus(n)))
                            .where(USAGE_INGEST_STATE.ID.eq(1L))
                            .execute(),
                    updated -> false); // not a deleting transaction
            deleted += n;
        }
    }
}
