package dev.dialup.deploy.db.usage;

import java.time.LocalDate;

/** What a rollup wrote: the day, how many site rows, from how many samples. */
public record RollupResult(LocalDate day, int sites, long samples) {}
