package dev.dialup.deploy.db.backup;

import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.engine.FileOps;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of a backup directory, shared by the SQLite backups ({@code *.db}) and the PostgreSQL
 * dumps ({@code *.dump}): listing, the backups that have a manifest, and pruning to the newest N.
 * Names start with a sortable UTC time stamp after the database's name, so name order is age order.
 */
final class BackupFiles {
    private static final Logger log = LoggerFactory.getLogger(BackupFiles.class);

    private BackupFiles() {}

    /** The files in {@code directory} matching {@code glob} (none when the directory does not exist). */
    static List<Path> list(Path directory, String glob) {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return files;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, glob)) {
            ds.forEach(files::add);
        } catch (IOException e) {
            throw new DialupDataException("Cannot list backups in " + directory + ": " + e.getMessage(), e);
        }
        return files;
    }

    /** The backups among {@code files} that have a manifest, newest first. */
    static List<Backup> withManifests(List<Path> files) {
        List<Backup> out = new ArrayList<>();
        for (Path file : files) {
            Path manifest = BackupManifest.pathFor(file);
            if (Files.exists(manifest)) {
                out.add(new Backup(file, manifest, BackupManifest.read(manifest)));
            }
        }
        out.sort(Comparator.comparing((Backup b) -> b.file().getFileName().toString())
                .reversed());
        return out;
    }

    /** Deletes the files among {@code files} that {@code same} accepts beyond the newest {@code keep}, with their manifests. */
    static void prune(Path directory, List<Path> files, Predicate<String> same, int keep) throws IOException {
        List<Path> ours = new ArrayList<>();
        for (Path p : files) {
            if (same.test(p.getFileName().toString())) ours.add(p);
        }
        ours.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
        for (Path old : ours.subList(Math.min(keep, ours.size()), ours.size())) {
            Files.deleteIfExists(BackupManifest.pathFor(old));
            Files.deleteIfExists(old);
            log.info("Removed old backup {}", old);
        }
        FileOps.fsyncDirectory(directory);
    }
}
