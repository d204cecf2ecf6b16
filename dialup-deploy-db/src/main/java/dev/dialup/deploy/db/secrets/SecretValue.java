package dev.dialup.deploy.db.secrets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A secret in memory. {@link #toString()} always masks, so a secret that ends up in a log
 * line, an exception message or a record's toString shows {@value #MASK}; only
 * {@link #reveal()} hands out the text.
 */
public final class SecretValue {
    public static final String MASK = "******";

    private final String value;

    private SecretValue(String value) {
        this.value = value;
    }

    public static SecretValue of(String value) {
        return new SecretValue(Objects.requireNonNull(value, "value"));
    }

    /** The plaintext. Call it only where the value leaves for its destination (a container's environment). */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return MASK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretValue other
                && MessageDigest.isEqual(
                        value.getBytes(StandardCharsets.UTF_8), other.value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return 0; // no information about the value leaks through hashing
    }
}
