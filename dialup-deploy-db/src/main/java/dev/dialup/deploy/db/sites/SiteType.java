package dev.dialup.deploy.db.sites;

import java.util.Locale;

/** {@code sites.site_type}: the schema CHECK allows exactly these. */
public enum SiteType {
    STATIC,
    DYNAMIC,
    DOCKER;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SiteType fromDb(String v) {
        return valueOf(v.toUpperCase(Locale.ROOT));
    }
}
