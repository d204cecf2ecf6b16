package dev.dialup.deploy.db.sites;

import dev.dialup.deploy.db.ValidationException;

/**
 * Git branch names, checked everywhere the library accepts one (a site's {@code branch}, a
 * deployment's {@code branch}) before anything is written: the container-orchestration service
 * hands them to git and to shells. The rules are those of {@code git check-ref-format --branch}
 * (https://git-scm.com/docs/git-check-ref-format), made stricter where git is lenient:
 * <ul>
 *   <li>1 to {@value #MAX_LENGTH} characters after stripping surrounding whitespace;</li>
 *   <li>no leading {@code -} (git would read it as an option), not {@code @}, not {@code HEAD};</li>
 *   <li>no whitespace, control or invisible formatting characters (bidi overrides included) anywhere;</li>
 *   <li>none of <code>~ ^ : ? * [ \</code>, no {@code ..}, no <code>@&#123;</code>;</li>
 *   <li>no leading, trailing or doubled {@code /}; no component starting with {@code .} or ending
 *       with {@code .lock}; no trailing {@code .}.</li>
 * </ul>
 * Messages never echo the rejected value.
 */
public final class Branches {
    public static final int MAX_LENGTH = 255;

    private Branches() {}

    /** The stripped branch name, or {@link ValidationException} naming {@code field}. */
    public static String require(String field, String raw) {
        if (raw == null || raw.isBlank()) throw invalid(field, "must not be empty");
        String b = raw.strip();
        if (b.length() > MAX_LENGTH) throw invalid(field, "must be at most " + MAX_LENGTH + " characters");
        if (b.startsWith("-")) throw invalid(field, "must not start with '-'");
        if (b.equals("@") || b.equals("HEAD")) throw invalid(field, "is a reserved name");
        for (int i = 0; i < b.length(); ) {
            int cp = b.codePointAt(i);
            int type = Character.getType(cp);
            if (Character.isWhitespace(cp)
                    || Character.isSpaceChar(cp)
                    || type == Character.CONTROL
                    || type == Character.FORMAT
                    || cp == 0x7f) {
                throw invalid(field, "must not contain whitespace, control or formatting characters");
            }
            if ("~^:?*[\\".indexOf(cp) >= 0) throw invalid(field, "must not contain any of ~ ^ : ? * [ \\");
            i += Character.charCount(cp);
        }
        if (b.contains("..")) throw invalid(field, "must not contain '..'");
        if (b.contains("@{")) throw invalid(field, "must not contain '@{'");
        if (b.startsWith("/") || b.endsWith("/") || b.contains("//"))
            throw invalid(field, "must not start or end with '/' or contain '//'");
        if (b.endsWith(".")) throw invalid(field, "must not end with '.'");
        for (String component : b.split("/")) {
            if (component.startsWith(".")) throw invalid(field, "must not have a component starting with '.'");
            if (component.endsWith(".lock")) throw invalid(field, "must not have a component ending with '.lock'");
        }
        return b;
    }

    /** Null or blank is null; anything else must be a valid branch name. */
    public static String optional(String field, String raw) {
        return raw == null || raw.isBlank() ? null : require(field, raw);
    }

    private static ValidationException invalid(String field, String problem) {
        return new ValidationException(field, "is not a valid git branch name: " + problem);
    }
}
