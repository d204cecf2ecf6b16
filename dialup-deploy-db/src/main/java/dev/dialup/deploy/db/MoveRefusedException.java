package dev.dialup.deploy.db;

/**
 * A move of an SQLite installation to PostgreSQL ({@code ops.MoveToPostgres}) was refused before anything was
 * written: the target is not empty, the two schema versions differ, the source is not up to date, or the two schemas
 * do not hold the same tables and columns. Both databases were left unchanged. Operations only (HTTP 500 if ever
 * mapped).
 */
public final class MoveRefusedException extends DialupDataException {
    public enum Reason {
        /** The target holds rows other than those its migrations insert. */
        TARGET_NOT_EMPTY,
        /** The target's schema version differs from the source's (or it was never migrated). */
        SCHEMA_VERSION_MISMATCH,
        /** The source is not at this library's newest schema version: migrate it first. */
        SOURCE_NOT_UP_TO_DATE,
        /** The two databases (or this library's generated schema) do not hold the same tables and columns. */
        SCHEMA_MISMATCH
    }

    private final Reason reason;

    public MoveRefusedException(Reason reason, String detail) {
        super("Refusing to move: " + detail + " (nothing was written)");
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
