package dev.dialup.deploy.db.engine;

import dev.dialup.deploy.db.SqlFunction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Raw usage samples stored in time partitions (PostgreSQL, V61): {@code usage_samples} is range-partitioned
 * by UTC day; partitions are created ahead by maintenance or on demand by ingest, and retention drops whole
 * partitions instead of deleting rows. An engine without partitioning (SQLite) has none of this
 * ({@link DatabaseEngine#usagePartitions()} is empty): its ingest appends to {@code usage_recent} and its
 * retention deletes rows in small transactions (docs/usage.md).
 *
 * <p>Partitions are created and dropped only through the SECURITY DEFINER functions of V61, called with bind
 * parameters: the runtime role of a service owns nothing and cannot run DDL itself.
 */
public interface UsagePartitions {
    /** Seconds in a partition: one UTC day. */
    long WIDTH = 86_400;

    /** A partition: its table name and its range {@code [rangeStart, rangeEnd)} of {@code ts}. */
    record Partition(String name, long rangeStart, long rangeEnd) {}

    /** A partition taken out of {@code usage_samples} by retention, and the rows it held. */
    record Dropped(String name, long rangeStart, long rangeEnd, long rows) {}

    /** Creates the partition of the UTC day starting at {@code dayStart} if it is missing; true when created. */
    boolean ensureDay(Connection c, long dayStart) throws SQLException;

    /**
     * Detaches the oldest partition lying wholly before {@code cut} (epoch seconds), if any: one per call. Its rows
     * leave {@code usage_samples} when the calling transaction commits; its table stays until
     * {@link #dropDetached}, which the caller runs in a transaction of its own (dropping it here would hold
     * {@code usage_samples}' exclusive lock while the commit removes its files, and stall every ingest).
     */
    Optional<Dropped> detachOldestBefore(Connection c, long cut) throws SQLException;

    /** Drops every detached partition table (also ones an interrupted retention left); returns how many. */
    int dropDetached(Connection c) throws SQLException;

    /**
     * Runs {@code read} (a query over a time window of every site) with index-only scans turned off for the
     * transaction and then restored: with the covering key (V66) the planner prefers a skip scan of the key, one
     * descent per site, to the BRIN ranges of the window (measured 12.6 against 8.4 ms, docs/PERFORMANCE.md).
     * Transaction-local, so nothing outlives the transaction on a pooled connection.
     */
    <T> T withWindowScan(Connection c, SqlFunction<Connection, T> read) throws SQLException;

    /** Every partition of {@code usage_samples}, oldest first. */
    List<Partition> list(Connection c) throws SQLException;

    /** Whether {@code e} (or a cause) says a row had no partition to go to. */
    boolean isMissingPartition(Throwable e);

    /**
     * One statement storing a whole batch in {@code usage_samples} and keeping {@code usage_latest} and
     * {@code usage_day_totals} (no trigger fires per row): eight array parameters, one per column of
     * {@code SampleColumns.all()} order, bound with {@link #bindIngest}. A (site, second) already stored in
     * {@code usage_samples} or {@code usage_recent} is skipped; the result rows are the {@code (site_id, ts)}
     * that were stored.
     */
    String ingestSql();

    /**
     * {@link #ingestSql()} for a batch none of whose {@code (site, second)} is stored in {@code usage_samples} yet
     * — the usual case: the samples are inserted plainly instead of with {@code ON CONFLICT DO NOTHING}, which
     * costs a speculative insertion per row (≈ 10 % of a 1,000-sample round, docs/PERFORMANCE.md). A stored one
     * makes it fail with {@link #isStoredSample}; the caller then rolls it back and runs {@link #ingestSql()}.
     * Same parameters and result.
     */
    String ingestNewSql();

    /** Whether {@code e} (or a cause) is {@link #ingestNewSql()} meeting a sample already stored. */
    boolean isStoredSample(Throwable e);

    /** Binds the eight column arrays ({@code columns[k][i]}: column {@code k} of row {@code i}; nulls allowed). */
    void bindIngest(PreparedStatement ps, Long[][] columns) throws SQLException;
}
