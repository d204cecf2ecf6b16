package dev.dialup.deploy.db.tenancy;

import java.time.Instant;

public record Organization(
        long id,
        String name,
        String slug,
        String description,
        long ownerId,
        boolean active,
        Instant createdAt,
        Instant updatedAt) {}
