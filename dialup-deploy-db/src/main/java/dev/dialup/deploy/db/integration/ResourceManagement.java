package dev.dialup.deploy.db.integration;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.sites.ResourceLimits;
import dev.dialup.deploy.db.usage.OverLimit;
import dev.dialup.deploy.db.usage.UsageSample;
import dev.dialup.deploy.db.usage.UsageVsLimits;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What the resource-management core (plan Stage 2) needs: usage ingest every 30 seconds,
 * the enforcement query, and the limits it enforces. The monitoring core calls it with a
 * system scope, e.g. {@code db.systemScope("monitoring")}. Implementation:
 * {@link ResourceManagementService}; rules and definitions in docs/usage.md.
 */
public interface ResourceManagement {

    /** Records one round of samples (typically one per site), all or nothing; re-sending is harmless. Returns how many were new. */
    int recordRound(AccessScope monitor, List<UsageSample> samples);

    /** Every (site, dimension) above its limit in the last {@code window} (bandwidth: today's total). */
    List<OverLimit> sitesOverLimit(AccessScope monitor, Duration window);

    /** The limits of a site (what the container runtime should be configured with). */
    ResourceLimits limitsOf(AccessScope monitor, long siteId);

    /** A site's latest sample and today's totals against its limits. */
    UsageVsLimits usageVsLimits(AccessScope monitor, long siteId);

    /** The newest sample of each given site. */
    Map<Long, UsageSample> latest(AccessScope monitor, Collection<Long> siteIds);
}
