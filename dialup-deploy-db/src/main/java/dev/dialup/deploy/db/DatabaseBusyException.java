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
        /** Another connection (usually another process) held SQLite's lock past the busy timeout. */
        FILE_LOCKED
    }

    private final Reason reason;
    private final Path path;
    private final Duration waited;

    public DatabaseBusyException(Reason reason, Path path, Duration waited, Throwable cause) {
        super(
                "Database " + path + " is busy (" + reason + "): gave up after waiting " + waited.toMillis()
                        + " ms; nothing was written, retry later",
                cause);
        this.reason = reason;
        this.path = path;
        this.waited = waited;
    }

    public Reason reason() {
        return reason;
    }

    public Path path() {
        return path;
    }

    /** How long the call waited before giving up. */
    public Duration waited() {
        return waited;
    }
}
