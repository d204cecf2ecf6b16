package dev.dialup.deploy.db.config;

import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;

import org.jooq.DSLContext;

/**
 * Reads configuration values inside a caller's transaction or read. Not tenant data, so no
 * scope: any repository may read settings it needs (writes go through the audited
 * system-config repository).
 */
public final class ConfigValues {
    private ConfigValues() {}

    /** The integer value of {@code key}, or {@code fallback} when the row is missing, empty or not a number. */
    public static long readLong(DSLContext dsl, String key, long fallback) {
        String v = dsl.select(SYSTEM_CONFIG.VALUE).from(SYSTEM_CONFIG).where(SYSTEM_CONFIG.KEY.eq(key)).fetchOne(SYSTEM_CONFIG.VALUE);
        if (v == null || v.isBlank()) return fallback;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** The trimmed text value of {@code key}, or {@code fallback} when the row is missing or blank. */
    public static String readString(DSLContext dsl, String key, String fallback) {
        String v = dsl.select(SYSTEM_CONFIG.VALUE).from(SYSTEM_CONFIG).where(SYSTEM_CONFIG.KEY.eq(key)).fetchOne(SYSTEM_CONFIG.VALUE);
        return v == null || v.isBlank() ? fallback : v.trim();
    }
}
