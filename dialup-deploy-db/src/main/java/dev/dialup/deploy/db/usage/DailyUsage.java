package dev.dialup.deploy.db.usage;

import java.time.LocalDate;

/** One row of {@code site_usage_daily}: a site's UTC day, as defined in docs/usage.md. */
public record DailyUsage(
        long siteId,
        LocalDate date,
        Double avgMemoryMb,
        Double maxMemoryMb,
        Double avgCpuPercent,
        Double maxCpuPercent,
        Double totalBandwidthMb,
        Long totalRequests,
        Double avgResponseTimeMs,
        long uptimeSeconds) {}
