package dev.dialup.deploy.db.sites;

import java.time.Instant;

/** A custom domain of a site; {@code verifiedAt} is null until the platform verified it. */
public record SiteDomain(
        long id,
        long siteId,
        String domain,
        boolean primary,
        boolean sslEnabled,
        Instant verifiedAt,
        Instant createdAt) {}
