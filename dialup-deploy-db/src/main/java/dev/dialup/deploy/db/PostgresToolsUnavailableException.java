package dev.dialup.deploy.db;

/**
 * A backup or restore of a PostgreSQL database needs {@code pg_dump} / {@code pg_restore} of the server's major
 * version (or newer), and none was found on the {@code PATH} (or in {@code DIALUP_PG_BIN}), or the one found is older
 * than the server. The message names the standard procedure instead. Nothing was written. Operations only (HTTP 500
 * if ever mapped).
 */
public final class PostgresToolsUnavailableException extends DialupDataException {
    public PostgresToolsUnavailableException(String message) {
        super(message);
    }
}
