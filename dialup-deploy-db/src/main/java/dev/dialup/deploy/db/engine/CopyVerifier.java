package dev.dialup.deploy.db.engine;

import dev.dialup.deploy.db.BackupVerificationException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The one check of a database copy, shared by {@code BackupService} (a fresh snapshot before it
 * is published) and {@code RestoreService} (a backup before it replaces a database): the
 * engine's integrity check, the file's shape and schema version, and the row count of every table.
 * Read-only; the copy is never changed.
 */
public final class CopyVerifier {
    /** At most this many integrity problems are reported. */
    public static final int MAX_PROBLEMS = 10;

    /** What a sound copy holds. */
    public record Verified(FileShape shape, Map<String, Long> rowCounts) {
        public String schemaVersion() {
            return shape.version();
        }
    }

    private CopyVerifier() {}

    /**
     * @throws BackupVerificationException when the copy is damaged or not readable as a database
     */
    public static Verified verify(DatabaseEngine engine, Path copy) {
        try (Connection c = engine.inspectionDataSource(copy).getConnection()) {
            List<String> integrity = engine.integrityCheck(c, MAX_PROBLEMS);
            if (!integrity.equals(List.of("ok"))) {
                throw new BackupVerificationException(copy, integrity);
            }
            return new Verified(engine.classify(c), engine.tableRowCounts(c));
        } catch (SQLException e) {
            throw new BackupVerificationException(copy, List.of("not a readable database: " + e.getMessage()));
        }
    }
}
