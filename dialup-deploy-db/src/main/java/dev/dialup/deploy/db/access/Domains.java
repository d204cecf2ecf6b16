package dev.dialup.deploy.db.access;

import com.ibm.icu.text.IDNA;
import dev.dialup.deploy.db.ValidationException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Host names as stored: lower-case ASCII, internationalized labels as IDNA2008 / UTS #46
 * punycode (non-transitional: {@code straße.example} stays {@code xn--strae-oqa.example}),
 * no trailing dot, no wildcard, within DNS limits (labels 1–63 octets, name at most 253),
 * and never an IP address in any notation. Rules in docs/tenancy.md.
 */
public final class Domains {
    public static final int MAX_LENGTH = 253;
    public static final int LABEL_MAX = 63;
    private static final Pattern LABEL = Pattern.compile("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$");
    private static final Pattern CONTROL_OR_SPACE = Pattern.compile("[\\p{Cc}\\s]");
    /** The WHATWG URL parser's "ends in a number": a last label of digits, or 0x/0X and hex digits. */
    private static final Pattern NUMERIC_LABEL = Pattern.compile("^(?:[0-9]+|0x[0-9a-f]*)$");

    private static final IDNA UTS46 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII
            | IDNA.NONTRANSITIONAL_TO_UNICODE
            | IDNA.USE_STD3_RULES
            | IDNA.CHECK_BIDI
            | IDNA.CHECK_CONTEXTJ
            | IDNA.CHECK_CONTEXTO);

    private Domains() {}

    /** "Bücher.Example." becomes "xn--bcher-kva.example"; "straße.example" becomes "xn--strae-oqa.example". */
    public static String normalize(String raw) {
        return normalize("domain", raw);
    }

    /** {@link #normalize(String)} reporting problems under {@code field}. */
    public static String normalize(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ValidationException(field, "must not be empty");
        }
        String v = raw.strip();
        if (CONTROL_OR_SPACE.matcher(v).find()) {
            throw new ValidationException(field, "must not contain spaces or control characters");
        }
        if (v.length() > MAX_LENGTH * 4) {
            throw new ValidationException(field, "must be at most " + MAX_LENGTH + " octets");
        }
        if (v.startsWith("[") || v.indexOf(':') >= 0) {
            throw new ValidationException(field, "must be a host name, not an IP address");
        }
        Inputs.noLoneSurrogate(field, v);
        if (v.endsWith(".") && !v.endsWith("..")) v = v.substring(0, v.length() - 1);
        StringBuilder out = new StringBuilder();
        IDNA.Info info = new IDNA.Info();
        UTS46.nameToASCII(v, out, info);
        String ascii = out.toString().toLowerCase(Locale.ROOT);
        // IP literals first, so "127.0.0.0x1", "0x7f.1" and "2130706433" get the message that explains them.
        String[] labels = ascii.split("\\.", -1);
        if (NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches()) {
            throw new ValidationException(field, "must be a host name, not an IP address (its last label is numeric)");
        }
        if (info.hasErrors()) {
            throw new ValidationException(field, describe(info.getErrors()));
        }
        if (ascii.isEmpty() || ascii.length() > MAX_LENGTH) {
            throw new ValidationException(field, "must be 1 to " + MAX_LENGTH + " octets");
        }
        if (labels.length < 2) {
            throw new ValidationException(field, "needs at least two labels (example.com)");
        }
        for (String label : labels) {
            if (label.isEmpty()) {
                throw new ValidationException(field, "must not contain empty labels");
            }
            if (label.length() > LABEL_MAX) {
                throw new ValidationException(field, "labels must be at most " + LABEL_MAX + " octets");
            }
            if (!LABEL.matcher(label).matches()) {
                throw new ValidationException(
                        field, "labels may contain only letters, digits and '-', not starting or ending with '-'");
            }
        }
        return ascii;
    }

    private static String describe(Set<IDNA.Error> errors) {
        if (errors.contains(IDNA.Error.EMPTY_LABEL)) return "must not contain empty labels";
        if (errors.contains(IDNA.Error.LABEL_TOO_LONG)) return "labels must be at most " + LABEL_MAX + " octets";
        if (errors.contains(IDNA.Error.DOMAIN_NAME_TOO_LONG)) return "must be at most " + MAX_LENGTH + " octets";
        if (errors.contains(IDNA.Error.LEADING_HYPHEN) || errors.contains(IDNA.Error.TRAILING_HYPHEN)) {
            return "labels must not start or end with '-'";
        }
        if (errors.contains(IDNA.Error.HYPHEN_3_4))
            return "labels must not have '--' in the third and fourth position unless they are punycode (xn--)";
        if (errors.contains(IDNA.Error.DISALLOWED)) return "contains a character that is not allowed in host names";
        return "is not a valid internationalized host name (IDNA2008 / UTS #46)";
    }

    /** A single DNS label (a site's platform subdomain), lower-cased ASCII. */
    public static String label(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ValidationException(field, "must not be empty");
        }
        String v = raw.strip().toLowerCase(Locale.ROOT);
        if (!LABEL.matcher(v).matches()) {
            throw new ValidationException(
                    field, "must be 1 to 63 of a-z, 0-9 and '-', not starting or ending with '-'");
        }
        return v;
    }
}
