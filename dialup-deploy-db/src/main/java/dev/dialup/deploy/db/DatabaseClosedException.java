package dev.dialup.deploy.db;

import java.nio.file.Path;

/**
 * The {@code DialupDatabase} was closed: the call did nothing. Threads that were waiting for
 * the writer when {@code DialupDatabase#close()} ran get this at once instead of waiting out
 * their timeout. Services map it to HTTP 503 (the service is shutting down).
 */
public final class DatabaseClosedException extends DialupDataException {
    private final Path path;

    public DatabaseClosedException(Path path, Throwable cause) {
        super("Database " + path + " is closed; nothing was read or written", cause);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
