package dev.dialup.deploy.db.engine.sqlite;

import dev.dialup.deploy.db.StorageException;
import dev.dialup.deploy.db.StorageException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Turns storage failures into {@link StorageException}s that say what happened, and notices
 * a database file that vanished under an open database: in WAL mode SQLite keeps writing to
 * the unlinked file without complaint, so every commit after that would be silently lost.
 */
public final class StorageGuard {
    private StorageGuard() {}

    /** Identity of the file (device and inode on Unix), or null when the platform has none. */
    public static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Throws unless {@code file} still exists and is the same file that was opened (one stat call). */
    public static void requireFileInPlace(Path file, Object openedKey) {
        Object now;
        try {
            now = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            throw new StorageException(
                    Reason.FILE_MISSING,
                    file,
                    "the database file or its directory was deleted while the database was open; nothing was written."
                            + " Close the database and restore the latest backup",
                    e);
        } catch (IOException e) {
            throw new StorageException(Reason.IO_ERROR, file, "cannot stat the database file: " + e.getMessage(), e);
        }
        if (openedKey != null && !openedKey.equals(now)) {
            throw new StorageException(
                    Reason.FILE_MISSING,
                    file,
                    "the database file was replaced by another file while the database was open; nothing was written."
                            + " Close and reopen the database",
                    null);
        }
    }

    /**
     * The {@link StorageException} for a storage-level SQLite error anywhere in {@code e}'s
     * causes, or {@code e} itself for anything else (constraint violations stay as they are).
     */
    public static RuntimeException translate(Path file, RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                Reason reason = switch (sql.getErrorCode() & 0xff) {
                    case 13 -> Reason.DISK_FULL; // SQLITE_FULL
                    case 10 -> Reason.IO_ERROR; // SQLITE_IOERR
                    case 8, 14 -> Reason.NOT_WRITABLE; // SQLITE_READONLY, SQLITE_CANTOPEN
                    case 11, 26 -> Reason.CORRUPT; // SQLITE_CORRUPT, SQLITE_NOTADB
                    default -> null;
                };
                if (reason == null) {
                    return e;
                }
                String advice = switch (reason) {
                    case DISK_FULL ->
                        "no room to write (disk full or size cap reached); the transaction was rolled back and"
                                + " earlier commits are intact. Free disk space, then retry";
                    case IO_ERROR ->
                        "the operating system reported an I/O error; the transaction was rolled back."
                                + " Check the disk, then run 'verify'";
                    case NOT_WRITABLE ->
                        missingPermission(file, true)
                                        .map(p -> p.detail)
                                        .orElse("the database file or its directory cannot be written")
                                + "; the transaction was rolled back";
                    case CORRUPT -> "the database file is damaged; run 'verify' and restore the latest backup";
                    case FILE_MISSING -> "the database file is gone";
                    case NOT_READABLE -> "the database file or its directory cannot be read";
                    case DIRECTORY_MISSING -> "the directory of the database does not exist";
                    case SERVER_UNAVAILABLE -> "the database server is unavailable"; // PostgreSQL only
                };
                return new StorageException(reason, file, advice + " [" + sql.getMessage() + "]", e);
            }
        }
        return e;
    }

    private record Missing(Reason reason, Path where, String detail) {}

    /**
     * The permission this process lacks to open {@code file} (and, with {@code write}, to write
     * it), as a {@link StorageException} naming the path and the permission; empty when the
     * permissions look fine (the failure has another cause). In WAL mode SQLite creates
     * {@code -wal} and {@code -shm} beside the file, even to read it, so the directory must be
     * writable unless they already exist and are writable.
     */
    public static Optional<StorageException> permissionProblem(Path file, boolean write) {
        return missingPermission(file, write).map(m -> new StorageException(m.reason, m.where, m.detail, null));
    }

    private static Optional<Missing> missingPermission(Path file, boolean write) {
        Path abs = file.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return Optional.empty();
        }
        if (!Files.isExecutable(dir)) {
            return Optional.of(new Missing(
                    Reason.NOT_READABLE,
                    dir,
                    "permission denied: no search (x) permission on the directory " + dir + " of "
                            + abs.getFileName()));
        }
        if (Files.exists(abs) && !Files.isReadable(abs)) {
            return Optional.of(
                    new Missing(Reason.NOT_READABLE, abs, "permission denied: no read (r) permission on " + abs));
        }
        if (write && Files.exists(abs) && !Files.isWritable(abs)) {
            return Optional.of(
                    new Missing(Reason.NOT_WRITABLE, abs, "permission denied: no write (w) permission on " + abs));
        }
        Path wal = abs.resolveSibling(abs.getFileName() + "-wal");
        Path shm = abs.resolveSibling(abs.getFileName() + "-shm");
        boolean sidecarsUsable = Files.isWritable(shm) && (Files.isWritable(wal) || !write);
        if (!Files.isWritable(dir) && (!Files.exists(abs) || !sidecarsUsable)) {
            return Optional.of(new Missing(
                    Reason.NOT_WRITABLE,
                    dir,
                    "permission denied: no write (w) permission on the directory "
                            + dir + " (SQLite creates " + wal.getFileName() + " and " + shm.getFileName()
                            + " there, even to read the database)"));
        }
        return Optional.empty();
    }
}
