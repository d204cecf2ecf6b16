package dev.dialup.deploy.db.usage;

import dev.dialup.deploy.db.ValidationException;
import java.time.Instant;
import java.time.LocalDate;

/** Validation of the time arguments every usage query and maintenance call takes (docs/usage.md, "Queries"). */
final class UsageInputs {
    /** Seconds in a UTC day. */
    static final long DAY = 86_400;

    private UsageInputs() {}

    static void requireInstant(String name, Instant v) {
        if (v == null) throw new ValidationException(name, "is required");
        if (v.isBefore(UsageRepository.MIN_QUERY_INSTANT) || v.isAfter(UsageRepository.MAX_QUERY_INSTANT)) {
            throw new ValidationException(
                    name,
                    "must be between " + UsageRepository.MIN_QUERY_INSTANT + " and 9999-12-31T23:59:59Z, got " + v);
        }
    }

    static void requireDate(String name, LocalDate v) {
        if (v == null) throw new ValidationException(name, "is required");
        if (v.getYear() < 1 || v.getYear() > 9999) {
            throw new ValidationException(name, "must be between 0001-01-01 and 9999-12-31, got " + v);
        }
    }

    /** {@code [from, to)} in instants as {@code [ceil(from), ceil(to))} in whole seconds. */
    static SecondsRange secondsRange(Instant from, Instant to) {
        requireInstant("from", from);
        requireInstant("to", to);
        if (to.isBefore(from)) throw new ValidationException("to", "must not be before from");
        return new SecondsRange(Math.ceilDiv(from.toEpochMilli(), 1000L), Math.ceilDiv(to.toEpochMilli(), 1000L));
    }

    /** Whole seconds {@code [from, to)}. */
    record SecondsRange(long from, long to) {}
}
