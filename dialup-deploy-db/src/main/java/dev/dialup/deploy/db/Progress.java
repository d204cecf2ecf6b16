package dev.dialup.deploy.db;

/**
 * Progress of a long operation (backup, restore), for a CLI progress bar or a log line.
 * {@code total} is 0 when the size of a step is unknown.
 */
@FunctionalInterface
public interface Progress {
    Progress NONE = (step, done, total) -> {};

    void update(String step, long done, long total);
}
