package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.ops.Progress;
import java.io.PrintWriter;

/**
 * A one-line text progress bar on stderr, redrawn in place. It stays silent for the first
 * half second, so quick operations print nothing; {@link #finish} ends the line if it drew.
 */
final class ProgressBar implements Progress {
    private static final int WIDTH = 30;
    private static final long QUIET_NANOS = 500_000_000L;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final String unit;
    private final long started = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    /** A bar that shows bytes as MB. */
    ProgressBar(PrintWriter err) {
        this(err, null);
    }

    /** A bar that counts items, e.g. {@code "values"} or {@code "days"}. */
    ProgressBar(PrintWriter err, String unit) {
        this.err = err;
        this.unit = unit;
    }

    @Override
    public synchronized void update(String step, long done, long total) {
        long now = System.nanoTime();
        if (now - started < QUIET_NANOS || now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        drawn = true;
        err.print("\r" + (unit == null ? line(step, done, total) : countLine(step, done, total, unit)));
        err.flush();
    }

    static String line(String step, long done, long total) {
        if (total <= 0) {
            return String.format("%-10s [%s] working...", step, "~".repeat(WIDTH));
        }
        int pct = (int) Math.min(100, done * 100 / total);
        int filled = pct * WIDTH / 100;
        return String.format("%-10s [%s%s] %3d%% %,.1f/%,.1f MB", step, "#".repeat(filled), ".".repeat(WIDTH - filled), pct,
                done / 1e6, total / 1e6);
    }

    static String countLine(String step, long done, long total, String unit) {
        if (total <= 0) {
            return String.format("%-10s [%s] %,d %s", step, "~".repeat(WIDTH), done, unit);
        }
        int pct = (int) Math.min(100, done * 100 / total);
        int filled = pct * WIDTH / 100;
        return String.format("%-10s [%s%s] %3d%% %,d/%,d %s", step, "#".repeat(filled), ".".repeat(WIDTH - filled), pct,
                done, total, unit);
    }

    synchronized void finish() {
        if (drawn) {
            err.print("\r" + " ".repeat(WIDTH + 40) + "\r");
            err.flush();
        }
    }
}
