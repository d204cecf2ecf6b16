package dev.dialup.deploy.db.config;

/** Keys of {@code system_config} rows the library itself reads. Defaults are seeded by V2. */
public final class ConfigKeys {
    private ConfigKeys() {}

    public static final String USAGE_RAW_RETENTION_DAYS = "usage.raw_retention_days";
    public static final String USAGE_DAILY_RETENTION_DAYS = "usage.daily_retention_days";
    public static final String USAGE_SAMPLE_INTERVAL_SECONDS = "usage.sample_interval_seconds";
    /** How far in the future a usage sample may lie (monitoring host clock skew); seeded by V60. */
    public static final String USAGE_MAX_CLOCK_SKEW_SECONDS = "usage.max_clock_skew_seconds";

    public static final String DEPLOYMENT_LOG_ARCHIVE_AFTER_DAYS = "deployments.log_archive_after_days";
    public static final String AUDIT_RETENTION_DAYS = "audit.retention_days";
    public static final String BCRYPT_COST = "security.bcrypt_cost";
    public static final String LIMITS_MAX_MEMORY_MB = "limits.max_memory_mb";
    public static final String LIMITS_MAX_CPU_PERCENT = "limits.max_cpu_percent";
    public static final String LIMITS_MAX_DISK_MB = "limits.max_disk_mb";
    public static final String LIMITS_MAX_BANDWIDTH_MB = "limits.max_bandwidth_mb";
    public static final String LIMITS_MAX_REQUESTS_PER_MINUTE = "limits.max_requests_per_minute";

    // Tenancy: password hashing policy (catalogue ranges in ConfigSettings; seeded by V45);
    // changing them upgrades stored hashes on next login.
    public static final String PASSWORD_ALGORITHM = "security.password_algorithm";
    public static final String ARGON2_MEMORY_KIB = "security.argon2_memory_kib";
    public static final String ARGON2_ITERATIONS = "security.argon2_iterations";
    public static final String ARGON2_PARALLELISM = "security.argon2_parallelism";

    // Login throttling per account: failures before a lockout, and the first lockout's length (doubling, capped at a
    // day).
    public static final String LOGIN_FAILURE_THRESHOLD = "security.login_failure_threshold";
    public static final String LOGIN_LOCKOUT_SECONDS = "security.login_lockout_seconds";
}
