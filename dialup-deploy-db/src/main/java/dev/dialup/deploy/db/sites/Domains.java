package dev.dialup.deploy.db.sites;

import dev.dialup.deploy.db.ValidationException;
import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/** Host names as stored: lower-case ASCII (IDN converted to punycode), no trailing dot, no wildcard. */
public final class Domains {
    public static final int MAX_LENGTH = 253;
    private static final Pattern LABEL = Pattern.compile("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$");
    private static final Pattern CONTROL_OR_SPACE = Pattern.compile("[\\p{Cc}\\s]");

    private Domains() {}

    /** "Bücher.Example." becomes "xn--bcher-kva.example". */
    public static String normalize(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ValidationException("domain", "must not be empty");
        }
        String v = raw.strip();
        if (CONTROL_OR_SPACE.matcher(v).find()) {
            throw new ValidationException("domain", "must not contain spaces or control characters");
        }
        if (v.endsWith(".")) v = v.substring(0, v.length() - 1);
        if (v.length() > MAX_LENGTH * 4) {
            throw new ValidationException("domain", "must be at most " + MAX_LENGTH + " characters");
        }
        String ascii;
        try {
            ascii = IDN.toASCII(v, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new ValidationException("domain", "is not a valid host name");
        }
        if (ascii.isEmpty() || ascii.length() > MAX_LENGTH) {
            throw new ValidationException("domain", "must be 1 to " + MAX_LENGTH + " characters");
        }
        String[] labels = ascii.split("\\.", -1);
        if (labels.length < 2) {
            throw new ValidationException("domain", "needs at least two labels (example.com)");
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw new ValidationException("domain", "is not a valid host name");
            }
        }
        if (labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
            throw new ValidationException("domain", "must not end in a numeric label (IP addresses are not domains)");
        }
        return ascii;
    }

    /** A single DNS label (a site's platform subdomain), lower-cased. */
    public static String label(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ValidationException(field, "must not be empty");
        }
        String v = raw.strip().toLowerCase(Locale.ROOT);
        if (!LABEL.matcher(v).matches()) {
            throw new ValidationException(field, "must be 1 to 63 of a-z, 0-9 and '-', not starting or ending with '-'");
        }
        return v;
    }
}
