package dev.dialup.deploy.db.secrets;

import java.time.Instant;

/**
 * One environment variable of a site as the caller may see it. Non-secret variables carry
 * {@code plainValue}. Secret variables carry {@code secretValue} for managers and the system
 * scope, and nothing ({@code masked} = true) for other readers. toString never shows a secret.
 */
public record EnvironmentVariable(
        long siteId,
        String key,
        boolean secret,
        String plainValue,
        SecretValue secretValue,
        boolean masked,
        Instant createdAt,
        Instant updatedAt) {

    /** What a UI shows: the plain value, or {@value SecretValue#MASK} for any secret. */
    public String displayValue() {
        return secret ? SecretValue.MASK : plainValue;
    }
}
