package dev.dialup.deploy.db.usage;

import dev.dialup.deploy.db.generated.tables.UsageLatest;
import dev.dialup.deploy.db.generated.tables.UsageRecent;
import dev.dialup.deploy.db.generated.tables.UsageSamples;
import java.util.List;
import org.jooq.Field;
import org.jooq.Table;

/**
 * The sample columns of one of the three tables that hold samples — the history
 * {@code usage_samples}, the recent {@code usage_recent} and {@code usage_latest} — by name, so
 * queries name their columns; a query selecting {@link #all()} is read by position
 * ({@link StoredSample#read}).
 */
record SampleColumns(
        Table<?> table,
        Field<Long> siteId,
        Field<Long> ts,
        Field<Long> memory,
        Field<Long> cpu,
        Field<Long> disk,
        Field<Long> bandwidth,
        Field<Long> activeRequests,
        Field<Long> responseTime) {

    static SampleColumns of(UsageSamples t) {
        return new SampleColumns(
                t,
                t.SITE_ID,
                t.TS,
                t.MEMORY_MB_X100,
                t.CPU_PERCENT_X100,
                t.DISK_MB_X100,
                t.BANDWIDTH_MB_X1000,
                t.ACTIVE_REQUESTS,
                t.RESPONSE_TIME_MS_X100);
    }

    static SampleColumns of(UsageRecent t) {
        return new SampleColumns(
                t,
                t.SITE_ID,
                t.TS,
                t.MEMORY_MB_X100,
                t.CPU_PERCENT_X100,
                t.DISK_MB_X100,
                t.BANDWIDTH_MB_X1000,
                t.ACTIVE_REQUESTS,
                t.RESPONSE_TIME_MS_X100);
    }

    static SampleColumns of(UsageLatest t) {
        return new SampleColumns(
                t,
                t.SITE_ID,
                t.TS,
                t.MEMORY_MB_X100,
                t.CPU_PERCENT_X100,
                t.DISK_MB_X100,
                t.BANDWIDTH_MB_X1000,
                t.ACTIVE_REQUESTS,
                t.RESPONSE_TIME_MS_X100);
    }

    /** The eight columns in {@link StoredSample} order. */
    List<Field<Long>> all() {
        return List.of(siteId, ts, memory, cpu, disk, bandwidth, activeRequests, responseTime);
    }
}
