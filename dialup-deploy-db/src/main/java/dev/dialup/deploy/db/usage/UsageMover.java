package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.USAGE_INGEST_STATE;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;

import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.UsagePartitions;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.generated.tables.UsageIngestState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Param;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Moves samples from the time-keyed {@code usage_recent} into the site-clustered history
 * {@code usage_samples} (V60; docs/schema.md). A cycle covers every recent row below
 * {@code usage_ingest_state.moved_before}; each step copies the rows of the sites in
 * {@code [a, a + sitesPerMove)} — {@code a} the lowest site id with such rows — in key order and
 * deletes them from {@code usage_recent}. Ingest runs one step inside its write transaction (in a
 * savepoint) once {@code usage_recent} is big enough; {@link #moveAll} runs a whole cycle, a
 * transaction per step. The statements are rendered once and prepared once per writer
 * connection ({@link WriterStatements}).
 */
final class UsageMover {
    private enum Sql {
        MOVED_BEFORE,
        FIRST_SITE,
        NEWEST,
        SET_MOVED_BEFORE,
        RECOUNT,
        COPY,
        /** UTC day starts of a chunk's rows (partitions to create first, PostgreSQL). */
        DAYS,
        DELETE,
        SUBTRACT
    }

    private final WriterStatements<Sql> statements;
    private final DialupDatabase db;
    private final int sitesPerMove;
    /**
     * Where the next step of the cycle ending at {@link #hintBefore} starts (a site id): the end of the
     * last step's range. Only a hint that spares the {@code min(site_id)} scan over every recent row
     * below the mark (which grows with {@code usage_recent}); a step that finds no rows there falls
     * back to the scan, so a stale hint (another repository on the same database, a rolled-back step,
     * a late sample below the mark) costs one scan, never a row.
     */
    private long hintSite;

    private long hintBefore = Long.MIN_VALUE;
    /** Time partitions of the history (PostgreSQL), or null. */
    private final UsagePartitions partitions;

    UsageMover(DialupDatabase db, int sitesPerMove) {
        this.db = db;
        this.sitesPerMove = sitesPerMove;
        DSLContext render = DSL.using(db.readDsl().dialect());
        this.partitions = Engines.forDialect(render.dialect()).usagePartitions().orElse(null);
        SampleColumns recent = SampleColumns.of(USAGE_RECENT);
        SampleColumns history = SampleColumns.of(USAGE_SAMPLES);
        UsageIngestState st = USAGE_INGEST_STATE;
        Param<Long> before = DSL.param("before", SQLDataType.BIGINT);
        Condition chunk = recent.ts()
                .lt(before)
                .and(recent.siteId().ge(DSL.param("a", SQLDataType.BIGINT)))
                .and(recent.siteId().lt(DSL.param("b", SQLDataType.BIGINT)));
        Condition row = st.ID.eq(DSL.inline(1L));
        Map<Sql, String> sql = new EnumMap<>(Sql.class);
        sql.put(
                Sql.MOVED_BEFORE,
                render.select(st.MOVED_BEFORE).from(st).where(row).getSQL(ParamType.INDEXED));
        sql.put(
                Sql.FIRST_SITE,
                render.select(DSL.min(recent.siteId()))
                        .from(recent.table())
                        .where(recent.ts().lt(before))
                        .getSQL(ParamType.INDEXED));
        sql.put(
                Sql.NEWEST,
                render.select(DSL.max(recent.ts())).from(recent.table()).getSQL(ParamType.INDEXED));
        sql.put(
                Sql.SET_MOVED_BEFORE,
                render.update(st).set(st.MOVED_BEFORE, before).where(row).getSQL(ParamType.INDEXED));
        // Nothing below the mark: re-count (the counter may have drifted, e.g. a deleted site's rows).
        sql.put(
                Sql.RECOUNT,
                render.update(st)
                        .set(
                                st.RECENT_ROWS,
                                DSL.field(DSL.selectCount().from(recent.table()))
                                        .coerce(Long.class))
                        .where(row)
                        .getSQL(ParamType.INDEXED));
        sql.put(
                Sql.COPY,
                render.insertInto(history.table())
                        .columns(history.all())
                        .select(render.select(recent.all())
                                .from(recent.table())
                                .where(chunk)
                                .orderBy(recent.siteId(), recent.ts()))
                        .getSQL(ParamType.INDEXED));
        sql.put(
                Sql.DAYS,
                render.selectDistinct(recent.ts().minus(recent.ts().mod(DSL.inline(UsagePartitions.WIDTH))))
                        .from(recent.table())
                        .where(chunk)
                        .getSQL(ParamType.INDEXED));
        sql.put(Sql.DELETE, render.deleteFrom(recent.table()).where(chunk).getSQL(ParamType.INDEXED));
        sql.put(
                Sql.SUBTRACT,
                render.update(st)
                        .set(
                                st.RECENT_ROWS,
                                DSL.greatest(DSL.inline(0L), st.RECENT_ROWS.minus(DSL.param("n", SQLDataType.BIGINT))))
                        .where(row)
                        .getSQL(ParamType.INDEXED));
        this.statements = new WriterStatements<>(Sql.class, sql);
    }

    /** Every row of {@code usage_recent} into the history; returns how many samples were moved. */
    long moveAll(AccessScope scope) {
        TenantFilter.requireSystem(db, scope, "moving recent usage samples");
        long moved = 0;
        // Start a cycle that covers everything stored now, then step until it is done.
        db.writeVoid(
                scope,
                tx -> tx.connection(c -> {
                    Map<Sql, PreparedStatement> ps = statements.on(c);
                    Long newest = queryLong(ps.get(Sql.NEWEST));
                    if (newest != null && newest + 1 > queryLong(ps.get(Sql.MOVED_BEFORE)))
                        setMovedBefore(ps, newest + 1);
                }));
        while (true) {
            long n = db.write(scope, tx -> tx.connectionResult(c -> step(c, false)));
            if (n < 0) return moved;
            moved += n;
        }
    }

    /**
     * One move step on the writer connection {@code c}, inside the caller's transaction; starts a
     * new cycle when the last one is done. Returns the rows moved, or -1 when there was nothing
     * to move.
     */
    long step(Connection c) throws SQLException {
        return step(c, true);
    }

    /**
     * When no row is below {@code moved_before}, {@code newCycle} raises it past the newest
     * recent row first.
     */
    private long step(Connection c, boolean newCycle) throws SQLException {
        Map<Sql, PreparedStatement> ps = statements.on(c);
        long movedBefore = queryLong(ps.get(Sql.MOVED_BEFORE));
        Long hint = hint(movedBefore);
        if (hint != null) {
            long moved = moveSites(c, ps, movedBefore, hint);
            if (moved > 0) return moved;
        }
        Long first = firstSite(ps, movedBefore);
        if (first == null) {
            Long newest = newCycle ? queryLong(ps.get(Sql.NEWEST)) : null;
            if (newest == null) {
                ps.get(Sql.RECOUNT).executeUpdate();
                return -1L;
            }
            movedBefore = Math.max(movedBefore, newest + 1);
            setMovedBefore(ps, movedBefore);
            first = firstSite(ps, movedBefore);
        }
        return moveSites(c, ps, movedBefore, first);
    }

    /** Moves the rows below {@code movedBefore} of the sites in {@code [a, a + sitesPerMove)}; returns how many. */
    private long moveSites(Connection c, Map<Sql, PreparedStatement> ps, long movedBefore, long a) throws SQLException {
        long b = a > Long.MAX_VALUE - sitesPerMove ? Long.MAX_VALUE : a + sitesPerMove;
        if (partitions != null) {
            try (ResultSet rs = chunk(ps.get(Sql.DAYS), movedBefore, a, b).executeQuery()) {
                while (rs.next()) partitions.ensureDay(c, rs.getLong(1));
            }
        }
        int moved = chunk(ps.get(Sql.COPY), movedBefore, a, b).executeUpdate();
        int deleted = chunk(ps.get(Sql.DELETE), movedBefore, a, b).executeUpdate();
        if (deleted != moved) {
            throw new IllegalStateException("moved " + moved + " usage rows but deleted " + deleted + " (rolled back)");
        }
        if (moved > 0) subtractRecentRows(ps.get(Sql.SUBTRACT), moved);
        setHint(movedBefore, b);
        return moved;
    }

    private synchronized Long hint(long movedBefore) {
        return hintBefore == movedBefore && hintSite != Long.MAX_VALUE ? hintSite : null;
    }

    private synchronized void setHint(long movedBefore, long site) {
        hintBefore = movedBefore;
        hintSite = site;
    }

    /** Keeps {@code usage_ingest_state.recent_rows} after rows left {@code usage_recent} (never below 0). */
    private static void subtractRecentRows(PreparedStatement subtract, long removed) throws SQLException {
        subtract.setLong(1, removed);
        subtract.executeUpdate();
    }

    private static PreparedStatement chunk(PreparedStatement ps, long movedBefore, long a, long b) throws SQLException {
        ps.setLong(1, movedBefore);
        ps.setLong(2, a);
        ps.setLong(3, b);
        return ps;
    }

    private static Long firstSite(Map<Sql, PreparedStatement> ps, long movedBefore) throws SQLException {
        PreparedStatement first = ps.get(Sql.FIRST_SITE);
        first.setLong(1, movedBefore);
        return queryLong(first);
    }

    private static void setMovedBefore(Map<Sql, PreparedStatement> ps, long movedBefore) throws SQLException {
        PreparedStatement set = ps.get(Sql.SET_MOVED_BEFORE);
        set.setLong(1, movedBefore);
        set.executeUpdate();
    }

    /** The single value of a one-row query, or null. */
    private static Long queryLong(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return null;
            long v = rs.getLong(1);
            return rs.wasNull() ? null : v;
        }
    }
}
