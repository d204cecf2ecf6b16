package dev.dialup.deploy.db;

import java.nio.file.Path;

/**
 * The {@code DialupDatabase} was closed: the call did nothing. Threads that were waiting for
 * the writer when {@code DialupDatabase#close()} ran get this at once instead of waiting out
 * their timeout. Services map it to HTTP 503 (the service is shutting down).
 */
public final class DatabaseClosedException extends DialupDataException {
    private final Path path;
    private final String location;

    public DatabaseClosedException(Path path, Throwable cause) {
        this(path, String.valueOf(path), cause);
    }

    /** For a database that is not a file: {@code location} is its URL without credentials. */
    public DatabaseClosedException(String location, Throwable cause) {
        this(null, location, cause);
    }

    private DatabaseClosedException(Path path, String location, Throwable cause) {
        super("Database " + location + " is closed; nothing was read or written", cause);
        this.path = path;
        this.location = location;
    }

    /** The database file, or null when the database is not a file (PostgreSQL: see {@link #location()}). */
    public Path path() {
        return path;
    }

    /** Where the database is: the file, or a PostgreSQL URL without credentials or parameters. */
    public String location() {
        return location;
    }
}
