package dev.dialup.deploy.db;

import java.nio.file.Path;

/**
 * The storage under the database failed: the disk (or the configured size cap) is full, the
 * file or its directory vanished, or the file system refused a write. The transaction that
 * hit it was rolled back; everything committed before is intact (see docs/OPERATIONS.md).
 * Services map it to HTTP 507 (or 503).
 */
public final class StorageException extends DialupDataException {
    public enum Reason {
        /** SQLITE_FULL: no room on the disk or past {@code max_page_count}. */
        DISK_FULL,
        /** The database file (or its directory) was deleted, moved or replaced while open. */
        FILE_MISSING,
        /** SQLITE_READONLY / SQLITE_CANTOPEN: the file or directory cannot be written (permission named in the message). */
        NOT_WRITABLE,
        /** The file or its directory cannot be read by this process (permission named in the message). */
        NOT_READABLE,
        /** The directory the database should live in does not exist and was not to be created. */
        DIRECTORY_MISSING,
        /** SQLITE_IOERR: the operating system reported an I/O error. */
        IO_ERROR,
        /** SQLITE_CORRUPT / SQLITE_NOTADB; PostgreSQL XX001 data_corrupted / XX002 index_corrupted. */
        CORRUPT,
        /**
         * PostgreSQL only: the server cannot be reached or lost the connection (SQLState class 08), is shutting
         * down or starting (57P01-57P03), or refused the work for lack of resources (53200 out of memory, 53300
         * too many connections, 53400 configuration limit). The transaction was not committed, except that the
         * outcome of a COMMIT cut off by a lost connection is unknown. Services map it to HTTP 503.
         */
        SERVER_UNAVAILABLE
    }

    private final Reason reason;
    private final Path path;
    private final String location;

    public StorageException(Reason reason, Path path, String detail, Throwable cause) {
        this(reason, path, String.valueOf(path), detail, cause);
    }

    /** For a database that is not a file: {@code location} is its URL without credentials. */
    public StorageException(Reason reason, String location, String detail, Throwable cause) {
        this(reason, null, location, detail, cause);
    }

    private StorageException(Reason reason, Path path, String location, String detail, Throwable cause) {
        super("Storage failure on " + location + " (" + reason + "): " + detail, cause);
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
