package dev.dialup.deploy.db.config;

import java.time.Instant;

/** One {@code system_config} row as stored. */
public record ConfigEntry(String key, String value, String description, Instant updatedAt) {}
