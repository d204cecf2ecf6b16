package dev.dialup.deploy.db.usage;

import dev.dialup.deploy.db.sites.ResourceLimits;
import java.util.Map;
import java.util.Optional;

/**
 * A site's current usage against its limits: the latest sample (empty when none yet), the
 * limits, and per dimension the current value in the limit's unit (memory, CPU and disk from
 * the latest sample; bandwidth as today's total; requests per minute from the latest sample).
 */
public record UsageVsLimits(
        long siteId, Optional<UsageSample> latest, ResourceLimits limits, Map<UsageDimension, Double> current) {

    /** current / limit per dimension (0 when nothing is measured). */
    public double ratio(UsageDimension d) {
        Double v = current.get(d);
        long limit = switch (d) {
            case MEMORY -> limits.memoryMb();
            case CPU -> limits.cpuPercent();
            case DISK -> limits.diskMb();
            case BANDWIDTH -> limits.bandwidthMb();
            case REQUESTS_PER_MINUTE -> limits.requestsPerMinute();
        };
        return v == null || limit <= 0 ? 0 : v / limit;
    }
}
