package dev.dialup.deploy.db.sites;

/** A site's resource limits (the values of {@code site_resource_limits}). */
public record ResourceLimits(int memoryMb, int cpuPercent, int diskMb, int bandwidthMb, int requestsPerMinute) {}
