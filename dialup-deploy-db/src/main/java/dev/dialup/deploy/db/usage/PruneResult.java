package dev.dialup.deploy.db.usage;

import java.time.Instant;
import java.time.LocalDate;

/**
 * What a prune removed: raw samples older than {@code rawCutoff} and daily rows dated before
 * {@code dailyCutoff}, in {@code transactions} small write transactions; {@code longestTransactionMillis}
 * is the longest time the writer was held (what concurrent ingest could have waited).
 */
public record PruneResult(
        Instant rawCutoff,
        long samplesDeleted,
        LocalDate dailyCutoff,
        long dailyRowsDeleted,
        int transactions,
        long longestTransactionMillis) {}
