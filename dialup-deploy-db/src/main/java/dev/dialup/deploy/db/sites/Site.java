package dev.dialup.deploy.db.sites;

import java.time.Instant;

/** A site. Exactly one of {@code ownerId} (personal site) and {@code organizationId} is set. */
public record Site(
        long id,
        String name,
        String slug,
        Long ownerId,
        Long organizationId,
        SiteType type,
        SiteConfig config,
        Instant createdAt,
        Instant updatedAt) {

    public boolean active() {
        return config.active();
    }
}
