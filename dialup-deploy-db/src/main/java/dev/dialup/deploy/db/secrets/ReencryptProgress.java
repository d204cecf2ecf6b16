package dev.dialup.deploy.db.secrets;

/**
 * Progress of {@link EnvironmentRepository#reencryptSecrets}: values moved to the primary key
 * so far in this run, values still under other keys, batches committed in this run.
 */
public record ReencryptProgress(int primaryKeyId, long reencrypted, long remaining, int batches) {
    public boolean done() {
        return remaining == 0;
    }
}
