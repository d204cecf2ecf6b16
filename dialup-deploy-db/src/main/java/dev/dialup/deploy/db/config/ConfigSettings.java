package dev.dialup.deploy.db.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** The typed settings of {@code system_config} (keys in {@link ConfigKeys}; seeded by V2, V30 and V60). */
public final class ConfigSettings {
    private ConfigSettings() {}

    public static final ConfigSetting<Duration> USAGE_RAW_RETENTION = ConfigSetting.duration(ConfigKeys.USAGE_RAW_RETENTION_DAYS,
            ChronoUnit.DAYS, Duration.ofDays(30), Duration.ofDays(1), Duration.ofDays(3650));
    public static final ConfigSetting<Duration> USAGE_DAILY_RETENTION = ConfigSetting.duration(ConfigKeys.USAGE_DAILY_RETENTION_DAYS,
            ChronoUnit.DAYS, Duration.ofDays(365), Duration.ofDays(1), Duration.ofDays(36500));
    public static final ConfigSetting<Duration> USAGE_SAMPLE_INTERVAL = ConfigSetting.duration(ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS,
            ChronoUnit.SECONDS, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofHours(1));
    public static final ConfigSetting<Duration> USAGE_MAX_CLOCK_SKEW = ConfigSetting.duration(ConfigKeys.USAGE_MAX_CLOCK_SKEW_SECONDS,
            ChronoUnit.SECONDS, Duration.ofMinutes(5), Duration.ZERO, Duration.ofDays(1));
    public static final ConfigSetting<Duration> DEPLOYMENT_LOG_ARCHIVE_AFTER = ConfigSetting.duration(ConfigKeys.DEPLOYMENT_LOG_ARCHIVE_AFTER_DAYS,
            ChronoUnit.DAYS, Duration.ofDays(90), Duration.ofDays(1), Duration.ofDays(36500));
    public static final ConfigSetting<Duration> AUDIT_RETENTION = ConfigSetting.duration(ConfigKeys.AUDIT_RETENTION_DAYS,
            ChronoUnit.DAYS, Duration.ofDays(365), Duration.ofDays(30), Duration.ofDays(36500));
    public static final ConfigSetting<Long> BCRYPT_COST = ConfigSetting.integer(ConfigKeys.BCRYPT_COST, 12, 10, 16);
    public static final ConfigSetting<Long> LIMITS_MAX_MEMORY_MB = ConfigSetting.integer(ConfigKeys.LIMITS_MAX_MEMORY_MB, 65536, 1, Integer.MAX_VALUE);
    public static final ConfigSetting<Long> LIMITS_MAX_CPU_PERCENT = ConfigSetting.integer(ConfigKeys.LIMITS_MAX_CPU_PERCENT, 800, 1, 100_000);
    public static final ConfigSetting<Long> LIMITS_MAX_DISK_MB = ConfigSetting.integer(ConfigKeys.LIMITS_MAX_DISK_MB, 1048576, 1, Integer.MAX_VALUE);
    public static final ConfigSetting<Long> LIMITS_MAX_BANDWIDTH_MB = ConfigSetting.integer(ConfigKeys.LIMITS_MAX_BANDWIDTH_MB, 10485760, 1, Integer.MAX_VALUE);
    public static final ConfigSetting<Long> LIMITS_MAX_REQUESTS_PER_MINUTE = ConfigSetting.integer(ConfigKeys.LIMITS_MAX_REQUESTS_PER_MINUTE, 1_000_000, 1, Integer.MAX_VALUE);
    public static final ConfigSetting<Long> DEPLOYMENT_MAX_LOG_BYTES = ConfigSetting.integer("deployments.max_log_bytes", 1_048_576, 1024, 64L * 1024 * 1024);
    public static final ConfigSetting<Boolean> DEPLOYMENT_LOG_ARCHIVE_ENABLED = ConfigSetting.bool("deployments.log_archive_enabled", true);
    public static final ConfigSetting<Duration> HEALTH_CHECK_INTERVAL = ConfigSetting.duration("health.check_interval_seconds",
            ChronoUnit.SECONDS, Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofDays(1));
    public static final ConfigSetting<Long> HEALTH_UNHEALTHY_AFTER_FAILURES = ConfigSetting.integer("health.unhealthy_after_failures", 3, 1, 100);
    public static final ConfigSetting<String> PLATFORM_NAME = ConfigSetting.displayName("platform.name", "dialup", 64);

    public static List<ConfigSetting<?>> all() {
        return List.of(USAGE_RAW_RETENTION, USAGE_DAILY_RETENTION, USAGE_SAMPLE_INTERVAL, USAGE_MAX_CLOCK_SKEW, DEPLOYMENT_LOG_ARCHIVE_AFTER,
                AUDIT_RETENTION, BCRYPT_COST, LIMITS_MAX_MEMORY_MB, LIMITS_MAX_CPU_PERCENT, LIMITS_MAX_DISK_MB,
                LIMITS_MAX_BANDWIDTH_MB, LIMITS_MAX_REQUESTS_PER_MINUTE, DEPLOYMENT_MAX_LOG_BYTES,
                DEPLOYMENT_LOG_ARCHIVE_ENABLED, HEALTH_CHECK_INTERVAL, HEALTH_UNHEALTHY_AFTER_FAILURES, PLATFORM_NAME);
    }
}
