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

    public IncompatibleDatabaseException(Reason reason, Path path, String detail) {
        super("Refusing to open " + path + ": " + detail + " (the file was left unchanged)");
        this.reason = reason;
        this.path = path;
    }

    public Reason reason() {
        return reason;
    }

    public Path path() {
        return path;
    }
}
