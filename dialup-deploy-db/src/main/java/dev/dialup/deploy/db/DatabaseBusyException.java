package dev.dialup.deploy.db;

import java.time.Duration;

/**
 * Another connection (usually another process) held SQLite's write lock for longer than this
 * library was willing to wait. Nothing was written; retrying later is safe.
 */
public class DatabaseBusyException extends DialupDataException {
    private final Duration waited;

    public DatabaseBusyException(String message, Duration waited, Throwable cause) {
        super(message, cause);
        this.waited = waited;
    }

    /** How long the call waited for the lock before giving up. */
    public Duration waited() {
        return waited;
    }
}
