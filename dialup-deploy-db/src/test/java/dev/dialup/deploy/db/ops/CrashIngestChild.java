package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link CrashSafetyTest}: ingests usage in batches, one write transaction
 * per batch, and prints {@code COMMITTED <batch>} after each commit returns, until killed.
 * Args: database file, site id, first batch number.
 */
public final class CrashIngestChild {
    static final int BATCH_ROWS = 400;

    private CrashIngestChild() {}

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Path file = Path.of(args[0]);
        long siteId = Long.parseLong(args[1]);
        int batch = Integer.parseInt(args[2]);
        try (DialupDatabase db = DialupDatabase.builder()
                .path(file)
                .beforeMigrate(null)
                .allowSystemScope()
                .build()) {
            while (true) {
                ingestBatch(db, siteId, batch);
                System.out.println("COMMITTED " + batch);
                System.out.flush();
                batch++;
            }
        }
    }

    /**
     * The one place the child writes usage: {@code BATCH_ROWS} samples tagged with the batch
     * number, through the usage repository's batch ingest (one transaction).
     */
    static void ingestBatch(DialupDatabase db, long siteId, int batch) {
        List<UsageSample> samples = new ArrayList<>(BATCH_ROWS);
        for (int i = 0; i < BATCH_ROWS; i++) {
            // one second per sample, batch after batch; activeRequests carries the batch number
            Instant at = Instant.ofEpochSecond(1_700_000_000L + (long) batch * BATCH_ROWS + i);
            samples.add(new UsageSample(siteId, at, 64.0 + i, null, null, null, batch, (double) i));
        }
        new UsageRepository(db).recordBatch(db.systemScope("crash-test-ingest"), samples);
    }
}
