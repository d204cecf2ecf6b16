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
import dev.dialup.deploy.db.engine.UsagePartitions;
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
        /** The engine's batch statement into the partitioned history (PostgreSQL); the portable INSERT elsewhere. */
        PARTITIONED_INSERT,
        /** The same for a batch with no stored sample (PostgreSQL: no per-row conflict handling). */
        PARTITIONED_INSERT_NEW,
        ADD_RECENT_ROWS,
        HISTORY_LOOKUP,
        RECENT_LOOKUP
    }

    private final DialupDatabase db;
    private final UsageMover mover;
    private final int recentRowsBeforeMove;
    private final WriterStatements<Sql> statements;
    /** The database's engine (error classification, partitions). */
    private final DatabaseEngine engine;
    /** Time partitions of {@code usage_samples} (PostgreSQL), or null: ingest then goes to {@code usage_recent}. */
    private final UsagePartitions partitions;

    /** New partitions one batch may need at most (PostgreSQL): a partition per UTC day of its samples. */
    static final int MAX_NEW_PARTITIONS_PER_BATCH = 31;

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
        this.engine = Engines.forDialect(render.dialect());
        this.partitions = engine.usagePartitions().orElse(null);
        if (partitions == null && !engine.singleWriter()) {
            // insert() relies on one writer (no savepoint around its batch): many writers need the partitioned path.
            throw new IllegalStateException("an engine with many writers must provide usage partitions for ingest");
        }
        sql.put(Sql.PARTITIONED_INSERT, partitions == null ? sql.get(Sql.INSERT) : partitions.ingestSql());
        sql.put(Sql.PARTITIONED_INSERT_NEW, partitions == null ? sql.get(Sql.INSERT) : partitions.ingestNewSql());
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
        if (partitions == null) return db.write(scope, tx -> recordRecent(tx, samples, rows));
        // PostgreSQL, in an append-only transaction (REPEATABLE READ: appends and upserts only, no predicate locks;
        // docs/DECISIONS.md). Most batches are new samples only: the first attempt uses the statement without
        // per-row conflict handling, and no savepoint. A stored sample (a re-sent batch) fails it, and the whole
        // transaction runs again with the statement that skips stored samples.
        // A sample of a UTC day without a partition aborts an attempt; the missing partitions are then created in
        // a transaction of their own (a short lock on usage_samples) and the batch runs again.
        boolean skipStored = false;
        for (int partitionRounds = 0; ; ) {
            boolean conflictHandling = skipStored;
            try {
                return db.writeAppendOnly(
                        scope, tx -> tx.connectionResult(c -> insertPartitioned(c, samples, rows, conflictHandling)));
            } catch (RuntimeException e) {
                if (!skipStored && partitions.isStoredSample(e)) {
                    skipStored = true;
                } else if (partitions.isMissingPartition(e) && partitionRounds++ < 2) {
                    ensurePartitions(scope, rows);
                } else {
                    if (engine.isForeignKeyViolation(e)) {
                        db.read(scope, tx -> {
                            requireSitesExist(tx, samples, rows); // names the element
                            return null;
                        });
                    }
                    throw e;
                }
            }
        }
    }

    /** SQLite: append to {@code usage_recent} (triggers keep the aggregates), then maybe one move step. */
    private int recordRecent(DSLContext tx, List<UsageSample> samples, StoredSample[] rows) {
        long[] recentAfter = new long[1];
        int inserted = tx.connectionResult(c -> insert(tx, c, samples, rows, recentAfter));
        if (recentAfter[0] >= recentRowsBeforeMove) {
            try {
                // One move step in a savepoint of the same transaction: one commit for both; a
                // failing step is undone alone and retried by a later call, the batch stays.
                db.write(step -> step.connectionResult(mover::step));
            } catch (RuntimeException e) {
                log.warn(
                        "Moving recent usage samples into the history failed (a later call retries): {}",
                        e.getMessage());
            }
        }
        return inserted;
    }

    /** The partitions of the UTC days of {@code rows}, created where missing, in one write transaction. */
    private void ensurePartitions(AccessScope scope, StoredSample[] rows) {
        Set<Long> days = new TreeSet<>();
        for (StoredSample r : rows) days.add(Math.floorDiv(r.ts(), UsagePartitions.WIDTH) * UsagePartitions.WIDTH);
        db.writeVoid(
                scope,
                tx -> tx.connection(c -> {
                    Set<Long> missing = new TreeSet<>(days);
                    for (UsagePartitions.Partition p : partitions.list(c)) missing.remove(p.rangeStart());
                    if (missing.size() > MAX_NEW_PARTITIONS_PER_BATCH) {
                        throw new ValidationException(
                                "samples",
                                "fall on " + missing.size() + " UTC days without a partition; at most "
                                        + MAX_NEW_PARTITIONS_PER_BATCH + " new days per batch");
                    }
                    for (long day : missing) partitions.ensureDay(c, day);
                }));
    }

    /**
     * PostgreSQL: the whole batch in one statement into the partitioned {@code usage_samples}
     * ({@link UsagePartitions#ingestSql()}, which also keeps {@code usage_latest} and {@code usage_day_totals});
     * without {@code conflictHandling} a stored sample fails it ({@link UsagePartitions#isStoredSample}). An element
     * it did not store is already stored, and must be the same sample.
     */
    private int insertPartitioned(
            Connection c, List<UsageSample> samples, StoredSample[] rows, boolean conflictHandling)
            throws SQLException {
        Map<Sql, PreparedStatement> s = statements.on(c);
        requireNotInFuture(s, samples, rows);
        Long[][] columns = new Long[8][rows.length];
        for (int i = 0; i < rows.length; i++) {
            StoredSample r = rows[i];
            columns[0][i] = r.siteId();
            columns[1][i] = r.ts();
            columns[2][i] = r.memory();
            columns[3][i] = r.cpu();
            columns[4][i] = r.disk();
            columns[5][i] = r.bandwidth();
            columns[6][i] = r.activeRequests();
            columns[7][i] = r.responseTime();
        }
        Set<String> stored = new HashSet<>();
        runIngest(s.get(conflictHandling ? Sql.PARTITIONED_INSERT : Sql.PARTITIONED_INSERT_NEW), columns, stored);
        if (stored.size() == rows.length) return stored.size();
        for (int i = 0; i < rows.length; i++) {
            if (stored.contains(rows[i].siteId() + ":" + rows[i].ts())) continue;
            StoredSample there = lookup(s.get(Sql.HISTORY_LOOKUP), rows[i]);
            if (there == null) there = lookup(s.get(Sql.RECENT_LOOKUP), rows[i]);
            requireSame(i, samples.get(i), there, rows[i]);
        }
        return stored.size();
    }

    /** Runs one of the engine's batch statements; adds the {@code site:ts} of every sample it stored. */
    private void runIngest(PreparedStatement ps, Long[][] columns, Set<String> stored) throws SQLException {
        partitions.bindIngest(ps, columns);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) stored.add(rs.getLong(1) + ":" + rs.getLong(2));
        }
    }

    /** Reads the state row (moved_before, skew) and refuses a batch with a sample too far in the future. */
    private long requireNotInFuture(Map<Sql, PreparedStatement> s, List<UsageSample> samples, StoredSample[] rows)
            throws SQLException {
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
        return movedBefore;
    }

    int timesPrepared() {
        return statements.timesPrepared();
    }

    private int insert(DSLContext tx, Connection c, List<UsageSample> samples, StoredSample[] rows, long[] recentAfter)
            throws SQLException {
        Map<Sql, PreparedStatement> s = statements.on(c);
        long movedBefore = requireNotInFuture(s, samples, rows);
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
        // Only engines without time partitions come here, and those have one writer (SQLite): a failed
        // statement leaves the transaction usable for naming the bad element, no savepoint needed.
        // (PostgreSQL, which would abort the transaction, always takes insertPartitioned.)
        try {
            for (int i = 0; i < rows.length; i++) {
                if (skip[i]) continue;
                rows[i].bind(ps);
                ps.addBatch();
            }
            counts = ps.executeBatch();
        } catch (SQLException e) {
            ps.clearBatch();
            if (engine.isForeignKeyViolation(e)) {
                requireSitesExist(tx, samples, rows); // names the element
            }
            throw e;
        }
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
            rows[i] = validate(i, x);
            if (!seen.add(x.siteId() + ":" + rows[i].ts())) {
                throw new ValidationException(
                        where(i, x), "duplicate (site, timestamp) in the batch (timestamps are stored to the second)");
            }
        }
        return rows;
    }

    /**
     * The checks of element {@code i} on its own — not null, a timestamp at or after 1970, values
     * {@link FixedPoint} accepts — and its stored form; what {@link UsageRecorder#record} checks
     * before it queues a sample. The site, the clock skew and the stored samples are checked by
     * the write.
     */
    static StoredSample validate(int i, UsageSample x) {
        if (x == null) throw new ValidationException("samples[" + i + "]", "is null");
        if (x.timestamp() == null)
            throw new ValidationException("samples[" + i + "] (site " + x.siteId() + ")", "timestamp is missing");
        if (x.timestamp().getEpochSecond() < 0) {
            throw new ValidationException(where(i, x), "timestamp must not be before 1970");
        }
        return FixedPoint.encode(() -> where(i, x), x);
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
