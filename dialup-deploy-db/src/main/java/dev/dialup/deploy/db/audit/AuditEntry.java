package dev.dialup.deploy.db.audit;

import java.time.Instant;

/** One audit row: who ({@code actorLabel} is "user:ID" or "system:component"), did what, to what, when. */
public record AuditEntry(
        long id,
        Long actorUserId,
        String actorLabel,
        String action,
        String targetType,
        String targetId,
        Long organizationId,
        Instant createdAt,
        String detailsJson) {}
