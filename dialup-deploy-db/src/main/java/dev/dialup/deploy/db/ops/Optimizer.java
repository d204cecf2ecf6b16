package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.core.DialupDatabase;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Routine upkeep on the writer connection: {@code PRAGMA optimize} (refreshes planner
 * statistics where they went stale), an incremental vacuum (returns pages freed by pruning
 * to the file system), and a {@code wal_checkpoint(TRUNCATE)} (folds the WAL into the file
 * and shrinks it to zero). Takes the write lock briefly; readers go on.
 */
public final class Optimizer {
    private static final String[] AUTO_VACUUM = {"none", "full", "incremental"};

    /**
     * @param checkpointBusy true when a reader kept the checkpoint from finishing (run it again later)
     */
    public record Report(long fileBytesBefore, long fileBytesAfter, long walBytesBefore, long walBytesAfter,
                         long freePagesBefore, long freePagesAfter, String autoVacuum, boolean checkpointBusy,
                         Duration took) {}

    private Optimizer() {}

    public static Report optimize(DialupDatabase db) {
        Path file = db.path();
        Path wal = FileOps.sidecar(file, "-wal");
        long start = System.nanoTime();
        long fileBefore = FileOps.sizeOrZero(file);
        long walBefore = FileOps.sizeOrZero(wal);
        return db.withWriterConnection(c -> {
            long freeBefore = SqliteOnly.pragmaLong(c, "freelist_count");
            long mode = SqliteOnly.pragmaLong(c, "auto_vacuum");
            SqliteOnly.optimize(c);
            if (mode == 2) {
                SqliteOnly.incrementalVacuum(c, 0);
            }
            SqliteOnly.Checkpoint cp = SqliteOnly.walCheckpointTruncate(c);
            long freeAfter = SqliteOnly.pragmaLong(c, "freelist_count");
            return new Report(fileBefore, FileOps.sizeOrZero(file), walBefore, FileOps.sizeOrZero(wal), freeBefore, freeAfter,
                    mode >= 0 && mode < AUTO_VACUUM.length ? AUTO_VACUUM[(int) mode] : String.valueOf(mode), cp.busy(),
                    Duration.ofNanos(System.nanoTime() - start));
        });
    }
}
