package dev.dialup.deploy.db.engine.postgresql;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.engine.JdbcUrls;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Where a PostgreSQL database is: a JDBC URL {@code jdbc:postgresql://host[:port][,host2[:port]]/database[?params]}.
 * Credentials come from the URL's {@code user}/{@code password} parameters, else from the usual
 * environment ({@code PGUSER}, {@code PGPASSWORD}), else from the password file ({@code PGPASSFILE} or
 * {@code ~/.pgpass}, read by the driver). They are kept only in the data sources this class builds:
 * {@link #toString()} and {@link #redacted()} show {@code postgresql://host:port/database} and nothing else,
 * so no message, log line or exception of the library can carry them.
 */
public final class PostgresLocation {
    private static final Pattern URL = Pattern.compile("jdbc:postgresql://([^/?#]+)/([^?#]+)(\\?[^#]*)?");

    private final String url;
    private final String hosts;
    private final String database;
    private final Map<String, String> environment;

    private PostgresLocation(String url, String hosts, String database, Map<String, String> environment) {
        this.url = url;
        this.hosts = hosts;
        this.database = database;
        this.environment = environment;
    }

    /** True when {@code location} names a PostgreSQL database (starts with {@code jdbc:postgresql:}; everything else is an SQLite file). */
    public static boolean isPostgresUrl(String location) {
        return JdbcUrls.isPostgres(location);
    }

    /**
     * Parses a JDBC URL; {@code ValidationException} (without the URL's text, which may hold a
     * password) when it is not {@code jdbc:postgresql://host[:port]/database[?params]}.
     */
    public static PostgresLocation parse(String url) {
        return parse(url, System.getenv());
    }

    static PostgresLocation parse(String url, Map<String, String> environment) {
        Objects.requireNonNull(url, "url");
        Matcher m = URL.matcher(url.trim());
        if (!m.matches()) {
            throw new ValidationException(
                    "database",
                    "URL must look like jdbc:postgresql://host[:port]/database[?user=...]"
                            + " (the URL given is not repeated here: it may hold a password)");
        }
        String hosts = m.group(1);
        int at = hosts.lastIndexOf('@');
        if (at >= 0) {
            // user:password@host is libpq's URI form; pgjdbc does not accept it, and echoing it would leak.
            throw new ValidationException(
                    "database",
                    "URL must not hold user:password@ before the host: use ?user=... , PGUSER/PGPASSWORD"
                            + " or a password file (the URL given is not repeated here)");
        }
        return new PostgresLocation(url.trim(), hosts, m.group(2), Map.copyOf(environment));
    }

    /** {@code postgresql://host:port/database}: no credentials, no parameters. Safe in logs and messages. */
    public String redacted() {
        return "postgresql://" + hosts.toLowerCase(Locale.ROOT) + "/" + database;
    }

    /** The database name. */
    public String database() {
        return database;
    }

    /**
     * A data source for this database. {@code readOnly}: connections start read-only transactions.
     * {@code lockTimeoutMillis > 0}: a statement that waits longer than that for a lock fails with
     * SQL state 55P03 (the library's {@code DatabaseBusyException}); it is sent as a startup option
     * (see docs/OPERATIONS.md for connection poolers that drop startup options).
     */
    public PGSimpleDataSource dataSource(String applicationName, boolean readOnly, long lockTimeoutMillis) {
        // Credentials from the URL, else PGUSER/PGPASSWORD, else the driver's password file; DETAIL lines off.
        PGSimpleDataSource ds = JdbcUrls.postgresDataSource(url, environment);
        ds.setApplicationName(applicationName);
        ds.setReadOnly(readOnly);
        if (lockTimeoutMillis > 0 && (ds.getOptions() == null || ds.getOptions().isEmpty())) {
            ds.setOptions("-c lock_timeout=" + lockTimeoutMillis);
        }
        return ds;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PostgresLocation other && other.url.equals(url);
    }

    @Override
    public int hashCode() {
        return url.hashCode();
    }

    /** {@link #redacted()}: never the credentials. */
    @Override
    public String toString() {
        return redacted();
    }
}
