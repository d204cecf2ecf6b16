package dev.dialup.deploy.db.engine;

import dev.dialup.deploy.db.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Durable file steps: fsync, atomic publish, checksums, copies with progress. */
public final class FileOps {
    private static final int CHUNK = 1 << 20;

    private FileOps() {}

    public static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Makes a rename or delete in {@code dir} durable. Some platforms cannot open directories; then it is a no-op. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Directory fsync is unsupported on some platforms (Windows); the rename itself is still atomic.
        }
    }

    /** Writes {@code content} to a temp file, fsyncs it and renames it over {@code target} atomically. */
    public static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        PrivateFiles.restrict(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public static String sha256(Path file, Progress progress, String step) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        long total = Files.size(file);
        long done = 0;
        byte[] buf = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
                done += n;
                progress.update(step, done, total);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Copies {@code from} to a new file {@code to}, reporting progress, and fsyncs it. */
    public static void copy(Path from, Path to, Progress progress, String step) throws IOException {
        long total = Files.size(from);
        long done = 0;
        byte[] buf = new byte[CHUNK];
        if (!PrivateFiles.createFile(to)) {
            throw new java.nio.file.FileAlreadyExistsException(to.toString());
        }
        try (InputStream in = Files.newInputStream(from);
                OutputStream out = Files.newOutputStream(to, StandardOpenOption.WRITE)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                done += n;
                progress.update(step, done, total);
            }
        }
        fsync(to);
    }

    public static long sizeOrZero(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    public static Path sidecar(Path dbFile, String suffix) {
        return dbFile.resolveSibling(dbFile.getFileName() + suffix);
    }
}
