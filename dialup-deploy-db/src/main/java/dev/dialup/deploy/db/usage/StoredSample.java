package dev.dialup.deploy.db.usage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/**
 * A sample as the usage tables store it ({@link FixedPoint}): whole seconds and fixed-point
 * integers, {@code null} for a value that was not measured. Two equal records are the same
 * stored sample (what makes a re-sent batch idempotent).
 *
 * <p>The JDBC glue of the ingest path binds and reads the eight columns in the order of
 * {@link SampleColumns#all()}.
 */
record StoredSample(
        long siteId,
        long ts,
        Long memory,
        Long cpu,
        Long disk,
        Long bandwidth,
        Long activeRequests,
        Long responseTime) {

    /** Binds the eight columns, in {@link SampleColumns#all()} order, to parameters 1–8. */
    void bind(PreparedStatement ps) throws SQLException {
        ps.setLong(1, siteId);
        ps.setLong(2, ts);
        bind(ps, 3, memory);
        bind(ps, 4, cpu);
        bind(ps, 5, disk);
        bind(ps, 6, bandwidth);
        bind(ps, 7, activeRequests);
        bind(ps, 8, responseTime);
    }

    /** The current row of a query selecting {@link SampleColumns#all()}. */
    static StoredSample read(ResultSet rs) throws SQLException {
        return new StoredSample(
                rs.getLong(1), rs.getLong(2), get(rs, 3), get(rs, 4), get(rs, 5), get(rs, 6), get(rs, 7), get(rs, 8));
    }

    private static void bind(PreparedStatement ps, int index, Long v) throws SQLException {
        if (v == null) ps.setNull(index, Types.BIGINT);
        else ps.setLong(index, v);
    }

    private static Long get(ResultSet rs, int index) throws SQLException {
        long v = rs.getLong(index);
        return rs.wasNull() ? null : v;
    }
}
