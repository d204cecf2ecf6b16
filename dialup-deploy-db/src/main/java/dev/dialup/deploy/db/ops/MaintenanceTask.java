package dev.dialup.deploy.db.ops;

/**
 * One job the platform's scheduler runs through {@link Maintenance} (usage rollup, pruning,
 * optimize, backup...). Throwing marks the task failed; the other tasks still run.
 */
public interface MaintenanceTask {
    String name();

    /** Does the work and says what it did, e.g. {@code "pruned 1,204 rows"}. */
    TaskResult run() throws Exception;

    /** What a task reports on success. */
    record TaskResult(String summary) {
        public static TaskResult of(String summary) {
            return new TaskResult(summary);
        }
    }
}
