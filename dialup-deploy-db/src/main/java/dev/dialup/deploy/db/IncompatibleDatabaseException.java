package dev.dialup.deploy.db;

import java.nio.file.Path;

/**
 * The file cannot be opened by this library: it is not SQLite, its schema is newer than
 * this library, or it holds tables this library does not recognise. The file was not
 * changed. Raised at start-up: the service should fail to start (HTTP 500 if ever mapped).
 */
public final class IncompatibleDatabaseException extends DialupDataException {
    public enum Reason {
        NOT_SQLITE,
        NEWER_SCHEMA,
        UNRECOGNISED_SCHEMA
    }

    private final Reason reason;
    private final Path path;
    private final String location;

    public IncompatibleDatabaseException(Reason reason, Path path, String detail) {
        this(reason, path, String.valueOf(path), detail);
    }

    /** For a database that is not a file: {@code location} is its URL without credentials. */
    public IncompatibleDatabaseException(Reason reason, String location, String detail) {
        this(reason, null, location, detail);
    }

    private IncompatibleDatabaseException(Reason reason, Path path, String location, String detail) {
        super("Refusing to open " + location + ": " + detail + " (" + (path == null ? "the database" : "the file")
                + " was left unchanged)");
        this.reason = reason;
        this.path = path;
        this.location = location;
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
}
