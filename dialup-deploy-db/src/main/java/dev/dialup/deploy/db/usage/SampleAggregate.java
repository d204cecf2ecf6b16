package dev.dialup.deploy.db.usage;

import java.util.ArrayList;
import java.util.List;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Aggregates of one group of samples (a bucket, a site's day), added up from one or both tables
 * ({@code usage_samples} and {@code usage_recent}): the number of samples and, per measure, the
 * count of non-null values, their sum and their maximum, fixed point. Levels are summed as
 * doubles (no overflow), request counts as exact 64-bit integers. The database computes the
 * per-table aggregates ({@link #fields}); every column is read back by its name.
 */
final class SampleAggregate {
    /** The group key's name in {@link #fields}. */
    static final String KEY = "group_key";

    long samples;
    final Stat memory = new Stat(FixedPoint.LEVEL_SCALE);
    final Stat cpu = new Stat(FixedPoint.LEVEL_SCALE);
    final Stat disk = new Stat(FixedPoint.LEVEL_SCALE);
    final Stat bandwidth = new Stat(FixedPoint.BANDWIDTH_SCALE);
    final Stat requests = new Stat(1);
    final Stat responseTime = new Stat(FixedPoint.LEVEL_SCALE);

    /**
     * The select list of one table's aggregates grouped by {@code key}: {@value #KEY}, {@code samples},
     * then {@code <measure>_count}, {@code <measure>_sum} and {@code <measure>_max} for each measure.
     */
    static List<SelectField<?>> fields(SampleColumns c, Field<Long> key) {
        List<SelectField<?>> f = new ArrayList<>(20);
        f.add(key.as(KEY));
        f.add(DSL.count().as("samples"));
        measure(f, "memory", c.memory(), false);
        measure(f, "cpu", c.cpu(), false);
        measure(f, "disk", c.disk(), false);
        measure(f, "bandwidth", c.bandwidth(), false);
        measure(f, "requests", c.activeRequests(), true);
        measure(f, "response_time", c.responseTime(), false);
        return f;
    }

    private static void measure(List<SelectField<?>> f, String name, Field<Long> column, boolean exact) {
        f.add(DSL.count(column).as(name + "_count"));
        // Requests add up exactly in 64 bits; levels are summed as doubles, which cannot overflow.
        f.add((exact ? DSL.sum(column) : DSL.sum(column.cast(SQLDataType.DOUBLE))).as(name + "_sum"));
        f.add(DSL.max(column).as(name + "_max"));
    }

    /** The group key of a row of {@link #fields}. */
    static long key(Record r) {
        return r.get(KEY, Long.class);
    }

    /** Adds a row of {@link #fields} (the same group, read from one table). */
    SampleAggregate add(Record r) {
        samples += r.get("samples", Long.class);
        memory.add(r, "memory", false);
        cpu.add(r, "cpu", false);
        disk.add(r, "disk", false);
        bandwidth.add(r, "bandwidth", false);
        requests.add(r, "requests", true);
        responseTime.add(r, "response_time", false);
        return this;
    }

    /** One measure's count, sum and maximum; results are in the measure's unit. */
    static final class Stat {
        private final int scale;
        long count;
        double sum;
        long exactSum;
        Long max;

        Stat(int scale) {
            this.scale = scale;
        }

        void add(Record r, String name, boolean exact) {
            Long c = r.get(name + "_count", Long.class);
            if (c == null || c == 0) return;
            count += c;
            if (exact) exactSum += r.get(name + "_sum", Long.class);
            else sum += r.get(name + "_sum", Double.class);
            Long mx = r.get(name + "_max", Long.class);
            if (mx != null && (max == null || mx > max)) max = mx;
        }

        Double avg() {
            return count == 0 ? null : sum / count / scale;
        }

        Double max() {
            return max == null ? null : max / (double) scale;
        }

        /** The sum in the measure's unit, or null without values. */
        Double total() {
            return count == 0 ? null : sum / scale;
        }

        /** The exact sum of a count measure (requests), or null without values. */
        Long exactTotal() {
            return count == 0 ? null : exactSum;
        }
    }
}
