package dev.dialup.deploy.db.sites;

import dev.dialup.deploy.db.access.UniqueConstraints;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.text.Normalizer;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** URL-safe identifiers for sites and organizations: {@code [a-z0-9]} runs joined by single dashes. */
public final class Slugs {
    public static final int MAX_LENGTH = 63;
    public static final Pattern VALID = Pattern.compile("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$");
    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern NON_ALNUM = Pattern.compile("[^a-z0-9]+");

    private Slugs() {}

    /** "Café Déjà Vu!" becomes "cafe-deja-vu"; a name with nothing left becomes "site". */
    public static String slugify(String name) {
        String folded = MARKS.matcher(Normalizer.normalize(name == null ? "" : name, Normalizer.Form.NFKD))
                .replaceAll("");
        String slug = NON_ALNUM.matcher(folded.toLowerCase(Locale.ROOT)).replaceAll("-");
        // Cut to the limit, then trim dashes left at either end (a cut never needs its own branch:
        // cutting a slug already within the limit changes nothing).
        String trimmed = trimDashes(slug);
        slug = trimDashes(trimmed.substring(0, Math.min(trimmed.length(), MAX_LENGTH)));
        return slug.isEmpty() ? "site" : slug;
    }

    public static boolean isValid(String slug) {
        return slug != null && VALID.matcher(slug).matches() && !slug.contains("--");
    }

    /** {@code base}, or {@code base-2}, {@code base-3} … — the first that {@code taken} does not claim. */
    public static String unique(String base, Predicate<String> taken) {
        if (!taken.test(base)) {
            return base;
        }
        for (int n = 2; ; n++) {
            String suffix = "-" + n;
            String stem = trimDashes(base.substring(0, Math.min(base.length(), MAX_LENGTH - suffix.length())));
            String candidate = stem + suffix;
            if (!taken.test(candidate)) {
                return candidate;
            }
        }
    }

    /** How many derived slugs {@link #insertDerived} tries before it lets the violation through. */
    static final int MAX_DERIVED_ATTEMPTS = 16;

    /**
     * Inserts a row under a slug derived from {@code base}: the first that {@code taken} does not claim, as
     * {@link #unique} picks it. With many writers (PostgreSQL) another transaction may take that slug between the
     * look-up and the insert, and the look-up cannot see it (it committed after this transaction's snapshot): the
     * insert then violates {@code slugKey} ({@code table.slug}). The caller did not choose the slug, so that is no
     * conflict of theirs: the insert runs in a savepoint ({@code db.write} nested in the caller's write), and on a
     * violation of {@code slugKey} it is undone and run again with the next free slug, at most
     * {@value #MAX_DERIVED_ATTEMPTS} times. Any other failure (a taken name, a serialization failure) goes up
     * unchanged. Returns what {@code insert} returned for the slug that was inserted.
     */
    public static <T> T insertDerived(
            DialupDatabase db, String base, Predicate<String> taken, String slugKey, Function<String, T> insert) {
        Set<String> raced = new HashSet<>();
        for (int attempt = 1; ; attempt++) {
            String slug = unique(base, c -> raced.contains(c) || taken.test(c));
            try {
                return db.write(savepoint -> insert.apply(slug));
            } catch (RuntimeException e) {
                if (attempt >= MAX_DERIVED_ATTEMPTS || !UniqueConstraints.violates(e, slugKey)) {
                    throw e;
                }
                raced.add(slug);
            }
        }
    }

    private static String trimDashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '-') start++;
        while (end > start && s.charAt(end - 1) == '-') end--;
        return s.substring(start, end);
    }

    /** A caller-chosen slug: trimmed, lower-cased and valid, or {@code ValidationException("slug", ...)}. */
    public static String require(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new dev.dialup.deploy.db.ValidationException("slug", "must not be empty");
        }
        String s = raw.strip().toLowerCase(Locale.ROOT);
        if (!isValid(s)) {
            throw new dev.dialup.deploy.db.ValidationException(
                    "slug",
                    "must be 1 to " + MAX_LENGTH + " of a-z, 0-9 and single '-', not starting or ending with '-'");
        }
        return s;
    }
}
