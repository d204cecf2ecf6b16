package dev.dialup.deploy.db.usage;

import java.time.Instant;

/**
 * One of N equal buckets of a downsampled series, {@code [start, end)}. Empty buckets have
 * {@code samples == 0} and null aggregates. Averages and maxima ignore unmeasured (null) values;
 * {@code totalBandwidthMb} and {@code totalRequests} are sums.
 */
public record SeriesBucket(
        Instant start,
        Instant end,
        long samples,
        Double avgMemoryMb,
        Double maxMemoryMb,
        Double avgCpuPercent,
        Double maxCpuPercent,
        Double avgDiskMb,
        Double maxDiskMb,
        Double totalBandwidthMb,
        Long totalRequests,
        Double avgResponseTimeMs,
        Double maxResponseTimeMs) {}
