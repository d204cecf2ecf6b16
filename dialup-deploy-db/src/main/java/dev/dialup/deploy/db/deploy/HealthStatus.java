package dev.dialup.deploy.db.deploy;

import java.util.Locale;

/** A process's health as the last checks saw it; {@code unknown} until the first check. */
public enum HealthStatus {
    UNKNOWN,
    HEALTHY,
    UNHEALTHY;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static HealthStatus fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
