package dev.dialup.deploy.db.admin;

import java.time.Instant;

/** A row of the admin panel's organization list: members and sites by status. */
public record OrganizationSummary(
        long id,
        String name,
        String slug,
        long ownerId,
        boolean active,
        Instant createdAt,
        int memberCount,
        int activeSiteCount,
        int inactiveSiteCount) {}
