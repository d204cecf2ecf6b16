package dev.dialup.deploy.db;

import java.nio.file.Path;

/**
 * The calling thread was interrupted while it waited for the database; the call did nothing.
 * The thread's interrupt flag is set again before this is thrown, so the caller's own
 * cancellation logic still sees it. Services map it to HTTP 503.
 */
public final class OperationInterruptedException extends DialupDataException {
    private final Path path;
    private final String location;

    public OperationInterruptedException(Path path, Throwable cause) {
        this(path, String.valueOf(path), cause);
    }

    /** For a database that is not a file: {@code location} is its URL without credentials. */
    public OperationInterruptedException(String location, Throwable cause) {
        this(null, location, cause);
    }

    private OperationInterruptedException(Path path, String location, Throwable cause) {
        super("Interrupted while waiting for database " + location + "; nothing was written", cause);
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
