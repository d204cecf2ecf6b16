package dev.dialup.deploy.db.admin;

import java.time.Instant;

/** A row of the admin panel's user list. */
public record UserSummary(
        long id,
        String username,
        String email,
        boolean active,
        boolean admin,
        Instant createdAt,
        int personalSiteCount,
        int organizationCount) {}
