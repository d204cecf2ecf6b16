package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;
import static dev.dialup.deploy.db.generated.Tables.USAGE_INGEST_STATE;
import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.generated.tables.UsageIngestState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jooq.DSLContext;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest ({@link UsageRepository#record}, {@link UsageRepository#recordBatch}): validation, then
 * one write transaction that appends to {@code usage_recent}, then possibly one move step
 * ({@link UsageMover}). The hot path is plain JDBC over statements rendered once by jOOQ in the
 * database's dialect and prepared once per physical writer connection.
 */
final class UsageIngest {
    private static final Logger log = LoggerFactory.getLogger(UsageIngest.class);

    private final UsageIngestState st = USAGE_INGEST_STATE;
    private final SampleColumns recent = SampleColumns.of(USAGE_RECENT);
    private final SampleColumns history = SampleColumns.of(USAGE_SAMPLES);

    private enum Sql {
        STATE,
        INSERT,
        ADD_RECENT_ROWS,
        HISTORY_LOOKUP,
        RECENT_LOOKUP
    }

    private final DialupDatabase db;
    private final UsageMover mover;
    private final int recentRowsBeforeMove;
    private final WriterStatements<Sql> statements;

    UsageIngest(DialupDatabase db, UsageMover mover, int recentRowsBeforeMove) {
        this.db = db;
        this.mover = mover;
        this.recentRowsBeforeMove = recentRowsBeforeMove;
        // Rendered once with jOOQ in the database's dialect, executed with plain JDBC: the ingest hot path.
        DSLContext render = DSL.using(db.readDsl().dialect());
        Map<Sql, String> sql = new EnumMap<>(Sql.class);
        sql.put(
                Sql.INSERT,
                render.insertInto(recent.table())
                        .columns(recent.all())
                        .values(recent.all().stream()
                                .map(f -> DSL.param(f.getName(), SQLDataType.BIGINT))
                                .toList())
                        .onConflictDoNothing()
                        .getSQL(ParamType.INDEXED));
        sql.put(
                Sql.STATE,
                render.select(
                                st.MOVED_BEFORE,
                                DSL.field(DSL.select(SYSTEM_CONFIG.VALUE)
                                        .from(SYSTEM_CONFIG)
                                        .where(SYSTEM_CONFIG.KEY.eq(
                                                DSL.inline(ConfigKeys.USAGE_MAX_CLOCK_SKEW_SECONDS)))))
                        .from(st)
                        .where(st.ID.eq(DSL.inline(1L)))
                        .getSQL(ParamType.INDEXED));
        sql.put(
                Sql.ADD_RECENT_ROWS,
                render.update(st)
                        .set(st.RECENT_ROWS, st.RECENT_ROWS.plus(DSL.param("n", SQLDataType.BIGINT)))
                        .where(st.ID.eq(DSL.inline(1L)))
                        .returningResult(st.RECENT_ROWS)
                        .getSQL(ParamType.INDEXED));
        sql.put(Sql.HISTORY_LOOKUP, lookupSql(render, history));
        sql.put(Sql.RECENT_LOOKUP, lookupSql(render, recent));
        this.statements = new WriterStatements<>(Sql.class, sql);
    }

    private static String lookupSql(DSLContext render, SampleColumns c) {
        return render.select(c.all())
                .from(c.table())
                .where(c.siteId().eq(DSL.param("s", SQLDataType.BIGINT)))
                .and(c.ts().eq(DSL.param("t", SQLDataType.BIGINT)))
                .getSQL(ParamType.INDEXED);
    }

    int recordBatch(AccessScope scope, List<UsageSample> samples) {
        TenantFilter.requireSystem(db, scope, "recording resource usage");
        Objects.requireNonNull(samples, "samples");
        if (samples.size() > UsageRepository.MAX_BATCH) {
            throw new ValidationException(
                    "samples", "at most " + UsageRepository.MAX_BATCH + " samples per batch, got " + samples.size());
        }
        StoredSample[] rows = validate(samples);
        if (rows.length == 0) return 0;
        return db.write(scope, tx -> {
            long[] recentAfter = new long[1];
            int inserted = tx.connectionResult(c -> insert(tx, c, samples, rows, recentAfter));
            if (recentAfter[0] >= recentRowsBeforeMove) {
                try {
                    // One move step in a savepoint of the same transaction: one commit for both; a
                    // failing step is undone alone and retried by a later call, the batch stays.
                    db.write(scope, step -> step.connectionResult(mover::step));
                } catch (RuntimeException e) {
                    log.warn(
                            "Moving recent usage samples into the history failed (a later call retries): {}",
                            e.getMessage());
                }
            }
            return inserted;
        });
    }

    int timesPrepared() {
        return statements.timesPrepared();
    }

    private int insert(DSLContext tx, Connection c, List<UsageSample> samples, StoredSample[] rows, long[] recentAfter)
            throws SQLException {
        Map<Sql, PreparedStatement> s = statements.on(c);
        long movedBefore;
        long skew;
        try (ResultSet rs = s.get(Sql.STATE).executeQuery()) {
            if (!rs.next()) throw new IllegalStateException("usage_ingest_state has no row (V60)");
            movedBefore = rs.getLong(1);
            skew = UsageSettings.skewSeconds(rs.getString(2));
        }
        Instant now = db.clock().instant();
        long latestAllowed = now.getEpochSecond() + skew;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].ts() > latestAllowed) {
                throw new ValidationException(
                        where(i, samples.get(i)),
                        "timestamp is more than " + skew + " s after now (" + now + "; "
                                + ConfigKeys.USAGE_MAX_CLOCK_SKEW_SECONDS + ")");
            }
        }
        // A late sample may already be in the history: only there below moved_before.
        boolean[] skip = new boolean[rows.length];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].ts() < movedBefore) {
                StoredSample stored = lookup(s.get(Sql.HISTORY_LOOKUP), rows[i]);
                if (stored != null) {
                    requireSame(i, samples.get(i), stored, rows[i]);
                    skip[i] = true;
                }
            }
        }
        int[] counts;
        PreparedStatement ps = s.get(Sql.INSERT);
        DatabaseEngine engine = Engines.forDialect(tx.dialect());
        // PostgreSQL aborts the whole transaction on a failed statement: a savepoint keeps it usable
        // for naming the bad element. SQLite's single writer needs none (and saves the round trips).
        java.sql.Savepoint beforeInsert = engine.singleWriter() ? null : c.setSavepoint();
        try {
            for (int i = 0; i < rows.length; i++) {
                if (skip[i]) continue;
                rows[i].bind(ps);
                ps.addBatch();
            }
            counts = ps.executeBatch();
        } catch (SQLException e) {
            ps.clearBatch();
            if (beforeInsert != null) c.rollback(beforeInsert);
            if (engine.isForeignKeyViolation(e)) {
                requireSitesExist(tx, samples, rows); // names the element
            }
            throw e;
        }
        if (beforeInsert != null) c.releaseSavepoint(beforeInsert);
        int inserted = 0;
        for (int i = 0, k = 0; i < rows.length; i++) {
            if (skip[i]) continue;
            if (counts[k++] > 0) {
                inserted++;
            } else {
                requireSame(i, samples.get(i), lookup(s.get(Sql.RECENT_LOOKUP), rows[i]), rows[i]);
            }
        }
        PreparedStatement add = s.get(Sql.ADD_RECENT_ROWS);
        add.setLong(1, inserted);
        try (ResultSet rs = add.executeQuery()) {
            recentAfter[0] = rs.next() ? rs.getLong(1) : 0;
        }
        return inserted;
    }

    static String where(int i, UsageSample x) {
        return "samples[" + i + "] (site " + x.siteId() + " at " + x.timestamp() + ")";
    }

    /** All-or-nothing validation before anything is written; the stored form of every element. */
    private static StoredSample[] validate(List<UsageSample> samples) {
        StoredSample[] rows = new StoredSample[samples.size()];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < samples.size(); i++) {
            UsageSample x = samples.get(i);
            String where = "samples[" + i + "]";
            if (x == null) throw new ValidationException(where, "is null");
            if (x.timestamp() == null)
                throw new ValidationException(where + " (site " + x.siteId() + ")", "timestamp is missing");
            where = where(i, x);
            long ts = x.timestamp().getEpochSecond();
            if (ts < 0) throw new ValidationException(where, "timestamp must not be before 1970");
            if (!seen.add(x.siteId() + ":" + ts)) {
                throw new ValidationException(
                        where, "duplicate (site, timestamp) in the batch (timestamps are stored to the second)");
            }
            rows[i] = FixedPoint.encode(where, x);
        }
        return rows;
    }

    private static void requireSitesExist(DSLContext tx, List<UsageSample> samples, StoredSample[] rows) {
        Set<Long> wanted = new TreeSet<>();
        for (StoredSample r : rows) wanted.add(r.siteId());
        Set<Long> found = new HashSet<>(
                tx.select(SITES.ID).from(SITES).where(SITES.ID.in(wanted)).fetch(SITES.ID));
        for (int i = 0; i < rows.length; i++) {
            if (!found.contains(rows[i].siteId())) {
                throw new ValidationException(where(i, samples.get(i)), "site " + rows[i].siteId() + " does not exist");
            }
        }
    }

    /** The stored row of the same (site, second) in one table, or null. */
    private static StoredSample lookup(PreparedStatement ps, StoredSample r) throws SQLException {
        ps.setLong(1, r.siteId());
        ps.setLong(2, r.ts());
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? StoredSample.read(rs) : null;
        }
    }

    private static void requireSame(int i, UsageSample x, StoredSample stored, StoredSample r) {
        if (!r.equals(stored)) {
            throw new ConflictException(where(i, x)
                    + ": a different sample is already stored for this site and second; the batch was not recorded");
        }
    }
}
