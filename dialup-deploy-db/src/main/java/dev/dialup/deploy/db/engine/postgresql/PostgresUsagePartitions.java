package dev.dialup.deploy.db.engine.postgresql;

import dev.dialup.deploy.db.SqlFunction;
import dev.dialup.deploy.db.engine.UsagePartitions;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.util.PSQLException;

/**
 * {@link UsagePartitions} on PostgreSQL: calls V61's SECURITY DEFINER functions
 * {@code dialup_usage_partition_ensure(day)}, V65's {@code dialup_usage_partition_detach_before(cut)} and
 * {@code dialup_usage_partition_drop_detached()} with bind
 * parameters, and stores a batch with one {@code INSERT … SELECT FROM unnest(…)} whose data-modifying CTEs
 * upsert {@code usage_latest} and {@code usage_day_totals} (docs/schema.md, "Usage on PostgreSQL") — first
 * without per-row conflict handling ({@link #ingestNewSql()}), then, if a sample was already stored, with it.
 */
public final class PostgresUsagePartitions implements UsagePartitions {
    /** SQLState of "no partition of relation … found for row" (check_violation). */
    private static final String CHECK_VIOLATION = "23514";

    private static final String COLUMNS = "site_id, ts, memory_mb_x100, cpu_percent_x100, disk_mb_x100,"
            + " bandwidth_mb_x1000, active_requests, response_time_ms_x100";

    private static final String INGEST = ingest(" ON CONFLICT (site_id, ts) DO NOTHING");

    /** The same without the per-row conflict handling: a stored sample fails it with a unique violation. */
    private static final String INGEST_NEW = ingest("");

    private static String ingest(String onConflict) {
        return "WITH input AS (SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[],"
                + " ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) AS i(" + COLUMNS + ")),"
                + " ins AS (INSERT INTO usage_samples (" + COLUMNS + ")"
                + " SELECT " + COLUMNS + " FROM input i"
                + " WHERE NOT EXISTS (SELECT 1 FROM usage_recent r WHERE r.ts = i.ts AND r.site_id = i.site_id)"
                + onConflict + " RETURNING " + COLUMNS + "),"
                // Only a newer (or equal-time) sample replaces the latest one, as the SQLite trigger does.
                + " latest AS (INSERT INTO usage_latest (" + COLUMNS + ")"
                + " SELECT DISTINCT ON (site_id) " + COLUMNS + " FROM ins ORDER BY site_id, ts DESC"
                + " ON CONFLICT (site_id) DO UPDATE SET ts = excluded.ts, memory_mb_x100 = excluded.memory_mb_x100,"
                + " cpu_percent_x100 = excluded.cpu_percent_x100, disk_mb_x100 = excluded.disk_mb_x100,"
                + " bandwidth_mb_x1000 = excluded.bandwidth_mb_x1000, active_requests = excluded.active_requests,"
                + " response_time_ms_x100 = excluded.response_time_ms_x100 WHERE excluded.ts >= usage_latest.ts),"
                // One row per (day, site) of the batch, in key order (concurrent batches lock rows in one order).
                + " totals AS (INSERT INTO usage_day_totals (day, site_id, bandwidth_mb_x1000, requests)"
                + " SELECT ts - ts % 86400, site_id, sum(coalesce(bandwidth_mb_x1000, 0))::bigint,"
                + " sum(coalesce(active_requests, 0))::bigint FROM ins GROUP BY 1, 2 ORDER BY 1, 2"
                + " ON CONFLICT (day, site_id) DO UPDATE SET"
                + " bandwidth_mb_x1000 = usage_day_totals.bandwidth_mb_x1000 + excluded.bandwidth_mb_x1000,"
                + " requests = usage_day_totals.requests + excluded.requests)"
                + " SELECT site_id, ts FROM ins";
    }

    @Override
    public boolean ensureDay(Connection c, long dayStart) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT dialup_usage_partition_ensure(?)")) {
            ps.setLong(1, dayStart);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    @Override
    public Optional<Dropped> detachOldestBefore(Connection c, long cut) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT partition_name, range_start, range_end, row_count"
                + " FROM dialup_usage_partition_detach_before(?)")) {
            ps.setLong(1, cut);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new Dropped(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
            }
        }
    }

    @Override
    public int dropDetached(Connection c) throws SQLException {
        int dropped = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT dialup_usage_partition_drop_detached()");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) dropped++;
        }
        return dropped;
    }

    @Override
    public <T> T withWindowScan(Connection c, SqlFunction<Connection, T> read) throws SQLException {
        String before;
        try (PreparedStatement ps = c.prepareStatement("SELECT current_setting('enable_indexonlyscan')");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            before = rs.getString(1);
        }
        setIndexOnlyScan(c, "off");
        try {
            return read.apply(c);
        } finally {
            setIndexOnlyScan(c, before);
        }
    }

    private static void setIndexOnlyScan(Connection c, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('enable_indexonlyscan', ?, true)")) {
            ps.setString(1, value);
            ps.executeQuery().close();
        }
    }

    @Override
    public List<Partition> list(Connection c) throws SQLException {
        List<Partition> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT c.relname,"
                        + " (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''?([0-9]+)'))[1]::bigint,"
                        + " (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''?([0-9]+)'))[1]::bigint"
                        + " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                        + " WHERE i.inhparent = 'usage_samples'::regclass ORDER BY 2");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(new Partition(rs.getString(1), rs.getLong(2), rs.getLong(3)));
        }
        return out;
    }

    @Override
    public boolean isMissingPartition(Throwable e) {
        // 23514 without a constraint name: the routing error "no partition of relation … found for row" (a
        // CHECK violation names its constraint). Read from the error's fields, not its localised text.
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PSQLException sql
                    && CHECK_VIOLATION.equals(sql.getSQLState())
                    && sql.getServerErrorMessage() != null
                    && sql.getServerErrorMessage().getConstraint() == null) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String ingestSql() {
        return INGEST;
    }

    @Override
    public String ingestNewSql() {
        return INGEST_NEW;
    }

    @Override
    public boolean isStoredSample(Throwable e) {
        // The only unique key the statement can violate: the upserts of the aggregates resolve their conflicts.
        return PostgresErrors.isUniqueViolation(e);
    }

    @Override
    public void bindIngest(PreparedStatement ps, Long[][] columns) throws SQLException {
        Connection c = ps.getConnection();
        for (int k = 0; k < columns.length; k++) {
            Array a = c.createArrayOf("bigint", columns[k]);
            ps.setArray(k + 1, a);
        }
    }
}
