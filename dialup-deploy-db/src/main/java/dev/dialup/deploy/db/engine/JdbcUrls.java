package dev.dialup.deploy.db.engine;

import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.Driver;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * JDBC URLs of a PostgreSQL database ({@code jdbc:postgresql://host:port/db?...}): recognising them, reading their
 * parts, and showing them without credentials. Every message, log line and CLI output that names a URL goes through
 * {@link #redact(String)}: a password, a user name or any other credential in the URL is never printed.
 */
public final class JdbcUrls {
    /** The prefix of every PostgreSQL JDBC URL. */
    public static final String POSTGRES_PREFIX = "jdbc:postgresql:";

    private static final String HIDDEN = "***";
    /** {@code //user:password@} or {@code //user@} (pgjdbc ignores it, but an operator may still type it). */
    private static final Pattern USER_INFO = Pattern.compile("(//)[^/@?#]*@");
    /** Query parameters whose values are credentials or name who connects. */
    private static final Pattern SECRET_PARAM =
            Pattern.compile("(?i)([?&;](?:[^=&;]*(?:password|passwd|pwd|user|secret|token|sslkey)[^=&;]*)=)[^&;#]*");

    private JdbcUrls() {}

    /** Whether {@code location} is a PostgreSQL JDBC URL (rather than a database file). */
    public static boolean isPostgres(String location) {
        return location != null && location.regionMatches(true, 0, POSTGRES_PREFIX, 0, POSTGRES_PREFIX.length());
    }

    /**
     * {@code url} with every credential replaced by {@code ***}: user info before the host, and the values of
     * {@code user}, {@code password}, {@code sslpassword}, {@code sslkey} and any parameter whose name contains
     * password, user, secret or token. Anything else (a file path) is returned as it is.
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        if (!url.toLowerCase(Locale.ROOT).startsWith("jdbc:")) {
            return url;
        }
        String out = USER_INFO.matcher(url).replaceAll("$1" + HIDDEN + "@");
        Matcher m = SECRET_PARAM.matcher(out);
        return m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + HIDDEN));
    }

    /**
     * The connection properties pgjdbc reads from {@code url} ({@code PGHOST}, {@code PGPORT}, {@code PGDBNAME},
     * {@code user}, {@code password}, {@code sslmode}, ...), URL-decoded. Never print the result.
     *
     * @throws IllegalArgumentException when {@code url} is not a PostgreSQL JDBC URL pgjdbc can parse (the message
     *     shows the URL redacted)
     */
    public static Properties postgresProperties(String url) {
        Properties p = isPostgres(url) ? Driver.parseURL(url, new Properties()) : null;
        if (p == null) {
            throw new IllegalArgumentException(
                    "Not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database): " + redact(url));
        }
        return p;
    }

    /**
     * A plain, non-pooling DataSource for {@code url} (operations commands: move, backup, restore). Credentials come
     * from the URL; when it has none, from the {@code PGUSER} / {@code PGPASSWORD} environment variables; else from
     * pgjdbc's own sources (the password file {@code ~/.pgpass} or {@code PGPASSFILE}).
     */
    public static PGSimpleDataSource postgresDataSource(String url) {
        return postgresDataSource(url, System.getenv());
    }

    /** {@link #postgresDataSource(String)} with {@code environment} in place of the process environment (tests). */
    public static PGSimpleDataSource postgresDataSource(String url, java.util.Map<String, String> environment) {
        postgresProperties(url); // refuses anything that is not a PostgreSQL URL, with the URL redacted
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        String password = environment.get("PGPASSWORD");
        if ((ds.getPassword() == null || ds.getPassword().isEmpty()) && password != null && !password.isEmpty()) {
            ds.setPassword(password);
        }
        String user = environment.get("PGUSER");
        if ((ds.getUser() == null || ds.getUser().isEmpty()) && user != null && !user.isEmpty()) {
            ds.setUser(user);
        }
        ds.setApplicationName("dialup-deploy-db");
        // The server's DETAIL line ("Key (email)=(...)") holds row values: keep it out of exception messages.
        ds.setLogServerErrorDetail(false);
        return ds;
    }
}
