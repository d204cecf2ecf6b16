package dev.dialup.deploy.db;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The database stayed busy longer than this call was allowed to wait; the call did nothing
 * (a write was rolled back). Safe to retry later. Services map it to HTTP 503.
 */
public final class DatabaseBusyException extends DialupDataException {
    public enum Reason {
        /** Other threads of this process held the single writer for longer than {@code writeWait}. */
        WRITER_QUEUE,
        /** The reader pool had no free connection within {@code writeWait}. */
        READER_POOL,
        /** Another connection (usually another process) held the lock (SQLite's file lock, a PostgreSQL row or table lock) past the busy timeout. */
        FILE_LOCKED,
        /**
         * Writers on other connections kept conflicting with this write transaction (PostgreSQL
         * serialization failures or deadlocks) through every retry the library made.
         */
        WRITE_CONFLICTS
    }

    private final Reason reason;
    private final Path path;
    private final String location;
    private final Duration waited;

    public DatabaseBusyException(Reason reason, Path path, Duration waited, Throwable cause) {
        this(reason, path, String.valueOf(path), waited, cause);
    }

    /** For a database that is not a file: {@code location} is its URL without credentials. */
    public DatabaseBusyException(Reason reason, String location, Duration waited, Throwable cause) {
        this(reason, null, location, waited, cause);
    }

    private DatabaseBusyException(Reason reason, Path path, String location, Duration waited, Throwable cause) {
        super(
                "Database " + location + " is busy (" + reason + "): gave up after waiting " + waited.toMillis()
                        + " ms; nothing was written, retry later",
                cause);
        this.reason = reason;
        this.path = path;
        this.location = location;
        this.waited = waited;
    }

    public Reason reason() {
        return reason;
    }

    /** The database file, or null when the database is not a file (PostgreSQL: see {@link #location()}). */
    public Path path() {
        return path;
    }

    /** Where the database is: the file, or a PostgreSQL URL without credentials or parameters. */
    public String location() {
        return location;
    }

    /** How long the call waited before giving up. */
    public Duration waited() {
        return waited;
    }
}
