package dev.dialup.deploy.db.usage;

/** A site above one of its limits: what was observed and what is allowed, in the limit's unit. */
public record OverLimit(long siteId, UsageDimension dimension, double observed, long limit) {}
