package dev.dialup.deploy.db.usage;

import dev.dialup.deploy.db.ValidationException;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * The one fixed-point codec of usage values (V20; docs/usage.md, "Precision"): memory, CPU,
 * disk and response time are stored as integers in hundredths ({@link #LEVEL_SCALE}), bandwidth
 * in thousandths of a MB ({@link #BANDWIDTH_SCALE}), request counts as they are, timestamps in
 * whole seconds. A value that was not measured is stored as SQL NULL and travels as a Java
 * {@code null} ({@link StoredSample}); no marker value stands in for it. Nothing else in the
 * package multiplies or divides by a scale.
 */
final class FixedPoint {
    /** Memory (MB), CPU (%), disk (MB) and response time (ms) are stored in hundredths. */
    static final int LEVEL_SCALE = 100;
    /** Bandwidth (MB per interval) is stored in thousandths. */
    static final int BANDWIDTH_SCALE = 1000;
    /** Largest accepted measurement value (keeps fixed-point arithmetic far from overflow). */
    static final double MAX_VALUE = 1e12;

    private FixedPoint() {}

    /**
     * The stored form of a sample whose timestamp the caller has checked, validating every value
     * ({@link ValidationException} naming {@code where}, built only when a value is refused, and the field). The sub-second part of
     * the timestamp is dropped.
     */
    static StoredSample encode(Supplier<String> where, UsageSample x) {
        return new StoredSample(
                x.siteId(),
                x.timestamp().getEpochSecond(),
                encode(where, "memoryMb", x.memoryMb(), LEVEL_SCALE),
                encode(where, "cpuPercent", x.cpuPercent(), LEVEL_SCALE),
                encode(where, "diskMb", x.diskMb(), LEVEL_SCALE),
                encode(where, "bandwidthMb", x.bandwidthMb(), BANDWIDTH_SCALE),
                count(where, x.activeRequests()),
                encode(where, "responseTimeMs", x.responseTimeMs(), LEVEL_SCALE));
    }

    /** The sample a stored row stands for. */
    static UsageSample decode(StoredSample s) {
        return new UsageSample(
                s.siteId(),
                Instant.ofEpochSecond(s.ts()),
                level(s.memory()),
                level(s.cpu()),
                level(s.disk()),
                bandwidth(s.bandwidth()),
                s.activeRequests() == null ? null : s.activeRequests().intValue(),
                level(s.responseTime()));
    }

    /** A stored level (memory, CPU, disk, response time) in its unit, or null. */
    static Double level(Long stored) {
        return stored == null ? null : stored / (double) LEVEL_SCALE;
    }

    /** A stored bandwidth in MB, or null. */
    static Double bandwidth(Long stored) {
        return stored == null ? null : stored / (double) BANDWIDTH_SCALE;
    }

    private static Long encode(Supplier<String> where, String field, Double v, int scale) {
        if (v == null) return null;
        if (!Double.isFinite(v) || v < 0 || v > MAX_VALUE) {
            throw new ValidationException(
                    where.get(), field + " must be a finite number between 0 and " + (long) MAX_VALUE + ", got " + v);
        }
        return Math.round(v * scale);
    }

    private static Long count(Supplier<String> where, Integer v) {
        if (v == null) return null;
        if (v < 0) throw new ValidationException(where.get(), "activeRequests must not be negative, got " + v);
        return v.longValue();
    }
}
