package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The maintenance run a platform scheduler calls (e.g. nightly): its tasks in order, each
 * timed, a failure recorded and the next task run anyway.
 *
 * <pre>{@code
 * Maintenance nightly = Maintenance.builder()
 *         .task(usageRollupTask)                 // plugged in by the services that own them
 *         .task(usagePruneTask)
 *         .task(Maintenance.optimizeTask(db))
 *         .task(Maintenance.backupTask(db, BackupService.besideDatabase(db.path())))
 *         .build();
 * Maintenance.Report report = nightly.run();
 * }</pre>
 */
public final class Maintenance {
    private static final Logger log = LoggerFactory.getLogger(Maintenance.class);

    private final List<MaintenanceTask> tasks;
    private final Clock clock;

    private Maintenance(List<MaintenanceTask> tasks, Clock clock) {
        this.tasks = List.copyOf(tasks);
        this.clock = clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Optimize then back up: the database's own upkeep, before any task is plugged in. */
    public static Maintenance standard(DialupDatabase db, BackupService backups) {
        return builder().task(optimizeTask(db)).task(backupTask(db, backups)).build();
    }

    public static MaintenanceTask optimizeTask(DialupDatabase db) {
        return task("optimize", () -> {
            Optimizer.Report r = Optimizer.optimize(db);
            return String.format(
                    "file %,d -> %,d bytes, WAL %,d -> %,d bytes, free pages %,d -> %,d%s",
                    r.fileBytesBefore(),
                    r.fileBytesAfter(),
                    r.walBytesBefore(),
                    r.walBytesAfter(),
                    r.freePagesBefore(),
                    r.freePagesAfter(),
                    r.checkpointBusy() ? " (checkpoint busy)" : "");
        });
    }

    public static MaintenanceTask backupTask(DialupDatabase db, BackupService backups) {
        return task("backup", () -> {
            Backup b = backups.backup(db);
            return "wrote " + b.file() + " (" + b.manifest().bytes() + " bytes, schema "
                    + b.manifest().schemaVersion() + ")";
        });
    }

    /** A task from a name and a body that returns its summary. */
    public static MaintenanceTask task(String name, Body body) {
        Objects.requireNonNull(name);
        Objects.requireNonNull(body);
        return new MaintenanceTask() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TaskResult run() throws Exception {
                return TaskResult.of(body.run());
            }
        };
    }

    @FunctionalInterface
    public interface Body {
        String run() throws Exception;
    }

    public List<String> taskNames() {
        return tasks.stream().map(MaintenanceTask::name).toList();
    }

    /** Runs every task in order; never throws for a failing task. */
    public Report run() {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        List<Outcome> outcomes = new ArrayList<>();
        for (MaintenanceTask task : tasks) {
            long s = System.nanoTime();
            try {
                MaintenanceTask.TaskResult result = task.run();
                outcomes.add(new Outcome(
                        task.name(),
                        true,
                        Duration.ofNanos(System.nanoTime() - s),
                        result == null ? "" : result.summary(),
                        null));
            } catch (Exception | LinkageError | AssertionError e) {
                String error = e.getClass().getSimpleName() + ": " + e.getMessage();
                log.warn("Maintenance task {} failed: {}", task.name(), error);
                outcomes.add(new Outcome(task.name(), false, Duration.ofNanos(System.nanoTime() - s), null, error));
            }
        }
        return new Report(started, Duration.ofNanos(System.nanoTime() - t0), outcomes);
    }

    /** One task's result: {@code summary} when it succeeded, {@code error} when it failed. */
    public record Outcome(String name, boolean ok, Duration took, String summary, String error) {}

    public record Report(Instant startedAt, Duration took, List<Outcome> outcomes) {
        public Report {
            outcomes = List.copyOf(outcomes);
        }

        public boolean ok() {
            return outcomes.stream().allMatch(Outcome::ok);
        }

        public List<Outcome> failures() {
            return outcomes.stream().filter(o -> !o.ok()).toList();
        }
    }

    public static final class Builder {
        private final List<MaintenanceTask> tasks = new ArrayList<>();
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        public Builder task(MaintenanceTask task) {
            tasks.add(Objects.requireNonNull(task));
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public Maintenance build() {
            return new Maintenance(tasks, clock);
        }
    }
}
