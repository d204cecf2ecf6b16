package dev.dialup.deploy.db.deploy;

import java.time.Instant;

/**
 * A deployment. {@code createdAt} is when it was queued (pending), {@code startedAt} when it
 * started building, {@code finishedAt} when it reached success, failed or cancelled;
 * {@code buildTimeSeconds} is computed from those two, never supplied by callers.
 */
public record Deployment(
        long id,
        long siteId,
        String commitHash,
        String commitMessage,
        String branch,
        Long deployedBy,
        DeploymentStatus status,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Integer buildTimeSeconds,
        long logBytes,
        boolean logTruncated,
        Instant logArchivedAt) {}
