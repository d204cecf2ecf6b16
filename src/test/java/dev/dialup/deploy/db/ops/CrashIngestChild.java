package dev.dialup.deploy.db.ops;

import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_USAGE;

import dev.dialup.deploy.db.DialupDatabase;
import java.nio.file.Path;
import org.jooq.InsertValuesStep4;
import dev.dialup.deploy.db.generated.tables.records.SiteResourceUsageRecord;

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
        try (DialupDatabase db = DialupDatabase.builder().path(file).beforeMigrate(null).build()) {
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
     * number in one transaction. Repoint it at the usage repository's batch ingest when that
     * owns the physical layout.
     */
    static void ingestBatch(DialupDatabase db, long siteId, int batch) {
        db.writeVoid(tx -> {
            InsertValuesStep4<SiteResourceUsageRecord, Long, Integer, Float, Float> insert = tx.insertInto(SITE_RESOURCE_USAGE,
                    SITE_RESOURCE_USAGE.SITE_ID, SITE_RESOURCE_USAGE.ACTIVE_REQUESTS, SITE_RESOURCE_USAGE.RESPONSE_TIME_MS,
                    SITE_RESOURCE_USAGE.MEMORY_MB);
            for (int i = 0; i < BATCH_ROWS; i++) {
                insert = insert.values(siteId, batch, (float) i, 64f + i);
            }
            insert.execute();
        });
    }
}
