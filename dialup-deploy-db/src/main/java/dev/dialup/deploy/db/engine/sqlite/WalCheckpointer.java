package dev.dialup.deploy.db.engine.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the WAL into the database file from a background thread, so commits never do it
 * (issue 15). The writer's own auto-checkpoint is raised to {@link SqliteOnly#WRITER_AUTOCHECKPOINT_PAGES}
 * and only acts as a backstop (a bounded WAL) if this thread falls behind or stops.
 *
 * <p>Every {@code period} it runs {@code PRAGMA wal_checkpoint(PASSIVE)} on its own connection:
 * passive checkpoints never wait for, or block, the writer or readers; they copy what they can
 * and fsync the database file ({@code synchronous=NORMAL}). When a checkpoint has copied the
 * whole WAL, the next commit starts writing at the WAL's beginning again, and the file is
 * truncated to {@link SqliteOnly#WAL_SIZE_LIMIT_BYTES}.
 */
public final class WalCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);

    private final Path path;
    private final Duration busyTimeout;
    private final ScheduledExecutorService executor;
    private final AtomicLong checkpoints = new AtomicLong();
    private final AtomicLong framesCopied = new AtomicLong();
    private Connection connection;
    private boolean failedOnce;

    public WalCheckpointer(Path path, Duration busyTimeout, Duration period) {
        this.path = path;
        this.busyTimeout = busyTimeout;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dialup-wal-checkpointer");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, period.toMillis());
        executor.scheduleWithFixedDelay(this::checkpoint, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Passive checkpoints run so far (for tests and diagnostics). */
    public long checkpoints() {
        return checkpoints.get();
    }

    /** WAL frames copied into the database file so far. */
    public long framesCopied() {
        return framesCopied.get();
    }

    private void checkpoint() {
        try {
            if (connection == null) {
                connection = SqliteOnly.dataSource(path, SqliteOnly.maintenanceConfig(busyTimeout))
                        .getConnection();
            }
            try (Statement st = connection.createStatement();
                    ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                if (rs.next()) framesCopied.addAndGet(Math.max(0, rs.getLong(3)));
            }
            checkpoints.incrementAndGet();
        } catch (SQLException | RuntimeException e) {
            if (!failedOnce) {
                failedOnce = true;
                log.warn(
                        "Background WAL checkpoint of {} failed (the writer's backstop checkpoint still bounds the WAL): {}",
                        path,
                        e.getMessage());
            }
            closeConnection();
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("Closing the checkpoint connection of {}: {}", path, e.getMessage());
            }
            connection = null;
        }
    }

    /** Stops the thread (waiting for a running checkpoint) and closes its connection. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("The WAL checkpointer of {} did not stop within 30 s", path);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection(); // the thread has stopped: its connection is ours now
    }
}
