package dev.dialup.deploy.db.deploy;

import java.time.Instant;

/**
 * A process row: the legacy columns ({@code site} is the legacy site name) plus the
 * platform's container metadata and health. {@code siteId} is null only for a legacy
 * process that could not be linked to a site.
 */
public record ProcessInfo(
        String id,
        Long siteId,
        String site,
        int port,
        Integer pid,
        Instant startTime,
        String type,
        String script,
        String cwd,
        String status,
        String containerId,
        Integer memoryLimitMb,
        Integer cpuLimitPercent,
        String healthCheckUrl,
        Instant lastHealthCheck,
        HealthStatus healthStatus,
        int consecutiveFailures,
        String healthMessage) {}
