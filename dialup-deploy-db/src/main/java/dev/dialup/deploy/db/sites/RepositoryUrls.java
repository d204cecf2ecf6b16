package dev.dialup.deploy.db.sites;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.Inputs;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Git repository URLs a site may be cloned from. Accepted: {@code https://host/path},
 * {@code ssh://[user@]host[:port]/path} and git's scp-like {@code [user@]host:path}. Refused:
 * every other scheme ({@code http://} and {@code git://} are unauthenticated and unencrypted;
 * {@code file://}, {@code ext::} and local paths reach the build host), and anything that
 * git or ssh could read as an option: a host, user or path starting with {@code -}
 * ({@code ssh://-oProxyCommand=…}). Rules in docs/tenancy.md.
 */
public final class RepositoryUrls {
    public static final int MAX_LENGTH = 2048;
    public static final Set<String> SCHEMES = Set.of("https", "ssh");
    private static final String FIELD = "repositoryUrl";
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)(://|::|:)");
    /** scp-like: no "://", an optional user, a host, ':' and a path (git reads it so when no '/' comes before the first ':'). */
    private static final Pattern SCP = Pattern.compile("^(?:([^@/:]+)@)?([^@/:]+):(.+)$");

    private static final Pattern HOST = Pattern.compile(
            "^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$");
    private static final Pattern USER = Pattern.compile("^[A-Za-z0-9._~-]+$");
    private static final String SHAPES = "must be an https://, ssh:// or user@host:path URL";

    private RepositoryUrls() {}

    /** Null or blank is null (no repository); otherwise the trimmed URL, or {@link ValidationException} on {@code repositoryUrl}. */
    public static String normalize(String raw) {
        String url = Inputs.optionalLine(FIELD, raw, MAX_LENGTH);
        if (url == null) return null;
        if (url.chars().anyMatch(Character::isWhitespace) || url.indexOf('\\') >= 0) {
            throw new ValidationException(FIELD, "must not contain spaces or backslashes");
        }
        if (url.startsWith("-")) {
            throw new ValidationException(FIELD, "must not start with '-' (git would read it as an option)");
        }
        Matcher scheme = SCHEME.matcher(url);
        if (scheme.find()) {
            if (scheme.group(2).equals("://"))
                return checkUrl(url, scheme.group(1).toLowerCase(Locale.ROOT));
            if (scheme.group(2).equals("::")) {
                throw new ValidationException(FIELD, SHAPES + " (remote helpers such as ext:: are refused)");
            }
        }
        Matcher scp = SCP.matcher(url);
        if (scp.matches()) {
            checkUser(scp.group(1));
            checkHost(scp.group(2));
            checkPath(scp.group(3));
            return url;
        }
        throw new ValidationException(FIELD, SHAPES);
    }

    private static String checkUrl(String url, String scheme) {
        if (!SCHEMES.contains(scheme)) {
            throw new ValidationException(
                    FIELD, SHAPES + " (the scheme " + scheme + ":// is not cloned by the platform)");
        }
        // The authority as git and ssh see it (before any URL parsing that could reject or reinterpret it).
        String afterScheme = url.substring(url.indexOf("://") + 3);
        int end = 0;
        while (end < afterScheme.length() && "/?#".indexOf(afterScheme.charAt(end)) < 0) end++;
        String authority = afterScheme.substring(0, end);
        if (authority.isEmpty()) {
            throw new ValidationException(FIELD, "needs a host");
        }
        int at = authority.lastIndexOf('@');
        String user = at >= 0 ? authority.substring(0, at) : null;
        String hostPort = at >= 0 ? authority.substring(at + 1) : authority;
        if (user != null) {
            int colon = user.indexOf(':');
            checkUser(colon >= 0 ? user.substring(0, colon) : user);
        }
        if (hostPort.startsWith("-")) {
            throw new ValidationException(FIELD, "host must not start with '-' (ssh would read it as an option)");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ValidationException(FIELD, "is not a valid URL");
        }
        if (uri.getHost() == null) {
            throw new ValidationException(FIELD, "has an invalid host");
        }
        checkHost(uri.getHost());
        String path = uri.getRawPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            throw new ValidationException(FIELD, "needs a repository path");
        }
        checkPath(path.substring(1));
        return url;
    }

    private static void checkUser(String user) {
        if (user == null) return;
        if (user.startsWith("-")) {
            throw new ValidationException(FIELD, "user must not start with '-' (ssh would read it as an option)");
        }
        if (!USER.matcher(user).matches()) {
            throw new ValidationException(FIELD, "has an invalid user name");
        }
    }

    private static void checkHost(String host) {
        if (host.startsWith("-")) {
            throw new ValidationException(FIELD, "host must not start with '-' (ssh would read it as an option)");
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!HOST.matcher(h).matches() && !h.matches("^[0-9A-Fa-f:.]+$")) {
            throw new ValidationException(FIELD, "has an invalid host");
        }
    }

    private static void checkPath(String path) {
        if (path.isEmpty()) {
            throw new ValidationException(FIELD, "needs a repository path");
        }
        if (path.startsWith("-")) {
            throw new ValidationException(FIELD, "path must not start with '-' (git would read it as an option)");
        }
    }
}
