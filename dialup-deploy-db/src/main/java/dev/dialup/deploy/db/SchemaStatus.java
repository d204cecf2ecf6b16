package dev.dialup.deploy.db;

import java.util.List;

/**
 * Where a database stands against this library's migrations.
 *
 * @param currentVersion the applied schema version, or {@code null} for an empty database
 * @param latestVersion  the newest migration this library ships
 * @param pending        migrations not yet applied, as {@code "V5 audit log"}
 */
public record SchemaStatus(String currentVersion, String latestVersion, List<String> pending) {
    public boolean upToDate() {
        return pending.isEmpty();
    }
}
