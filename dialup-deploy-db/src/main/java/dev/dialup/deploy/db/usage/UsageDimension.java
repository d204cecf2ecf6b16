package dev.dialup.deploy.db.usage;

/** The five limited resources of {@code site_resource_limits}. */
public enum UsageDimension {
    /** Highest {@code memory_mb} in the window against {@code max_memory_mb}. */
    MEMORY,
    /** Highest {@code cpu_percent} in the window against {@code max_cpu_percent}. */
    CPU,
    /** Highest {@code disk_mb} in the window against {@code max_disk_mb}. */
    DISK,
    /** MB transferred since 00:00 UTC today against {@code max_bandwidth_mb} (a daily allowance). */
    BANDWIDTH,
    /** Highest per-sample request rate in the window (requests × 60 / sample interval) against {@code max_requests_per_minute}. */
    REQUESTS_PER_MINUTE
}
