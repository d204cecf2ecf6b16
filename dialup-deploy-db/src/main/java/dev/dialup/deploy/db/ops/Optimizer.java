package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FileOps;
import dev.dialup.deploy.db.engine.registry.Engines;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Routine upkeep on the writer connection: {@code PRAGMA optimize} (refreshes planner
 * statistics where they went stale), an incremental vacuum (returns pages freed by pruning
 * to the file system), and a {@code wal_checkpoint(TRUNCATE)} (folds the WAL into the file
 * and shrinks it to zero). Takes the write lock briefly; readers go on.
 */
public final class Optimizer {

    /**
     * @param checkpointBusy true when a reader kept the checkpoint from finishing (run it again later)
     */
    public record Report(
            long fileBytesBefore,
            long fileBytesAfter,
            long walBytesBefore,
            long walBytesAfter,
            long freePagesBefore,
            long freePagesAfter,
            String autoVacuum,
            boolean checkpointBusy,
            Duration took) {}

    private Optimizer() {}

    public static Report optimize(DialupDatabase db) {
        Path file = db.path(); // null on PostgreSQL: no file sizes to report
        Path wal = file == null ? null : FileOps.sidecar(file, "-wal");
        long start = System.nanoTime();
        long fileBefore = sizeOrZero(file);
        long walBefore = sizeOrZero(wal);
        DatabaseEngine engine = Engines.forDialect(db.readDsl().dialect());
        return db.withWriterConnection(c -> {
            DatabaseEngine.OptimizeResult r = engine.optimize(c);
            return new Report(
                    fileBefore,
                    sizeOrZero(file),
                    walBefore,
                    sizeOrZero(wal),
                    r.freePagesBefore(),
                    r.freePagesAfter(),
                    r.autoVacuum(),
                    r.checkpointBusy(),
                    Duration.ofNanos(System.nanoTime() - start));
        });
    }

    private static long sizeOrZero(Path file) {
        return file == null ? 0 : FileOps.sizeOrZero(file);
    }
}
