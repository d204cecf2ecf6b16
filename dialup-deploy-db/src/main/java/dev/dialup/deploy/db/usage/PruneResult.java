package dev.dialup.deploy.db.usage;

import java.time.Instant;
import java.time.LocalDate;

/**
 * What a prune removed: raw samples older than {@code rawCutoff} and daily rows dated before
 * {@code dailyCutoff}, in {@code transactions} small write transactions; {@code longestTransactionMillis}
 * is the longest time the writer was held (what concurrent ingest could have waited). On PostgreSQL
 * {@code samplesDeleted} is exact for a removed day partition of up to 100,000 rows and PostgreSQL's statistics
 * count ({@code pg_class.reltuples}) for a larger one (docs/usage.md, "Retention on PostgreSQL").
 */
public record PruneResult(
        Instant rawCutoff,
        long samplesDeleted,
        LocalDate dailyCutoff,
        long dailyRowsDeleted,
        int transactions,
        long longestTransactionMillis) {}
