package dev.dialup.deploy.db;

import java.nio.file.Path;

/**
 * The calling thread was interrupted while it waited for the database; the call did nothing.
 * The thread's interrupt flag is set again before this is thrown, so the caller's own
 * cancellation logic still sees it. Services map it to HTTP 503.
 */
public final class OperationInterruptedException extends DialupDataException {
    private final Path path;

    public OperationInterruptedException(Path path, Throwable cause) {
        super("Interrupted while waiting for database " + path + "; nothing was written", cause);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
