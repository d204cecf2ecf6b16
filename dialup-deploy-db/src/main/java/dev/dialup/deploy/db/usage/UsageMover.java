package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.USAGE_INGEST_STATE;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;

import dev.dialup.deploy.db.DialupDatabase;
import dev.dialup.deploy.db.generated.tables.UsageIngestState;
import dev.dialup.deploy.db.tenancy.AccessScope;
import dev.dialup.deploy.db.tenancy.TenantFilter;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Moves samples from the time-keyed {@code usage_recent} into the site-clustered history
 * {@code usage_samples} (V60; docs/schema.md). A cycle covers every recent row below
 * {@code usage_ingest_state.moved_before}; each step is one short write transaction that copies
 * the rows of the sites in {@code [a, a + sitesPerMove)} — {@code a} the lowest site id with such
 * rows — in key order and deletes them from {@code usage_recent}. Ingest runs one step after a
 * batch once {@code usage_recent} is big enough; {@link #moveAll} runs a whole cycle.
 */
final class UsageMover {
    private final SampleColumns recent = SampleColumns.of(USAGE_RECENT);
    private final SampleColumns history = SampleColumns.of(USAGE_SAMPLES);
    private final UsageIngestState st = USAGE_INGEST_STATE;

    private final DialupDatabase db;
    private final int sitesPerMove;

    UsageMover(DialupDatabase db, int sitesPerMove) {
        this.db = db;
        this.sitesPerMove = sitesPerMove;
    }

    /** Every row of {@code usage_recent} into the history; returns how many samples were moved. */
    long moveAll(AccessScope scope) {
        TenantFilter.requireSystem(db, scope, "moving recent usage samples");
        long moved = 0;
        // Start a cycle that covers everything stored now, then step until it is done.
        db.writeVoid(tx -> {
            Long max = tx.select(DSL.max(recent.ts())).from(recent.table()).fetchOne(0, Long.class);
            if (max != null) {
                tx.update(st).set(st.MOVED_BEFORE, DSL.greatest(st.MOVED_BEFORE, DSL.val(max + 1))).where(st.ID.eq(1L)).execute();
            }
        });
        while (true) {
            long n = step(false);
            if (n < 0) return moved;
            moved += n;
        }
    }

    /** One move step (ingest's); starts a new cycle when the last one is done. */
    long step() {
        return step(true);
    }

    /**
     * One short write transaction moving the rows below {@code moved_before} of a few sites.
     * When no row is below {@code moved_before}, {@code newCycle} raises it past the newest
     * recent row first. Returns the rows moved, or -1 when there was nothing to move.
     */
    private long step(boolean newCycle) {
        return db.write(tx -> {
            long movedBefore = tx.select(st.MOVED_BEFORE).from(st).where(st.ID.eq(1L)).fetchOne(st.MOVED_BEFORE);
            Long first = firstSite(tx, movedBefore);
            if (first == null) {
                Long max = newCycle ? tx.select(DSL.max(recent.ts())).from(recent.table()).fetchOne(0, Long.class) : null;
                if (max == null) {
                    // Nothing below the mark: re-count (the counter may have drifted, e.g. a deleted site's rows).
                    tx.update(st).set(st.RECENT_ROWS, DSL.field(DSL.selectCount().from(recent.table())).coerce(Long.class))
                            .where(st.ID.eq(1L)).execute();
                    return -1L;
                }
                movedBefore = Math.max(movedBefore, max + 1);
                tx.update(st).set(st.MOVED_BEFORE, movedBefore).where(st.ID.eq(1L)).execute();
                first = firstSite(tx, movedBefore);
            }
            long a = first;
            long b = a > Long.MAX_VALUE - sitesPerMove ? Long.MAX_VALUE : a + sitesPerMove;
            Condition chunk = recent.ts().lt(movedBefore).and(recent.siteId().ge(a)).and(recent.siteId().lt(b));
            int moved = tx.insertInto(history.table()).columns(history.all())
                    .select(tx.select(recent.all()).from(recent.table()).where(chunk).orderBy(recent.siteId(), recent.ts()))
                    .execute();
            int deleted = tx.deleteFrom(recent.table()).where(chunk).execute();
            if (deleted != moved) {
                throw new IllegalStateException("moved " + moved + " usage rows but deleted " + deleted + " (rolled back)");
            }
            subtractRecentRows(tx, moved);
            return (long) moved;
        });
    }

    private Long firstSite(DSLContext tx, long movedBefore) {
        return tx.select(DSL.min(recent.siteId())).from(recent.table()).where(recent.ts().lt(movedBefore)).fetchOne(0, Long.class);
    }

    /** Keeps {@code usage_ingest_state.recent_rows} after rows left {@code usage_recent} (never below 0). */
    static void subtractRecentRows(DSLContext tx, long removed) {
        UsageIngestState s = USAGE_INGEST_STATE;
        tx.update(s).set(s.RECENT_ROWS, DSL.greatest(DSL.val(0L), s.RECENT_ROWS.minus(removed))).where(s.ID.eq(1L)).execute();
    }
}
