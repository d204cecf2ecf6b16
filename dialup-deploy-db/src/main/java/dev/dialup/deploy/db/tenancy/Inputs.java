package dev.dialup.deploy.db.tenancy;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.sites.Domains;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Edge validation shared by the tenancy and sites repositories. Every method either returns
 * the normalised value or throws {@link ValidationException} naming the field; messages
 * describe the problem, never echo a password.
 */
public final class Inputs {
    public static final int USERNAME_MIN = 3;
    public static final int USERNAME_MAX = 32;
    public static final int EMAIL_MAX = 254;
    public static final int PASSWORD_MIN_CHARS = 8;
    public static final int PASSWORD_MAX_BYTES = 72;
    public static final int NAME_MAX = 100;
    public static final int TEXT_MAX = 1000;

    private static final Pattern USERNAME = Pattern.compile("^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$");
    private static final Pattern EMAIL_LOCAL = Pattern.compile("^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cc}");
    private static final Pattern CONTROL_EXCEPT_TAB_NEWLINE = Pattern.compile("[\\p{Cc}&&[^\\t\\n]]");

    private Inputs() {}

    /** Trimmed, lower-case, 3–32 of {@code [a-z0-9._-]}, starting and ending alphanumeric. */
    public static String username(String raw) {
        String v = required("username", raw).toLowerCase(Locale.ROOT);
        noControl("username", v);
        if (v.length() < USERNAME_MIN || v.length() > USERNAME_MAX) {
            throw new ValidationException("username", "must be " + USERNAME_MIN + " to " + USERNAME_MAX + " characters");
        }
        if (!USERNAME.matcher(v).matches()) {
            throw new ValidationException("username", "may contain only a-z, 0-9, '.', '_' and '-', and must start and end with a letter or digit");
        }
        return v;
    }

    /** Trimmed, lower-case, {@code local@domain} with a dot-atom local part and a valid host name. */
    public static String email(String raw) {
        String v = required("email", raw).toLowerCase(Locale.ROOT);
        noControl("email", v);
        if (v.length() > EMAIL_MAX) {
            throw new ValidationException("email", "must be at most " + EMAIL_MAX + " characters");
        }
        int at = v.lastIndexOf('@');
        if (at <= 0 || at != v.indexOf('@') || at == v.length() - 1) {
            throw new ValidationException("email", "must look like name@example.com");
        }
        String local = v.substring(0, at);
        if (local.length() > 64 || !EMAIL_LOCAL.matcher(local).matches()) {
            throw new ValidationException("email", "has an invalid part before '@'");
        }
        String domain;
        try {
            domain = Domains.normalize(v.substring(at + 1));
        } catch (ValidationException e) {
            throw new ValidationException("email", "has an invalid domain");
        }
        String out = local + "@" + domain;
        if (out.length() > EMAIL_MAX) {
            throw new ValidationException("email", "must be at most " + EMAIL_MAX + " characters");
        }
        return out;
    }

    /**
     * A new password: at least {@value #PASSWORD_MIN_CHARS} characters, at most
     * {@value #PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt's input limit — longer passwords
     * are rejected, never truncated), no control characters. Not trimmed.
     */
    public static String newPassword(String field, String raw) {
        if (raw == null || raw.isEmpty()) {
            throw new ValidationException(field, "must not be empty");
        }
        passwordLength(field, raw);
        if (raw.codePointCount(0, raw.length()) < PASSWORD_MIN_CHARS) {
            throw new ValidationException(field, "must be at least " + PASSWORD_MIN_CHARS + " characters");
        }
        if (CONTROL.matcher(raw).find()) {
            throw new ValidationException(field, "must not contain control characters");
        }
        return raw;
    }

    /** Only the byte limit, for passwords being checked (login): the hash input can never exceed it. */
    public static void passwordLength(String field, String raw) {
        if (raw != null && raw.getBytes(StandardCharsets.UTF_8).length > PASSWORD_MAX_BYTES) {
            throw new ValidationException(field, "must be at most " + PASSWORD_MAX_BYTES + " bytes in UTF-8");
        }
    }

    /** A required display name (organization or site name): trimmed, 1–100 characters, no control characters. */
    public static String name(String field, String raw) {
        String v = required(field, raw);
        noControl(field, v);
        if (v.length() > NAME_MAX) {
            throw new ValidationException(field, "must be at most " + NAME_MAX + " characters");
        }
        return v;
    }

    /** An optional single-line value: null or blank becomes null; otherwise trimmed and length-checked. */
    public static String optionalLine(String field, String raw, int max) {
        if (raw == null || raw.isBlank()) return null;
        String v = raw.strip();
        noControl(field, v);
        if (v.length() > max) {
            throw new ValidationException(field, "must be at most " + max + " characters");
        }
        return v;
    }

    /** An optional multi-line text (descriptions, commands): tabs and newlines allowed, other control characters not. */
    public static String optionalText(String field, String raw, int max) {
        if (raw == null || raw.isBlank()) return null;
        String v = raw.strip();
        if (CONTROL_EXCEPT_TAB_NEWLINE.matcher(v).find()) {
            throw new ValidationException(field, "must not contain control characters");
        }
        if (v.length() > max) {
            throw new ValidationException(field, "must be at most " + max + " characters");
        }
        return v;
    }

    public static String required(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ValidationException(field, "must not be empty");
        }
        return raw.strip();
    }

    public static void noControl(String field, String v) {
        if (CONTROL.matcher(v).find()) {
            throw new ValidationException(field, "must not contain control characters");
        }
    }
}
