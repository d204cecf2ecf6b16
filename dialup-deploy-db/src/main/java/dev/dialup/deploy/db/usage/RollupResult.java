package dev.dialup.deploy.db.usage;

import java.time.LocalDate;
import java.util.List;

/**
 * What a rollup wrote: the day, how many site rows, from how many samples, and the sites whose
 * row could not be written (each keeps its previous row; the other sites are not affected).
 */
public record RollupResult(LocalDate day, int sites, long samples, List<SiteFailure> failures) {
    public RollupResult {
        failures = List.copyOf(failures);
    }

    /** A rollup with no failures. */
    public RollupResult(LocalDate day, int sites, long samples) {
        this(day, sites, samples, List.of());
    }

    /** One site whose daily row was not written, and why (the database's message). */
    public record SiteFailure(long siteId, String reason) {}
}
