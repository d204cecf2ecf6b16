package dev.dialup.deploy.db.config.internal;

import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;

import dev.dialup.deploy.db.config.ConfigSetting;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.time.Duration;
import org.jooq.DSLContext;

/**
 * Reads configuration values inside a caller's transaction or read. Not tenant data, so no
 * scope: any repository may read settings it needs (writes go through the audited
 * system-config repository). Keys in the catalogue ({@link ConfigSettings}) are always parsed
 * and range-checked with the catalogue's definition; a stored value outside it reads as the
 * catalogue default, whoever wrote it (raw SQL included).
 *
 * <p>Library code reads every catalogue setting with {@link #get}: the default, range and unit
 * live once, in {@link ConfigSettings}, never as a literal at the call site. {@link #readLong}
 * and {@link #readString} are for keys outside the catalogue (platform extensions).
 */
public final class ConfigValues {
    private ConfigValues() {}

    /** The validated value of a setting, as {@code SystemConfigRepository#get} returns it for the same database. */
    public static <T> T get(DialupDatabase db, DSLContext dsl, ConfigSetting<T> setting) {
        ConfigSetting<T> own = ConfigSettings.authoritative(setting, db.insecurePasswordHashingForTests());
        return own.parseOrDefault(stored(dsl, own.key()));
    }

    /**
     * The integer value of {@code key}, or {@code fallback} when the row is missing, empty or not a
     * number. A catalogue key reads through its definition instead (its default when invalid;
     * durations as whole units of the key's suffix), so {@code fallback} only matters for other keys.
     */
    public static long readLong(DSLContext dsl, String key, long fallback) {
        String v = stored(dsl, key);
        var own = ConfigSettings.find(key).filter(s -> s.type() == Long.class || s.type() == Duration.class);
        if (own.isPresent()) {
            return Long.parseLong(own.get().canonical(v)); // whole units of the key's suffix for durations
        }
        if (v == null || v.isBlank()) return fallback;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** The trimmed text value of {@code key}, or {@code fallback} when the row is missing or blank. */
    public static String readString(DSLContext dsl, String key, String fallback) {
        String v = stored(dsl, key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static String stored(DSLContext dsl, String key) {
        return dsl.select(SYSTEM_CONFIG.VALUE)
                .from(SYSTEM_CONFIG)
                .where(SYSTEM_CONFIG.KEY.eq(key))
                .fetchOne(SYSTEM_CONFIG.VALUE);
    }
}
