package dev.dialup.deploy.db.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The library's catalogue of {@code system_config} settings (keys in {@link ConfigKeys}; seeded by
 * V2, V30, V45 and V60). The catalogue is authoritative: every read and write of a key listed here
 * uses the definition below ({@link #authoritative}), whatever {@link ConfigSetting} instance a
 * caller passes. See docs/tenancy.md, "Configuration".
 */
public final class ConfigSettings {
    private ConfigSettings() {}

    public static final ConfigSetting<Duration> USAGE_RAW_RETENTION = ConfigSetting.duration(
            ConfigKeys.USAGE_RAW_RETENTION_DAYS,
            ChronoUnit.DAYS,
            Duration.ofDays(30),
            Duration.ofDays(1),
            Duration.ofDays(3650));
    public static final ConfigSetting<Duration> USAGE_DAILY_RETENTION = ConfigSetting.duration(
            ConfigKeys.USAGE_DAILY_RETENTION_DAYS,
            ChronoUnit.DAYS,
            Duration.ofDays(365),
            Duration.ofDays(1),
            Duration.ofDays(36500));
    public static final ConfigSetting<Duration> USAGE_SAMPLE_INTERVAL = ConfigSetting.duration(
            ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS,
            ChronoUnit.SECONDS,
            Duration.ofSeconds(30),
            Duration.ofSeconds(1),
            Duration.ofHours(1));
    public static final ConfigSetting<Duration> USAGE_MAX_CLOCK_SKEW = ConfigSetting.duration(
            ConfigKeys.USAGE_MAX_CLOCK_SKEW_SECONDS,
            ChronoUnit.SECONDS,
            Duration.ofMinutes(5),
            Duration.ZERO,
            Duration.ofDays(1));
    public static final ConfigSetting<Duration> DEPLOYMENT_LOG_ARCHIVE_AFTER = ConfigSetting.duration(
            ConfigKeys.DEPLOYMENT_LOG_ARCHIVE_AFTER_DAYS,
            ChronoUnit.DAYS,
            Duration.ofDays(90),
            Duration.ofDays(1),
            Duration.ofDays(36500));
    public static final ConfigSetting<Duration> AUDIT_RETENTION = ConfigSetting.duration(
            ConfigKeys.AUDIT_RETENTION_DAYS,
            ChronoUnit.DAYS,
            Duration.ofDays(365),
            Duration.ofDays(30),
            Duration.ofDays(36500));
    public static final ConfigSetting<Long> BCRYPT_COST = ConfigSetting.integer(ConfigKeys.BCRYPT_COST, 12, 10, 16);
    public static final ConfigSetting<Long> LIMITS_MAX_MEMORY_MB =
            ConfigSetting.integer(ConfigKeys.LIMITS_MAX_MEMORY_MB, 65536, 1, Integer.MAX_VALUE);
    public static final ConfigSetting<Long> LIMITS_MAX_CPU_PERCENT =
            ConfigSetting.integer(ConfigKeys.LIMITS_MAX_CPU_PERCENT, 800, 1, 100_000);
    public static final ConfigSetting<Long> LIMITS_MAX_DISK_MB =
            ConfigSetting.integer(ConfigKeys.LIMITS_MAX_DISK_MB, 1048576, 1, Integer.MAX_VALUE);
    public static final ConfigSetting<Long> LIMITS_MAX_BANDWIDTH_MB =
            ConfigSetting.integer(ConfigKeys.LIMITS_MAX_BANDWIDTH_MB, 10485760, 1, Integer.MAX_VALUE);
    public static final ConfigSetting<Long> LIMITS_MAX_REQUESTS_PER_MINUTE =
            ConfigSetting.integer(ConfigKeys.LIMITS_MAX_REQUESTS_PER_MINUTE, 1_000_000, 1, Integer.MAX_VALUE);
    public static final ConfigSetting<Long> DEPLOYMENT_MAX_LOG_BYTES =
            ConfigSetting.integer("deployments.max_log_bytes", 1_048_576, 1024, 64L * 1024 * 1024);
    public static final ConfigSetting<Boolean> DEPLOYMENT_LOG_ARCHIVE_ENABLED =
            ConfigSetting.bool("deployments.log_archive_enabled", true);
    public static final ConfigSetting<Duration> HEALTH_CHECK_INTERVAL = ConfigSetting.duration(
            "health.check_interval_seconds",
            ChronoUnit.SECONDS,
            Duration.ofSeconds(60),
            Duration.ofSeconds(5),
            Duration.ofDays(1));
    public static final ConfigSetting<Long> HEALTH_UNHEALTHY_AFTER_FAILURES =
            ConfigSetting.integer("health.unhealthy_after_failures", 3, 1, 100);
    public static final ConfigSetting<String> PLATFORM_NAME = ConfigSetting.displayName("platform.name", "dialup", 64);

    // Password hashing policy (V45 seeds the rows). Floors: bcrypt cost 10, OWASP's argon2id minimum (19 MiB, t=2).
    public static final ConfigSetting<String> PASSWORD_ALGORITHM =
            ConfigSetting.oneOf(ConfigKeys.PASSWORD_ALGORITHM, "bcrypt", Set.of("bcrypt", "argon2id"));
    public static final ConfigSetting<Long> ARGON2_MEMORY_KIB =
            ConfigSetting.integer(ConfigKeys.ARGON2_MEMORY_KIB, 19_456, 19_456, 4_194_304);
    public static final ConfigSetting<Long> ARGON2_ITERATIONS =
            ConfigSetting.integer(ConfigKeys.ARGON2_ITERATIONS, 2, 2, 100);
    public static final ConfigSetting<Long> ARGON2_PARALLELISM =
            ConfigSetting.integer(ConfigKeys.ARGON2_PARALLELISM, 1, 1, 64);

    // Login throttling per account (UserRepository.authenticate).
    public static final ConfigSetting<Long> LOGIN_FAILURE_THRESHOLD =
            ConfigSetting.integer(ConfigKeys.LOGIN_FAILURE_THRESHOLD, 5, 3, 100);
    public static final ConfigSetting<Duration> LOGIN_LOCKOUT = ConfigSetting.duration(
            ConfigKeys.LOGIN_LOCKOUT_SECONDS,
            ChronoUnit.SECONDS,
            Duration.ofMinutes(15),
            Duration.ofMinutes(1),
            Duration.ofDays(1));

    private static final List<ConfigSetting<?>> ALL = List.of(
            USAGE_RAW_RETENTION,
            USAGE_DAILY_RETENTION,
            USAGE_SAMPLE_INTERVAL,
            USAGE_MAX_CLOCK_SKEW,
            DEPLOYMENT_LOG_ARCHIVE_AFTER,
            AUDIT_RETENTION,
            BCRYPT_COST,
            LIMITS_MAX_MEMORY_MB,
            LIMITS_MAX_CPU_PERCENT,
            LIMITS_MAX_DISK_MB,
            LIMITS_MAX_BANDWIDTH_MB,
            LIMITS_MAX_REQUESTS_PER_MINUTE,
            DEPLOYMENT_MAX_LOG_BYTES,
            DEPLOYMENT_LOG_ARCHIVE_ENABLED,
            HEALTH_CHECK_INTERVAL,
            HEALTH_UNHEALTHY_AFTER_FAILURES,
            PLATFORM_NAME,
            PASSWORD_ALGORITHM,
            ARGON2_MEMORY_KIB,
            ARGON2_ITERATIONS,
            ARGON2_PARALLELISM,
            LOGIN_FAILURE_THRESHOLD,
            LOGIN_LOCKOUT);
    private static final Map<String, ConfigSetting<?>> BY_KEY = index(ALL);
    // Test databases only (DialupDatabase.Builder#insecurePasswordHashingForTests): cheap hashes keep suites fast.
    private static final Map<String, ConfigSetting<?>> BY_KEY_FAST_HASHING = index(List.of(
            ConfigSetting.relaxed(BCRYPT_COST, 4, 16),
            ConfigSetting.relaxed(ARGON2_MEMORY_KIB, 8, 4_194_304),
            ConfigSetting.relaxed(ARGON2_ITERATIONS, 1, 100)));

    public static List<ConfigSetting<?>> all() {
        return ALL;
    }

    /** The catalogue's definition of {@code key}, if the library knows the key. */
    public static Optional<ConfigSetting<?>> find(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    /**
     * The definition that governs {@code setting}'s key: the catalogue's own for a known key
     * (a caller-made instance with another range or default is ignored), the caller's for an
     * unknown key. {@code insecureHashing} relaxes only the password-hashing floors, for test
     * databases that opted in on the builder.
     *
     * @throws dev.dialup.deploy.db.ValidationException when a caller-made setting gives a known key another type
     */
    @SuppressWarnings("unchecked")
    public static <T> ConfigSetting<T> authoritative(ConfigSetting<T> setting, boolean insecureHashing) {
        ConfigSetting<?> own = insecureHashing && BY_KEY_FAST_HASHING.containsKey(setting.key())
                ? BY_KEY_FAST_HASHING.get(setting.key())
                : BY_KEY.get(setting.key());
        if (own == null) return setting;
        if (own.type() != setting.type()) {
            throw new dev.dialup.deploy.db.ValidationException(
                    setting.key(), "is a " + own.type().getSimpleName() + " setting");
        }
        return (ConfigSetting<T>) own;
    }

    private static Map<String, ConfigSetting<?>> index(List<ConfigSetting<?>> settings) {
        Map<String, ConfigSetting<?>> m = new LinkedHashMap<>();
        for (ConfigSetting<?> s : settings) m.put(s.key(), s);
        return Map.copyOf(m);
    }
}
