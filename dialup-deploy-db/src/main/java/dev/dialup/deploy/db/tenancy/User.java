package dev.dialup.deploy.db.tenancy;

import java.time.Instant;

/** A platform account as the API shows it: never carries the password hash. */
public record User(
        long id,
        String username,
        String email,
        String displayName,
        boolean active,
        boolean admin,
        Instant createdAt,
        Instant updatedAt) {}
