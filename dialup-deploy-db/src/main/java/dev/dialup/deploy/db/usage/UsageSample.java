package dev.dialup.deploy.db.usage;

import java.time.Instant;

/**
 * One resource-usage sample of a site: the plan's {@code site_resource_usage} columns.
 * Any measurement may be null (not measured). Stored at whole-second time precision and
 * fixed-point value precision (see docs/usage.md): memory, CPU, disk and response time to
 * 0.01, bandwidth to 0.001 MB.
 *
 * @param bandwidthMb    MB transferred during the sample interval (a delta, not a counter)
 * @param activeRequests requests served during the sample interval
 */
public record UsageSample(
        long siteId,
        Instant timestamp,
        Double memoryMb,
        Double cpuPercent,
        Double diskMb,
        Double bandwidthMb,
        Integer activeRequests,
        Double responseTimeMs) {

    /** A sample with every measurement set. */
    public static UsageSample of(
            long siteId,
            Instant timestamp,
            double memoryMb,
            double cpuPercent,
            double diskMb,
            double bandwidthMb,
            int activeRequests,
            double responseTimeMs) {
        return new UsageSample(
                siteId, timestamp, memoryMb, cpuPercent, diskMb, bandwidthMb, activeRequests, responseTimeMs);
    }
}
