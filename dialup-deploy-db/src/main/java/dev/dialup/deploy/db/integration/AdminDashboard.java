package dev.dialup.deploy.db.integration;

import dev.dialup.deploy.db.core.AccessScope;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * Dashboard aggregates for the admin panel (plan Stage 4). System admins (and the system
 * scope) only; anyone else gets {@code AccessDeniedException}. Implementation:
 * {@link AdminDashboardQueries}. Usage and benchmark: docs/integration.md, docs/PERFORMANCE.md.
 */
public interface AdminDashboard {

    /** Active and inactive sites, and sites by the status of their latest deployment ("none" when never deployed). */
    SiteStatusCounts sitesByStatus(AccessScope admin);

    /** Deployments queued per UTC day over the last {@code days} days (today included), oldest first; days without any are omitted. */
    List<DeploymentsOnDay> deploymentsPerDay(AccessScope admin, int days);

    /** Sites with the highest resource use over the last {@code days} days of {@code site_usage_daily}. */
    List<SiteResourceUse> topSitesByResourceUse(AccessScope admin, int days, ResourceMetric rankBy, int limit);

    /** The newest failed deployments, newest first. */
    List<FailedDeployment> recentFailedDeployments(AccessScope admin, int limit);

    enum ResourceMetric {
        MEMORY,
        CPU
    }

    record SiteStatusCounts(long active, long inactive, Map<String, Long> byLatestDeployment) {}

    record DeploymentsOnDay(LocalDate day, long total, long succeeded, long failed, long cancelled, long inProgress) {}

    record SiteResourceUse(
            long siteId,
            String siteName,
            double avgMemoryMb,
            double maxMemoryMb,
            double avgCpuPercent,
            double maxCpuPercent,
            int daysReported) {}

    record FailedDeployment(
            long deploymentId,
            long siteId,
            String siteName,
            String commitHash,
            String branch,
            Long deployedBy,
            Instant createdAt,
            Instant finishedAt) {}
}
