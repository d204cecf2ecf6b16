package dev.dialup.deploy.db.integration;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.sites.ResourceLimits;
import dev.dialup.deploy.db.sites.SiteLimitsRepository;
import dev.dialup.deploy.db.usage.OverLimit;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import dev.dialup.deploy.db.usage.UsageVsLimits;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** {@link ResourceManagement} over the usage and limits repositories; it adds no rules of its own. */
public final class ResourceManagementService implements ResourceManagement {
    private final UsageRepository usage;
    private final SiteLimitsRepository limits;

    public ResourceManagementService(UsageRepository usage, SiteLimitsRepository limits) {
        this.usage = usage;
        this.limits = limits;
    }

    public ResourceManagementService(DialupDatabase db) {
        this(new UsageRepository(db), new SiteLimitsRepository(db));
    }

    @Override
    public int recordRound(AccessScope monitor, List<UsageSample> samples) {
        return usage.recordBatch(monitor, samples);
    }

    @Override
    public List<OverLimit> sitesOverLimit(AccessScope monitor, Duration window) {
        return usage.sitesOverLimit(monitor, window);
    }

    @Override
    public ResourceLimits limitsOf(AccessScope monitor, long siteId) {
        return limits.get(monitor, siteId);
    }

    @Override
    public UsageVsLimits usageVsLimits(AccessScope monitor, long siteId) {
        return usage.usageVsLimits(monitor, siteId);
    }

    @Override
    public Map<Long, UsageSample> latest(AccessScope monitor, Collection<Long> siteIds) {
        return usage.latest(monitor, siteIds);
    }
}
