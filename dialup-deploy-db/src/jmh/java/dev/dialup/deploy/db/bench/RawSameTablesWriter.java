package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.usage.UsageSample;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * The raw baseline of the PostgreSQL ingest benchmarks on one superuser connection: a batch's samples by pgjdbc
 * {@code COPY} into {@code usage_samples}, then {@code usage_latest} and {@code usage_day_totals} by two
 * {@code INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE} statements, in one transaction (docs/DECISIONS.md,
 * "Ingest baseline on PostgreSQL").
 */
final class RawSameTablesWriter implements AutoCloseable {
    /** Latest sample per site: only a newer (or equal-time) sample replaces it, as in the library. */
    static final String LATEST = "INSERT INTO usage_latest (" + PgUsageData.COLUMNS + ")"
            + " SELECT DISTINCT ON (site_id) * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],"
            + " ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) AS i(" + PgUsageData.COLUMNS + ")"
            + " ORDER BY site_id, ts DESC"
            + " ON CONFLICT (site_id) DO UPDATE SET ts = excluded.ts, memory_mb_x100 = excluded.memory_mb_x100,"
            + " cpu_percent_x100 = excluded.cpu_percent_x100, disk_mb_x100 = excluded.disk_mb_x100,"
            + " bandwidth_mb_x1000 = excluded.bandwidth_mb_x1000, active_requests = excluded.active_requests,"
            + " response_time_ms_x100 = excluded.response_time_ms_x100 WHERE excluded.ts >= usage_latest.ts";
    /** Day totals per (UTC day, site), added to. */
    static final String TOTALS = "INSERT INTO usage_day_totals (day, site_id, bandwidth_mb_x1000, requests)"
            + " SELECT ts - ts % 86400, site_id, sum(b)::bigint, sum(r)::bigint"
            + " FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) AS i(site_id, ts, b, r)"
            + " GROUP BY 1, 2 ORDER BY 1, 2"
            + " ON CONFLICT (day, site_id) DO UPDATE SET"
            + " bandwidth_mb_x1000 = usage_day_totals.bandwidth_mb_x1000 + excluded.bandwidth_mb_x1000,"
            + " requests = usage_day_totals.requests + excluded.requests";

    private final Connection raw;
    private final CopyManager copy;
    private final PreparedStatement latest;
    private final PreparedStatement totals;
    private final StringBuilder text = new StringBuilder(64 * UsageBenchData.BATCH);

    RawSameTablesWriter(String database) throws Exception {
        raw = PgBenchServer.superuser(database);
        raw.setAutoCommit(false);
        copy = raw.unwrap(PGConnection.class).getCopyAPI();
        latest = raw.prepareStatement(LATEST);
        totals = raw.prepareStatement(TOTALS);
    }

    /** Writes one batch into the three tables and commits; returns the samples copied. */
    long write(List<UsageSample> batch) throws Exception {
        int n = batch.size();
        Long[][] c = new Long[8][n];
        for (int i = 0; i < n; i++) {
            UsageSample x = batch.get(i);
            PgUsageData.appendCopyLine(text, x);
            long[] v = PgUsageData.stored(x);
            for (int k = 0; k < v.length; k++) c[k][i] = v[k];
        }
        CopyIn in = copy.copyIn("COPY usage_samples (" + PgUsageData.COLUMNS + ") FROM STDIN");
        PgUsageData.flush(in, text);
        long stored = in.endCopy();
        for (int k = 0; k < 8; k++) latest.setArray(k + 1, raw.createArrayOf("bigint", c[k]));
        latest.executeUpdate();
        totals.setArray(1, raw.createArrayOf("bigint", c[0]));
        totals.setArray(2, raw.createArrayOf("bigint", c[1]));
        totals.setArray(3, raw.createArrayOf("bigint", c[5]));
        totals.setArray(4, raw.createArrayOf("bigint", c[6]));
        totals.executeUpdate();
        raw.commit();
        return stored;
    }

    @Override
    public void close() throws Exception {
        raw.close();
    }
}
