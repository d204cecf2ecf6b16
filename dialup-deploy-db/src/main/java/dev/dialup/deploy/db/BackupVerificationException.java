package dev.dialup.deploy.db;

import java.nio.file.Path;
import java.util.List;

/** A backup (just written, or about to be restored) failed verification; nothing was replaced. HTTP 500 if ever mapped (operations). */
public final class BackupVerificationException extends DialupDataException {
    private final Path file;
    private final List<String> problems;

    public BackupVerificationException(Path file, List<String> problems) {
        super("Backup " + file + " failed verification: " + String.join("; ", problems));
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    public Path file() {
        return file;
    }

    public List<String> problems() {
        return problems;
    }
}
