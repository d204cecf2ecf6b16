package dev.dialup.deploy.db;

/** A migration failed; every pending migration of that run was rolled back. Start-up fails (HTTP 500 if ever mapped). */
public final class MigrationFailedException extends DialupDataException {
    private final String migration;

    public MigrationFailedException(String migration, String detail, Throwable cause) {
        super("Migration " + migration + " failed and was rolled back: " + detail, cause);
        this.migration = migration;
    }

    /** Version and description of the failing migration, e.g. {@code "V900 (boom)"}. */
    public String migration() {
        return migration;
    }
}
