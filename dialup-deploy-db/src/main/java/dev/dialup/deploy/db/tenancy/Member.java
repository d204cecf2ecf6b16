package dev.dialup.deploy.db.tenancy;

import dev.dialup.deploy.db.core.OrgRole;
import java.time.Instant;

/** A membership as listed to the organization's members. */
public record Member(long userId, String username, String displayName, OrgRole role, Instant joinedAt) {}
