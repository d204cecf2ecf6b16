package dev.dialup.deploy.db.engine;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Files that hold platform data (the database and its {@code -wal}/{@code -shm}, backups,
 * manifests, keysets) are private to their owner: created {@code 0600}, in directories
 * created {@code 0700}. On file systems without POSIX permissions (Windows) these are plain
 * creates and {@link #looseMode} reports nothing.
 *
 * <p>SQLite creates {@code -wal} and {@code -shm} itself, with the permissions of the main
 * database file, so a database file created here keeps its sidecars private too.
 */
public final class PrivateFiles {
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private PrivateFiles() {}

    static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Creates {@code dir} and any missing parents, each new one {@code 0700}; existing ones are left as they are. */
    public static Path createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return abs;
        }
        if (!posix(abs)) {
            return Files.createDirectories(abs);
        }
        FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(DIRECTORY);
        return Files.createDirectories(abs, attr);
    }

    /** Creates an empty file readable and writable by its owner only; false if it already existed (left unchanged). */
    public static boolean createFile(Path file) throws IOException {
        try {
            if (posix(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
                // The umask can only remove bits; set them exactly in case it removed owner bits.
                Files.setPosixFilePermissions(file, FILE);
            } else {
                Files.createFile(file);
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Makes an existing file {@code 0600} (no-op without POSIX permissions). */
    public static void restrict(Path file) throws IOException {
        if (posix(file)) {
            Files.setPosixFilePermissions(file, FILE);
        }
    }

    /**
     * The file's mode as {@code rw-r--r--} when group or others have any permission on it;
     * empty when it is private, missing, or the file system has no POSIX permissions.
     */
    public static Optional<String> looseMode(Path file) {
        if (!posix(file) || !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            for (PosixFilePermission p : perms) {
                if (GROUP_OR_OTHER.contains(p)) {
                    return Optional.of(PosixFilePermissions.toString(perms));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
