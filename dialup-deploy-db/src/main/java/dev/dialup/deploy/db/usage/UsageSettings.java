package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;

import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.internal.ConfigValues;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.time.Instant;
import org.jooq.DSLContext;

/**
 * Every {@code system_config} value the usage package reads, in one place, each through the
 * library's catalogue ({@link ConfigSettings}: default, range and unit defined once). The ingest hot path reads
 * {@code usage.max_clock_skew_seconds} inside its prepared state query instead
 * ({@link UsageIngest}), with {@link #DEFAULT_SKEW_SECONDS} as its default.
 */
final class UsageSettings {
    static final long DEFAULT_SKEW_SECONDS =
            ConfigSettings.USAGE_MAX_CLOCK_SKEW.defaultValue().toSeconds();

    private UsageSettings() {}

    /** {@code usage.sample_interval_seconds}: the poller's interval (uptime and request rates). */
    static long sampleIntervalSeconds(DialupDatabase db, DSLContext dsl) {
        return ConfigValues.get(db, dsl, ConfigSettings.USAGE_SAMPLE_INTERVAL).toSeconds();
    }

    /** {@code usage.daily_retention_days}. */
    static long dailyRetentionDays(DialupDatabase db, DSLContext dsl) {
        return ConfigValues.get(db, dsl, ConfigSettings.USAGE_DAILY_RETENTION).toDays();
    }

    /** Samples strictly before this instant are past raw retention ({@code usage.raw_retention_days}; whole seconds). */
    static Instant rawCutoff(DialupDatabase db) {
        long days = db.read(dsl ->
                ConfigValues.get(db, dsl, ConfigSettings.USAGE_RAW_RETENTION).toDays());
        return Instant.ofEpochSecond(db.clock().instant().getEpochSecond() - days * UsageInputs.DAY);
    }

    /** The largest {@code usage.max_clock_skew_seconds} the settings accept (the range of {@link ConfigSettings#USAGE_MAX_CLOCK_SKEW}). */
    static final long LARGEST_SKEW_SECONDS = 86_400;

    /**
     * The latest second a stored sample can carry, seen from {@code now}: ingest refuses a sample more than the
     * skew after its own clock, and the skew is at most {@link #LARGEST_SKEW_SECONDS} (or the raw stored value,
     * read as ingest reads it, if someone stored a larger one). Queries bound their time range with it so that
     * PostgreSQL prunes the partitions of later days (created ahead) instead of planning and scanning each one.
     */
    static long latestStorableSecond(DSLContext dsl, long now) {
        String stored = dsl.select(SYSTEM_CONFIG.VALUE)
                .from(SYSTEM_CONFIG)
                .where(SYSTEM_CONFIG.KEY.eq(ConfigKeys.USAGE_MAX_CLOCK_SKEW_SECONDS))
                .fetchOne(SYSTEM_CONFIG.VALUE);
        long skew = Math.max(LARGEST_SKEW_SECONDS, skewSeconds(stored));
        return now > Long.MAX_VALUE - skew ? Long.MAX_VALUE : now + skew;
    }

    /** A stored {@code usage.max_clock_skew_seconds} text as seconds (never negative), or the default. */
    static long skewSeconds(String stored) {
        if (stored == null) return DEFAULT_SKEW_SECONDS;
        try {
            return Math.max(0, Long.parseLong(stored.trim()));
        } catch (NumberFormatException e) {
            return DEFAULT_SKEW_SECONDS; // like every other setting read with ConfigValues
        }
    }
}
