package dev.dialup.deploy.db.access;

import com.ibm.icu.text.Normalizer2;
import dev.dialup.deploy.db.ValidationException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
    private static final Pattern EMAIL_LOCAL =
            Pattern.compile("^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cc}");
    private static final Pattern CONTROL_EXCEPT_TAB_NEWLINE = Pattern.compile("[\\p{Cc}&&[^\\t\\n]]");
    /** Java patterns match code points: a valid surrogate pair is one supplementary character, so this finds only lone halves. */
    private static final Pattern LONE_SURROGATE = Pattern.compile("\\p{Cs}");
    /**
     * Invisible format characters (category Cf: bidi controls U+202A–U+202E, U+2066–U+2069,
     * U+200E/F, U+061C; U+200B, U+2060, U+FEFF, soft hyphen, tag characters …), except the
     * joiners U+200C/U+200D, which scripts and emoji sequences need; a joiner is refused when
     * it does not sit between two visible characters (see {@link #visibleIdentifier}).
     */
    private static final Pattern FORMAT_EXCEPT_JOINERS = Pattern.compile("[\\p{Cf}&&[^\\u200C\\u200D]]");

    private static final Pattern DANGLING_JOINER =
            Pattern.compile("(?:^|[\\s\\p{Cf}])[\\u200C\\u200D]|[\\u200C\\u200D](?:$|[\\s\\p{Cf}])");
    private static final Normalizer2 NFKC_CASEFOLD = Normalizer2.getNFKCCasefoldInstance();

    private Inputs() {}

    /** Trimmed, lower-case, 3–32 of {@code [a-z0-9._-]}, starting and ending alphanumeric. */
    public static String username(String raw) {
        String v = required("username", raw).toLowerCase(Locale.ROOT);
        noControl("username", v);
        if (v.length() < USERNAME_MIN || v.length() > USERNAME_MAX) {
            throw new ValidationException(
                    "username", "must be " + USERNAME_MIN + " to " + USERNAME_MAX + " characters");
        }
        if (!USERNAME.matcher(v).matches()) {
            throw new ValidationException(
                    "username",
                    "may contain only a-z, 0-9, '.', '_' and '-', and must start and end with a letter or digit");
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
        noLoneSurrogate(field, raw);
        return raw;
    }

    /** Only the byte limit, for passwords being checked (login): the hash input can never exceed it. */
    public static void passwordLength(String field, String raw) {
        if (raw != null && raw.getBytes(StandardCharsets.UTF_8).length > PASSWORD_MAX_BYTES) {
            throw new ValidationException(field, "must be at most " + PASSWORD_MAX_BYTES + " bytes in UTF-8");
        }
    }

    /**
     * A required name shown to other people (organization or site name): trimmed, 1–100
     * characters, no control characters, no lone surrogates, no bidi controls or invisible
     * format characters.
     */
    public static String name(String field, String raw) {
        String v = required(field, raw);
        noControl(field, v);
        visibleIdentifier(field, v);
        if (v.length() > NAME_MAX) {
            throw new ValidationException(field, "must be at most " + NAME_MAX + " characters");
        }
        return v;
    }

    /** An optional name shown to other people (a user's display name): like {@link #name}, but null or blank becomes null. */
    public static String optionalName(String field, String raw) {
        if (raw == null || raw.isBlank()) return null;
        return name(field, raw);
    }

    /**
     * The uniqueness key of a name: Unicode NFKC_Casefold ({@code "ÄRZTE"}, {@code "ärzte"} and
     * {@code "A\u0308rzte"} share one key). Stored beside organization and site names, where
     * UNIQUE indexes compare it; rules in docs/tenancy.md.
     */
    public static String nameKey(String name) {
        return NFKC_CASEFOLD.normalize(name);
    }

    /**
     * Refuses bidi controls and invisible format characters in text shown to other people, so
     * a name cannot pretend to be another ({@code "evil\u202Etxt.exe"}, {@code "admin\u200B"}).
     */
    public static void visibleIdentifier(String field, String v) {
        if (FORMAT_EXCEPT_JOINERS.matcher(v).find()
                || DANGLING_JOINER.matcher(v).find()) {
            throw new ValidationException(field, "must not contain bidi controls or invisible format characters");
        }
    }

    /**
     * Refuses a lone UTF-16 surrogate: it cannot be encoded as UTF-8 and the driver would store
     * it as {@code ?}. Applies to every text this library accepts.
     */
    public static void noLoneSurrogate(String field, String v) {
        if (v != null && LONE_SURROGATE.matcher(v).find()) {
            throw new ValidationException(field, "must be valid Unicode (it contains a lone UTF-16 surrogate)");
        }
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
        noLoneSurrogate(field, v);
        if (v.length() > max) {
            throw new ValidationException(field, "must be at most " + max + " characters");
        }
        return v;
    }

    /** The earliest instant any time argument may carry: 0001-01-01T00:00:00Z (the stored text has a four-digit year). */
    public static final Instant INSTANT_MIN = Instant.parse("0001-01-01T00:00:00Z");
    /** The latest instant any time argument may carry: 9999-12-31T23:59:59.999Z. */
    public static final Instant INSTANT_MAX = Instant.parse("9999-12-31T23:59:59.999Z");
    /** The longest duration a time-window argument may carry: 100 years of days. */
    public static final Duration DURATION_MAX = Duration.ofDays(36_500);

    /**
     * A required instant within {@link #INSTANT_MIN}..{@link #INSTANT_MAX}: {@code Instant.MIN},
     * {@code Instant.MAX} and anything the database cannot store as text or epoch milliseconds
     * is a {@link ValidationException} naming {@code field}, never an arithmetic or driver error.
     */
    public static Instant instant(String field, Instant value) {
        if (value == null) throw new ValidationException(field, "must not be null");
        if (value.isBefore(INSTANT_MIN) || value.isAfter(INSTANT_MAX)) {
            throw new ValidationException(field, "must be between " + INSTANT_MIN + " and " + INSTANT_MAX);
        }
        return value;
    }

    /** A required duration from zero to {@link #DURATION_MAX}. */
    public static Duration duration(String field, Duration value) {
        if (value == null) throw new ValidationException(field, "must not be null");
        if (value.isNegative() || value.compareTo(DURATION_MAX) > 0) {
            throw new ValidationException(field, "must be between zero and " + DURATION_MAX.toDays() + " days");
        }
        return value;
    }

    /**
     * The null rule of this library (docs/architecture.md): a required argument that is null is
     * a {@link ValidationException} naming the parameter, like any other bad input.
     */
    public static <T> T notNull(String field, T value) {
        if (value == null) throw new ValidationException(field, "must not be null");
        return value;
    }

    public static String required(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ValidationException(field, "must not be empty");
        }
        return raw.strip();
    }

    /** No control characters and no lone surrogates. */
    public static void noControl(String field, String v) {
        if (CONTROL.matcher(v).find()) {
            throw new ValidationException(field, "must not contain control characters");
        }
        noLoneSurrogate(field, v);
    }
}
