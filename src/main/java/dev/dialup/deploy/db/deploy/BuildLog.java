package dev.dialup.deploy.db.deploy;

/** A deployment's build log, read back in order; {@code archived} when it came from the compressed archive. */
public record BuildLog(long deploymentId, String text, boolean truncated, boolean archived) {}
