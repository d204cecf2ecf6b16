package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.Progress;
import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.Method;

/**
 * A one-line text progress bar on stderr, redrawn in place. It is drawn only when stderr is a
 * terminal and never under {@code --json} (a log file or a pipe gets nothing, not frames joined
 * by {@code \r}); the line is cut to the terminal's width ({@code COLUMNS}, else
 * {@value #DEFAULT_COLUMNS}) so it never wraps into stale lines. It stays silent for the first half
 * second, so quick operations print nothing; {@link #finish} clears the line if it drew.
 */
final class ProgressBar implements Progress {
    static final int DEFAULT_COLUMNS = 80;
    private static final int MAX_BAR = 30;
    private static final long QUIET_NANOS = 500_000_000L;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final String unit;
    private final boolean enabled;
    private final int columns;
    private final long started = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintWriter err, String unit, boolean enabled, int columns) {
        this.err = err;
        this.unit = unit;
        this.enabled = enabled;
        this.columns = Math.max(20, columns);
    }

    /** The bar for a command: bytes as MB ({@code unit} null) or a count of {@code unit}; drawn only on a terminal, never with --json. */
    static ProgressBar forCommand(PrintWriter err, boolean json, String unit) {
        return new ProgressBar(err, unit, !json && stderrIsTerminal(), columns(System.getenv("COLUMNS")));
    }

    /** Whether this process talks to a terminal: a console exists and, on JDK 22+, {@code Console.isTerminal()} says so. */
    static boolean stderrIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 21: a non-null console means stdin and stdout are a terminal
        }
    }

    /** Terminal width from {@code COLUMNS}, or {@value #DEFAULT_COLUMNS} when unset or not a positive number. */
    static int columns(String env) {
        try {
            int n = env == null ? 0 : Integer.parseInt(env.trim());
            return n > 0 ? n : DEFAULT_COLUMNS;
        } catch (NumberFormatException e) {
            return DEFAULT_COLUMNS;
        }
    }

    boolean enabled() {
        return enabled;
    }

    @Override
    public synchronized void update(String step, long done, long total) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - started < QUIET_NANOS || now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        drawn = true;
        err.print("\r" + frame(step, done, total, unit, columns));
        err.flush();
    }

    /** One frame, at most {@code columns - 1} characters (the last column would wrap on some terminals). */
    static String frame(String step, long done, long total, String unit, int columns) {
        int width = Math.max(5, Math.min(MAX_BAR, columns - 45));
        String line = unit == null ? line(step, done, total, width) : countLine(step, done, total, unit, width);
        return line.length() < columns ? line : line.substring(0, columns - 1);
    }

    private static String line(String step, long done, long total, int width) {
        if (total <= 0) {
            return String.format("%-10s [%s] working...", step, "~".repeat(width));
        }
        int pct = (int) Math.min(100, done * 100 / total);
        int filled = pct * width / 100;
        return String.format(
                "%-10s [%s%s] %3d%% %,.1f/%,.1f MB",
                step, "#".repeat(filled), ".".repeat(width - filled), pct, done / 1e6, total / 1e6);
    }

    private static String countLine(String step, long done, long total, String unit, int width) {
        if (total <= 0) {
            return String.format("%-10s [%s] %,d %s", step, "~".repeat(width), done, unit);
        }
        int pct = (int) Math.min(100, done * 100 / total);
        int filled = pct * width / 100;
        return String.format(
                "%-10s [%s%s] %3d%% %,d/%,d %s",
                step, "#".repeat(filled), ".".repeat(width - filled), pct, done, total, unit);
    }

    synchronized void finish() {
        if (drawn) {
            err.print("\r" + " ".repeat(columns - 1) + "\r");
            err.flush();
        }
    }
}
